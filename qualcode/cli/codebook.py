"""`qualcode codebook`: list, show, add, rename, merge, import, export."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import (
    Format,
    FormatOpt,
    ProjectOpt,
    console,
    emit,
    err_console,
    open_project,
)
from qualcode.core.files import write_text
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook

app = typer.Typer(help="Manage the project's codebook (codes, groups, rules, keywords).", no_args_is_help=True)


class CodebookFormat(str, Enum):
    yaml = "yaml"
    csv = "csv"
    json = "json"


def _load(project: Path | None, file: Path | None) -> Codebook:
    """The codebook of a file when given, else the project's."""
    if file is not None:
        from qualcode.coding.codebook_changes import read_any_codebook

        return read_any_codebook(file)
    with open_project(project) as p:
        return p.codebook


FileOpt = Annotated[Path | None, typer.Option("--file", help="Read this codebook file instead of the project's.")]


@app.command("list")
def list_codes(project: ProjectOpt = None, file: FileOpt = None, fmt: FormatOpt = Format.table) -> None:
    """List codes in codebook order, with their group and number of keywords."""
    cb = _load(project, file)
    rows = [
        {"id": c.id, "name": ("  " * len(cb.ancestors(c.id))) + c.name if fmt is Format.table else c.name,
         "parent": c.parent or "", "kind": c.kind, "keywords": len(c.keywords)}
        for c in cb.codes
    ]
    emit(rows, ["id", "name", "parent", "kind", "keywords"], fmt, title=cb.name)


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="Code id (or exact name).")],
    project: ProjectOpt = None,
    file: FileOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show one code: definition, include/exclude rules, examples, keywords, children."""
    cb = _load(project, file)
    c = cb.resolve(code)
    data = c.to_dict()
    data["children"] = [k.id for k in cb.children(c.id)]
    if fmt is not Format.table:
        emit([data], list(data), fmt)
        return
    emit([{"field": k, "value": v} for k, v in data.items() if v not in (None, "", [])], ["field", "value"], fmt,
         title=f"{c.id} {c.name}")


@app.command("add")
def add(
    code_id: Annotated[str, typer.Argument(help="New code id, e.g. T-HOT.")],
    name: Annotated[str, typer.Argument(help="Code name.")],
    parent: Annotated[str | None, typer.Option(help="Parent code or group id.")] = None,
    definition: Annotated[str, typer.Option(help="Definition text.")] = "",
    keyword: Annotated[list[str] | None, typer.Option(help="Keyword lemma (repeatable).")] = None,
    project: ProjectOpt = None,
) -> None:
    """Add a code to the project's codebook."""
    from qualcode.coding.codebook_changes import add_code, new_code

    with open_project(project) as p:
        add_code(p, new_code(code_id, name, parent, definition, tuple(keyword or ())))
    err_console.print(_("Added {code_id} {name}.").format(code_id=code_id, name=name))


