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
        detail = ", ".join(f"{c} ({usage[c]} kodningar)" for c in dropped)
        raise CodebookError(
            f"den nya kodboken saknar koder som används: {detail} — lägg till dem i kodboken", value=dropped,
            hint=Hint("eller slå ihop dem först", command=("codebook", "merge", "KÄLLA", "MÅL")),
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
        raise CodebookError(f"kod-id '{code.id}' finns redan — välj ett annat id")
    new = build_codebook([*cb.codes, code], name=cb.name, version=cb.version)
    with project.store.transaction():
        project.store.save_codebook(new)
        project.store.log(actor or project.coder, "code-add", code_id=code.id, detail=code.to_dict())
    project.invalidate_codebook()
    return new


def rename(project: Project, old: str, new_id: str | None = None, new_name: str | None = None, actor: str | None = None) -> int:
    """Rename a code's id and/or name; every coding follows. Returns the number of codings moved."""
    if not new_id and not new_name:
        raise CodebookError("ange nytt id och/eller nytt namn", hint=Hint("till exempel", option="name", example="'Nytt namn'"))
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
        raise CodebookError("en kod behöver både id och namn",
                            hint=Hint("till exempel", command=("codebook", "add", "T-NY", "'Nytt tema'")))
    return replace(code, kind="theme" if code.id.startswith("T-") else "code")
