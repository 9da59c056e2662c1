"""Small builders shared by tests: projects and files made through the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.project import Project, init_project


def make_project(root: Path, name: str = "p", db: str | None = None) -> Project:
    """A new project in `root/name`; `db`: a PostgreSQL URL for its data (the `project_db` fixture)."""
    return init_project(root / name, name="test", coder="anna", db=db)


def write_cp1252_csv(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    text = "\r\n".join(delimiter.join(_q(c, delimiter) for c in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode("cp1252"))
    return path


def write_utf8_csv(path: Path, rows: list[list[str]]) -> Path:
    """A `;` CSV in UTF-8 (csv's own quoting), as the mention tests write their questionnaires."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows(rows)
    return path


def mention_zero(**counts: int) -> dict[str, int]:
    """A mention table's column: every category (P01–P13, Övrigt, Ej svar) 0 unless given."""
    from qualcode.analysis.mentions.mapper import EJ_SVAR, OVRIGT

    return {c: counts.get(c, 0) for c in [f"P{n:02d}" for n in range(1, 14)] + [OVRIGT, EJ_SVAR]}


def _q(cell: str, delimiter: str) -> str:
    if delimiter in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def project_dump(root: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a project's database, to check that a failed command changed nothing."""
    from qualcode.store.database import DB_NAME, Store

    with Store.open(root / DB_NAME) as store:
        return store.dump()


def files_state(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to check that a failed write left the old files."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- trainers for the background retrainer ---------------------------------------------------
# The retrainer runs its trainer in a spawned child process, which imports it: these stand in for
# qualcode.suggest.service.retrain_project there (bind arguments with functools.partial).


def suggest_one(project: Project, code: str, last: bool = False) -> None:
    """One new open suggestion of `code` on the first (or last) segment; its reason says which
    process wrote it and how many segments that process found."""
    import os

    from qualcode.core.records import MODEL_CODER

    ids = project.store.segment_ids()
    with project.store.transaction():
        project.store.upsert_coding(ids[-1] if last else ids[0], code, MODEL_CODER, "suggested", score=0.51,
                                    model_version="m2", reason=f"pid {os.getpid()}, {len(ids)} segment")


def fail_with(project: Project, kind: str) -> None:
    """A trainer that fails: an error that pickles, one that does not, or a process that dies."""
    import os

    from qualcode.core.errors import Hint, InputError, UnknownCodeError

    if kind == "input":
        raise InputError("ingen träningsdata", hint=Hint("koda några segment", command=("tag",)))
    if kind == "unknown-code":
        raise UnknownCodeError(["P99"], ["P01", "P02"])  # cannot be rebuilt from its message alone
    if kind == "runtime":
        raise RuntimeError("disken är full")
    os._exit(3)


def migrate(conn: Any, revision: str) -> None:
    """Upgrade the database on `conn` to `revision` with the project's Alembic migrations."""
    from alembic import command
    from alembic.config import Config

    from qualcode.store.database import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