@app.command("rename")
def rename(
    code: Annotated[str, typer.Argument(help="Code id to rename.")],
    new_id: Annotated[str | None, typer.Option("--id", help="New id.")] = None,
    new_name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Rename a code (id and/or name); every coding follows and the change is audited."""
    from qualcode.coding.codebook_changes import rename as do_rename

    with open_project(project) as p:
        moved = do_rename(p, code, new_id, new_name)
    err_console.print(n_("Renamed {code}; {moved} coding followed.", "Renamed {code}; {moved} codings followed.", moved).format(code=code, moved=moved))


ListOpt = list[str] | None


@app.command("edit")
def edit(
    code: Annotated[str, typer.Argument(help="Code id (any case), number or name.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    definition: Annotated[str | None, typer.Option(help="New definition.")] = None,
    include: Annotated[str | None, typer.Option(help="New include rule (what belongs here).")] = None,
    exclude: Annotated[str | None, typer.Option(help="New exclude rule (what does not).")] = None,
    add_keyword: Annotated[ListOpt, typer.Option("--add-keyword", help="Keyword to add (repeatable; 'eget rum' is a phrase).")] = None,
    remove_keyword: Annotated[ListOpt, typer.Option("--remove-keyword", help="Keyword to remove (repeatable).")] = None,
    add_exclude_keyword: Annotated[ListOpt, typer.Option("--add-exclude-keyword", help="Keyword that argues against the code (repeatable).")] = None,
    remove_exclude_keyword: Annotated[ListOpt, typer.Option("--remove-exclude-keyword", help="Exclude keyword to remove (repeatable).")] = None,
    add_example: Annotated[ListOpt, typer.Option("--add-example", help="Example text to add (repeatable).")] = None,
    remove_example: Annotated[ListOpt, typer.Option("--remove-example", help="Example to remove (repeatable).")] = None,
    add_alias: Annotated[ListOpt, typer.Option("--add-alias", help="Alias to add (repeatable).")] = None,
    remove_alias: Annotated[ListOpt, typer.Option("--remove-alias", help="Alias to remove (repeatable).")] = None,
    project: ProjectOpt = None,
) -> None:
    """Edit a code's name, definition, include/exclude rules, keywords, examples and aliases (audited)."""
    from qualcode.coding.codebook_changes import edit_code

    texts = {k: v for k, v in (("name", name), ("definition", definition), ("include", include), ("exclude", exclude)) if v is not None}
    add = {"keywords": add_keyword or [], "exclude_keywords": add_exclude_keyword or [], "examples": add_example or [],
           "aliases": add_alias or []}
    remove = {"keywords": remove_keyword or [], "exclude_keywords": remove_exclude_keyword or [],
              "examples": remove_example or [], "aliases": remove_alias or []}
    with open_project(project) as p:
        new, changes = edit_code(p, code, texts, {k: v for k, v in add.items() if v}, {k: v for k, v in remove.items() if v})
        has_model = p.store.latest_model() is not None
    err_console.print(_("Changed {id}: {changes}.").format(id=new.id, changes=', '.join(changes)), markup=False)
    if any(f in changes for f in ("keywords", "exclude_keywords", "examples", "definition", "include", "exclude", "name")):
        err_console.print(
            _("The codebook has changed: the rules follow at once; ")
            + (_("retrain the suggestion model so that it does too — `qualcode train`") if has_model
               else _("the suggestion model is trained with `qualcode train`")),
            markup=False,
        )


@app.command("merge")
def merge(
    source: Annotated[str, typer.Argument(help="Code to merge away.")],
    target: Annotated[str, typer.Argument(help="Code that receives its codings.")],
    project: ProjectOpt = None,
) -> None:
    """Merge SOURCE into TARGET: codings move, keywords join, SOURCE is removed."""
    from qualcode.coding.codebook_changes import merge as do_merge

    with open_project(project) as p:
        moved = do_merge(p, source, target)
    err_console.print(n_("Merged {source} into {target}; {moved} coding moved.", "Merged {source} into {target}; {moved} codings moved.", moved).format(source=source, target=target, moved=moved))


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Codebook file: .yaml, .json, .csv or REFI-QDA .qdc.")],
    project: ProjectOpt = None,
) -> None:
    """Replace the project's codebook; refuses if codes in use would disappear."""
    from qualcode.coding.codebook_changes import import_codebook, read_any_codebook

    cb = read_any_codebook(file)
    with open_project(project) as p:
        change = import_codebook(p, cb)
    err_console.print(
        n_("Read {n_cb} code (new: {n_added}, removed: {n_removed}, ids unchanged: {n_kept}).",
           "Read {n_cb} codes (new: {n_added}, removed: {n_removed}, ids unchanged: {n_kept}).", len(cb)).format(n_cb=len(cb), n_added=len(change['added']), n_removed=len(change['removed']), n_kept=len(change['kept']))
    )


@app.command("export")
def export(
    project: ProjectOpt = None,
    fmt: Annotated[CodebookFormat, typer.Option("--format", "-f", help="yaml, csv or json.")] = CodebookFormat.yaml,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export the project's codebook as YAML, CSV or JSON (reads back with `codebook import`)."""
    from qualcode.core.codebook import dump_codebook

    with open_project(project) as p:
        text = dump_codebook(p.codebook, fmt.value)
    if out:
        write_text(out, text)
        err_console.print(_("Wrote {out}.").format(out=out))
    else:
        console.out(text, end="")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="codebook")
