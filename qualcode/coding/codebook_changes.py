"""Codebook changes inside a project: import, add, rename, merge — codings are kept and audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from qualcode.core.codebook import (
    Code,
    Codebook,
    build_codebook,
    load_codebook,
    merge_codes,
    rename_code,
)
from qualcode.core.errors import CodebookError, Hint
from qualcode.project import Project
from qualcode.core.i18n import _, n_


def read_any_codebook(path: str | Path) -> Codebook:
    """A codebook from .yaml/.json/.csv, or REFI-QDA (.qdc, or the codebook inside .qde/.qdpx)."""
    path = Path(path)
    if path.suffix.lower() in (".qdc", ".qde", ".qdpx"):
        from qualcode.exchange.refi_export import read_qdc

        return read_qdc(path)
    return load_codebook(path)


def import_codebook(project: Project, codebook: Codebook, actor: str | None = None) -> dict[str, list[str]]:
    """Replace the project's codebook; refuses if a code in use would disappear."""
    store = project.store
    usage = store.code_usage()
    dropped = sorted(c for c in usage if c not in codebook)
    if dropped:
        detail = ", ".join(n_("{c} ({usage} coding)", "{c} ({usage} codings)", usage[c]).format(c=c, usage=usage[c]) for c in dropped)
        raise CodebookError(
            _("the new codebook lacks codes in use: {detail} — add them to the codebook").format(detail=detail), value=dropped,
            hint=Hint(_("or merge them first"), command=("codebook", "merge", _("SOURCE"), _("TARGET"))),
        )
    old = store.load_codebook()
    old_ids = set(old.ids) if old else set()
    with store.transaction():
        store.save_codebook(codebook)
        change = {
            "added": [c for c in codebook.ids if c not in old_ids],
            "removed": sorted(old_ids - set(codebook.ids)),
            "kept": [c for c in codebook.ids if c in old_ids],
        }
        store.log(actor or project.coder, "codebook-import", detail={**change, "hash": codebook.hash()})
    project.invalidate_codebook()
    return change


def add_code(project: Project, code: Code, actor: str | None = None) -> Codebook:
    cb = project.codebook
    if code.id in cb:
        raise CodebookError(_("code id '{id}' already exists — choose another id").format(id=code.id))
    new = build_codebook([*cb.codes, code], name=cb.name, version=cb.version)
    with project.store.transaction():
        project.store.save_codebook(new)
        project.store.log(actor or project.coder, "code-add", code_id=code.id, detail=code.to_dict())
    project.invalidate_codebook()
    return new


def rename(project: Project, old: str, new_id: str | None = None, new_name: str | None = None, actor: str | None = None) -> int:
    """Rename a code's id and/or name; every coding follows. Returns the number of codings moved."""
    if not new_id and not new_name:
        raise CodebookError(_("give a new id and/or a new name"), hint=Hint(_("for example"), option="name", example="'Nytt namn'"))
    cb = project.codebook
    code = cb.resolve(old)
    new = rename_code(cb, code.id, new_id, new_name)
    store = project.store
    with store.transaction():
        moved = 0
        if new_id and new_id != code.id:
            moved = store.rename_code_id(code.id, new_id)
        store.save_codebook(new)
        store.log(actor or project.coder, "code-rename", code_id=new_id or code.id,
                  detail={"from": {"id": code.id, "name": code.name},
                          "to": {"id": new_id or code.id, "name": new_name or code.name}, "codings": moved})
    project.invalidate_codebook()
    return moved


def edit(
    project: Project,
    code_id: str,
    definition: str | None = None,
    include: str | None = None,
    exclude: str | None = None,
    keywords: tuple[str, ...] | None = None,
    actor: str | None = None,
) -> Code:
    """Change a code's definition, include/exclude rules or keywords (None: unchanged); audited."""
    cb = project.codebook
    old = cb.resolve(code_id)
    changes: dict[str, Any] = {k: v for k, v in (("definition", definition), ("include", include),
                                                 ("exclude", exclude), ("keywords", keywords)) if v is not None}
    new_code = replace(old, **changes)
    if new_code == old:
        return old
    new = build_codebook([new_code if c.id == old.id else c for c in cb.codes], name=cb.name, version=cb.version)
    with project.store.transaction():
        project.store.save_codebook(new)
        project.store.log(actor or project.coder, "code-edit", code_id=old.id,
                          detail={"from": {k: getattr(old, k) for k in changes}, "to": changes})
    project.invalidate_codebook()
    return new_code


