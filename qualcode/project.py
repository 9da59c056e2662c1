"""A project: a folder with `qualcode.db` (the store) and `qualcode.yaml` (settings)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import Codebook, load_codebook
from qualcode.core.errors import Hint, ProjectError
from qualcode.core.files import write_text
from qualcode.store.database import DB_NAME, Store
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from spacy.language import Language

CONFIG_NAME = "qualcode.yaml"

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


@dataclass
class Project:
    """An open project. Close it (or use `with`) when done."""

    root: Path
    config: dict[str, Any]
    store: Store
    _codebook: Codebook | None = field(default=None, repr=False)

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
        import yaml

        write_text(self.root / CONFIG_NAME, yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False))


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
        where = f" rad {mark.line + 1}" if mark is not None else ""
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
) -> Project:
    """Create a project folder with an empty store and the codebook (default: the shipped one)."""
    root = Path(root)
    if (root / DB_NAME).exists():
        raise ProjectError(_("'{root}' already holds a project ({db_name}) — choose another folder").format(root=root, db_name=DB_NAME))
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    root.mkdir(parents=True, exist_ok=True)
    config = _merge(DEFAULT_CONFIG, {"name": name or root.resolve().name, "coder": coder or _default_coder()})
    if model:
        config["nlp"]["model"] = model
    store = Store.open(root / DB_NAME, create=True)
    try:
        store.save_codebook(cb)
        project = Project(root=root, config=config, store=store)
        project.save_config()
    except BaseException:
        store.close()
        raise
    return project


def find_project(path: str | Path | None = None) -> Project:
    """Open the project at `path` (or the current folder)."""
    root = Path(path) if path else Path.cwd()
    if not (root / DB_NAME).exists():
        if path is None:
            hint = Hint(_("give the project folder (or set QUALCODE_PROJECT), or create a project here"),
                        option="project", example="MAPP")
        else:
            hint = Hint(_("check the path, or create a project there"), command=("init", str(root)))
        raise ProjectError(_("found no qualcode project in '{root}'").format(root=root), value=str(root), hint=hint)
    config = _read_config(root)
    store = Store.open(root / DB_NAME)
    return Project(root=root, config=config, store=store)
