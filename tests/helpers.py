"""Small builders shared by tests: projects and files made through the library."""

from __future__ import annotations

from pathlib import Path

from qualcode.project import Project, init_project


def make_project(root: Path, name: str = "p", db: str | None = None) -> Project:
    """A new project in `root/name`; `db`: a PostgreSQL URL for its data (the `project_db` fixture)."""
    return init_project(root / name, name="test", coder="anna", db=db)


def write_cp1252_csv(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    text = "\r\n".join(delimiter.join(_q(c, delimiter) for c in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode("cp1252"))
    return path


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
