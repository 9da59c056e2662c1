"""A project: a folder with `qualcode.db` (the store) and `qualcode.yaml` (settings).

A project's data may instead live in a PostgreSQL database: `qualcode.yaml` then names it
(`db: postgresql+psycopg://USER@HOST/NAME`), `QUALCODE_DB=URL` overrides that, and `QUALCODE_DB`
alone (no folder) opens the project by its database. The settings are kept in the database too
(`project_info`, key `settings`, written at init and by `save_config`), so a project opened by its
URL alone has them; when a folder with a `qualcode.yaml` is given, the file's settings are the ones
used (the database's copy is overwritten at the next `save_config`).
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import Codebook, load_codebook
from qualcode.core.errors import Hint, ProjectError
from qualcode.core.files import write_text
from qualcode.store.database import DB_NAME, Store
from qualcode.core.i18n import _
from qualcode.store.urls import display_url, is_url, normalise_url, refuse_password

if TYPE_CHECKING:
    from spacy.language import Language

CONFIG_NAME = "qualcode.yaml"
# The environment variable that names a project's database (overrides `db:` in qualcode.yaml)
DB_ENV = "QUALCODE_DB"
# Where the settings of qualcode.yaml are kept in the database (project_info)
SETTINGS_KEY = "settings"

DEFAULT_CONFIG: dict[str, Any] = {
    "name": "",
    "coder": "",
    "nlp": {"model": "blank", "lemmatizer": "simplemma"},
    "unit": "paragraph",
    "privacy": {"min_cell": 5},
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class ProjectLocation:
    """Where a project lives: a folder (with qualcode.yaml and/or qualcode.db), a database URL, or both.

    `db` overrides the folder's database (`QUALCODE_DB`); with no folder the project is opened by
    its database alone and its settings come from there. Pass it to `find_project`; the web app and
    the background retrainer keep one to reopen the project on each request.
    """

    folder: Path | None = None
    db: str | None = None

    def __str__(self) -> str:
        return str(self.folder) if self.folder is not None else display_url(self.db or "")


def locate_project(path: str | Path | None = None, db: str | None = None) -> ProjectLocation:
    """The project at `path` (or the current folder), with `db` or `$QUALCODE_DB` as its database.

    `QUALCODE_DB` (or `db`) with no `path` means the project is its database alone: the current
    folder is not looked at.
    """
    db = db or os.environ.get(DB_ENV) or None
    if db:
        db = normalise_url(db) if is_url(db) else db
    if path is None and db:
        return ProjectLocation(None, db)
    return ProjectLocation(Path(path) if path else Path.cwd(), db)


@dataclass
class Project:
    """An open project. Close it (or use `with`) when done.

    `root` is the project folder (the current folder for a project opened by its database alone:
    relative files such as a mapping are looked for there).
    """

    root: Path
    config: dict[str, Any]
    store: Store
    _codebook: Codebook | None = field(default=None, repr=False)
    location: ProjectLocation | None = None

    @property
    def folder(self) -> Path | None:
        """The folder with qualcode.yaml, or None for a project opened by its database alone."""
        return self.location.folder if self.location is not None else self.root

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    @property
    def codebook(self) -> Codebook:
        if self._codebook is None:
            cb = self.store.load_codebook()
            if cb is None:
                raise ProjectError(
                    _("the project '{root}' has no codebook").format(root=self.root),
                    hint=Hint(_("load one"), command=("codebook", "import", "FIL")),
                )
            self._codebook = cb
        return self._codebook

    def invalidate_codebook(self) -> None:
        self._codebook = None

    @property
    def coder(self) -> str:
        return str(self.config.get("coder") or _default_coder())

    @property
    def model(self) -> str:
        return str((self.config.get("nlp") or {}).get("model") or "blank")

    def nlp(self, model: str | None = None) -> Language:
        from qualcode.nlp.pipeline import load_pipeline

        lemmatizer = str((self.config.get("nlp") or {}).get("lemmatizer") or "simplemma")
        return load_pipeline(model or self.model, lemmatizer)

    def save_config(self) -> None:
        """Write the settings to qualcode.yaml (when the project has a folder) and to the database."""
        import yaml

        with self.store.transaction():
            self.store.set_info(SETTINGS_KEY, settings_of(self.config))
        if self.folder is not None:
            write_text(self.folder / CONFIG_NAME, yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False))


def settings_of(config: dict[str, Any]) -> dict[str, Any]:
    """The settings kept in the database: the config without its database address."""
    return {k: v for k, v in config.items() if k != "db"}


def _default_coder() -> str:
    try:
        return getpass.getuser() or "forskare"
    except Exception:  # no user database in some containers
        return "forskare"


def _read_config(root: Path) -> dict[str, Any]:
    import yaml
    from qualcode.core import safe_yaml

    path = root / CONFIG_NAME
    if not path.exists():
        return dict(DEFAULT_CONFIG)
    try:
        data = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" line {value}").format(value=mark.line + 1) if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProjectError(_("could not read '{path}'{where} ({problem}) — fix the YAML syntax or remove the file").format(path=path, where=where, problem=problem)) from None
    if not isinstance(data, dict):
        raise ProjectError(_("'{path}' must hold key: value pairs").format(path=path))
    return _merge(DEFAULT_CONFIG, data)


def init_project(
    root: str | Path,
    codebook: str | Path | Codebook | None = None,
    name: str | None = None,
    coder: str | None = None,
    model: str | None = None,
    db: str | None = None,
) -> Project:
    """Create a project folder with an empty store and the codebook (default: the shipped one).

    `db`: a PostgreSQL URL (``postgresql+psycopg://USER@HOST/NAME``) for the data, kept in
    qualcode.yaml as `db:`; without it the data lives in `qualcode.db` in the folder. A URL with a
    password, or a database that already holds a project, is refused before anything is written.
    """
    from qualcode.store.info import holds_project

    root = Path(root)
    if (root / DB_NAME).exists():
        raise ProjectError(_("'{root}' already holds a project ({db_name}) — choose another folder").format(root=root, db_name=DB_NAME))
    if db is not None:
        refuse_password(db, CONFIG_NAME)
        db = normalise_url(db)
        if (root / CONFIG_NAME).exists():
            raise ProjectError(_("'{root}' already holds a project ({db_name}) — choose another folder").format(root=root, db_name=CONFIG_NAME))
        if holds_project(db):
            raise ProjectError(
                _("the database '{url}' already holds a qualcode project — give an empty database").format(url=display_url(db)),
                value=display_url(db), hint=Hint(_("open it instead"), command=("db", "info")),
            )
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    root.mkdir(parents=True, exist_ok=True)
    config = _merge(DEFAULT_CONFIG, {"name": name or root.resolve().name, "coder": coder or _default_coder()})
    if model:
        config["nlp"]["model"] = model
    if db is not None:
        config["db"] = db
    store = Store.open(db if db is not None else root / DB_NAME, create=True)
    try:
        with store.transaction():
            store.save_codebook(cb)
            project = Project(root=root, config=config, store=store, location=ProjectLocation(root, db))
            project.save_config()
    except BaseException:
        store.close()
        raise
    return project


def find_project(path: str | Path | ProjectLocation | None = None) -> Project:
    """Open the project at `path` (a folder, or a `ProjectLocation`; default: `locate_project()`)."""
    loc = path if isinstance(path, ProjectLocation) else locate_project(path)
    if loc.folder is None:
        return _open_by_database(loc)
    root = loc.folder
    has_config = (root / CONFIG_NAME).exists()
    config = _read_config(root) if has_config else dict(DEFAULT_CONFIG)
    in_yaml = config.get("db")
    if in_yaml is not None and not isinstance(in_yaml, str):
        raise ProjectError(_("'db:' in '{path}' must be a database address, e.g. postgresql+psycopg://USER@HOST/NAME").format(path=root / CONFIG_NAME))
    if in_yaml:
        refuse_password(in_yaml, CONFIG_NAME)
    url = loc.db or in_yaml
    if url and is_url(url):
        store = Store.open(normalise_url(url))
    else:
        db_file = (Path(url) if loc.db else root / url) if url else root / DB_NAME
        if not db_file.exists():
            if path is None:
                hint = Hint(_("give the project folder (or set QUALCODE_PROJECT), or create a project here"),
                            option="project", example=_("FOLDER"))
            else:
                hint = Hint(_("check the path, or create a project there"), command=("init", str(root)))
            raise ProjectError(_("found no qualcode project in '{root}'").format(root=root), value=str(root), hint=hint)
        store = Store.open(db_file)
    if not has_config:
        config = _merge(DEFAULT_CONFIG, store.get_info(SETTINGS_KEY, {}) or {})
    return Project(root=root, config=config, store=store, location=loc)


def _open_by_database(loc: ProjectLocation) -> Project:
    """A project opened by its database alone: the settings come from the database."""
    url = loc.db or ""
    store = Store.open(url)
    config = _merge(DEFAULT_CONFIG, store.get_info(SETTINGS_KEY, {}) or {})
    return Project(root=Path.cwd(), config=config, store=store, location=loc)