EDIT_TEXT = ("name", "definition", "include", "exclude")
EDIT_LISTS = ("keywords", "exclude_keywords", "examples", "aliases", "synonyms")


def edit_code(
    project: Project,
    code: str,
    set_text: dict[str, str] | None = None,
    add: dict[str, list[str]] | None = None,
    remove: dict[str, list[str]] | None = None,
    actor: str | None = None,
) -> tuple[Code, dict[str, Any]]:
    """Change a code's texts (name, definition, include, exclude) and lists (keywords, examples …).

    `add`/`remove` map a list field to values to add or remove (removing a value the code does not
    have is an error that names what it has). Audited; returns the new code and the change."""
    from dataclasses import replace as dc_replace

    cb = project.codebook
    old = cb.resolve(code)
    changes: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for f, v in (set_text or {}).items():
        if f not in EDIT_TEXT:
            raise CodebookError(_("unknown field '{f}'").format(f=f), value=f, valid=EDIT_TEXT)
        if v != getattr(old, f):
            values[f] = v
            changes[f] = {"was": getattr(old, f), "now": v}
    unknown = [f for f in [*(add or {}), *(remove or {})] if f not in EDIT_LISTS]
    if unknown:
        raise CodebookError(_("unknown list field '{unknown}'").format(unknown=unknown[0]), value=unknown[0], valid=EDIT_LISTS)
    for f in [f for f in EDIT_LISTS if f in (add or {}) or f in (remove or {})]:
        current = list(getattr(old, f))
        gone = [" ".join(v.split()) for v in (remove or {}).get(f, [])]
        missing = [v for v in gone if v.casefold() not in {c.casefold() for c in current}]
        if missing:
            raise CodebookError(
                _("{id} does not have {value} among {f} — {f}: {value2}").format(id=old.id, value=', '.join(repr(m) for m in missing), f=f, value2=', '.join(current) or _("(none)")), value=missing[0], valid=current,
            )
        kept = [c for c in current if c.casefold() not in {g.casefold() for g in gone}]
        added = [" ".join(v.split()) for v in (add or {}).get(f, []) if v.strip()]
        new_list = list(dict.fromkeys([*kept, *(a for a in added if a.casefold() not in {k.casefold() for k in kept})]))
        if new_list != current:
            values[f] = tuple(new_list)
            changes[f] = {"added": [a for a in new_list if a not in current], "removed": [c for c in current if c not in new_list]}
    if not changes:
        raise CodebookError(_("nothing to change for {id} — say what to change").format(id=old.id), value=old.id,
                            hint=Hint(_("for example"), option="add_keyword", example="'eget rum'"))
    new_code_ = dc_replace(old, **values)
    new = build_codebook([new_code_ if c.id == old.id else c for c in cb.codes], name=cb.name, version=cb.version)
    with project.store.transaction():
        project.store.save_codebook(new)
        project.store.log(actor or project.coder, "code-edit", code_id=old.id, detail=changes)
    project.invalidate_codebook()
    return new.get(old.id), changes


def merge(project: Project, source: str, target: str, actor: str | None = None) -> int:
    """Merge `source` into `target`: codings move, keywords join, `source` is removed."""
    cb = project.codebook
    src, tgt = cb.resolve(source), cb.resolve(target)
    new = merge_codes(cb, src.id, tgt.id)
    store = project.store
    actor = actor or project.coder
    with store.transaction():
        moved = store.merge_code_codings(src.id, tgt.id, actor)
        store.save_codebook(new)
        store.log(actor, "code-merge", code_id=tgt.id, detail={"from": src.id, "to": tgt.id, "codings": moved})
    project.invalidate_codebook()
    return moved


def new_code(
    code_id: str,
    name: str,
    parent: str | None = None,
    definition: str = "",
    keywords: tuple[str, ...] = (),
) -> Code:
    code = Code(id=code_id.strip(), name=name.strip(), parent=parent or None, definition=definition, keywords=keywords)
    if not code.id or not code.name:
        raise CodebookError(_("a code needs both an id and a name"),
                            hint=Hint(_("for example"), command=("codebook", "add", "T-NY", "'Nytt tema'")))
    return replace(code, kind="theme" if code.id.startswith("T-") else "code")
