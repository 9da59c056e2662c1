"""Moving a project between engines and looking at its database (`qualcode db copy`, `qualcode db info`).

A project is named by its folder (its qualcode.db, or the database `db:` in its qualcode.yaml) or
by a database URL (``postgresql+psycopg://USER@HOST/NAME``, ``sqlite:///PATH``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.errors import ProjectError
from qualcode.core.i18n import _
from qualcode.core.files import write_text
from qualcode.core.records import CopyReport, DatabaseInfo
from qualcode.project import (
    CONFIG_NAME,
    SETTINGS_KEY,
    Project,
    ProjectLocation,
    find_project,
    settings_of,
)
from qualcode.store.database import DB_NAME, Store
from qualcode.store.urls import display_url, is_url, normalise_url


@dataclass(frozen=True)
class _Target:
    db: str | Path  # a URL or the SQLite file's path
    folder: Path | None  # where qualcode.yaml goes (a folder target)
    label: str


def _source(spec: str | Path) -> ProjectLocation:
    text = str(spec)
    if is_url(text):
        return ProjectLocation(None, normalise_url(text))
    return ProjectLocation(Path(text), None)


def _target(spec: str | Path) -> _Target:
    from qualcode.store.info import holds_project

    text = str(spec)
    if is_url(text):
        url = normalise_url(text)
        if holds_project(url):
            raise ProjectError(
                _("the target database '{url}' already holds a project — copy to an empty database").format(url=display_url(url)),
                value=display_url(url),
            )
        return _Target(url, None, display_url(url))
    folder = Path(text)
    for name in (DB_NAME, CONFIG_NAME):
        if (folder / name).exists():
            raise ProjectError(
                _("the target folder '{folder}' already holds a project ({name}) — copy to an empty or new folder").format(
                    folder=folder, name=name),
                value=str(folder),
            )
    return _Target(folder / DB_NAME, folder, str(folder))


def copy_project(
    source: str | Path, target: str | Path, progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy the whole project at `source` to `target` (each a project folder or a database URL).

    The target gets the schema through the store, then every table's rows with their ids, in one
    transaction; each table's row count and content hash are then read back and compared
    (`CopyReport.ok`). A target that already holds a project is refused and nothing is written.
    A folder target gets qualcode.db and a qualcode.yaml with the source's settings.
    """
    from qualcode.store.copy import copy_database
    from qualcode.store.engine import to_url

    with find_project(_source(source)) as project:
        settings = settings_of(project.config)
        src_url = project.store.url
        if project.folder is not None and (project.folder / CONFIG_NAME).exists():
            # the folder's qualcode.yaml is what the project's settings are: the copy takes them along
            if project.store.get_info(SETTINGS_KEY) != settings:
                with project.store.transaction():
                    project.store.set_info(SETTINGS_KEY, settings)
        src_label = str(project.location or project.root)
    tgt = _target(target)
    tgt_url = to_url(tgt.db)
    if src_url.render_as_string(hide_password=False) == tgt_url.render_as_string(hide_password=False):
        raise ProjectError(_("the source and the target are the same database — give another target"), value=tgt.label)
    made_folder = tgt.folder is not None and not tgt.folder.exists()
    try:
        if tgt.folder is not None:
            tgt.folder.mkdir(parents=True, exist_ok=True)
        Store.open(tgt.db, create=True).close()  # the schema, as the store makes it
        checks = copy_database(src_url, tgt_url, progress)
        if tgt.folder is not None:
            import yaml

            write_text(tgt.folder / CONFIG_NAME, yaml.safe_dump(settings, allow_unicode=True, sort_keys=False))
    except BaseException:
        if tgt.folder is not None:
            _remove_sqlite(tgt.folder / DB_NAME)
            if made_folder:
                shutil.rmtree(tgt.folder, ignore_errors=True)
        raise
    return CopyReport(source=src_label, target=tgt.label, tables=tuple(checks))


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def database_info(project: Project) -> DatabaseInfo:
    """Engine, address (no password), schema revision and whether it is current, size, row counts."""
    from qualcode.store.info import describe

    return describe(project.store.url)


def content_hashes(project: Project) -> dict[str, tuple[int, str]]:
    """Every table's (row count, content hash), the same on SQLite and PostgreSQL for the same content."""
    from qualcode.store.copy import digests

    return digests(project.store.url)
