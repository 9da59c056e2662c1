"""Database addresses: which a project may name, and how they are shown.

A project's database is a SQLite file (the default, ``qualcode.db`` in the folder) or a
PostgreSQL database named by a URL (``postgresql+psycopg://USER@HOST/NAME``). Passwords never sit
in a URL that is written down: PostgreSQL finds them in a service file, ``PGPASSFILE`` or
``PGPASSWORD``.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.core.errors import Hint, ProjectError
from qualcode.core.i18n import _

PG_DRIVER = "postgresql+psycopg"
# what a user may type for PostgreSQL; all mean psycopg 3
_PG_SCHEMES = ("postgresql", "postgres", PG_DRIVER)


def _password_hint() -> Hint:
    return Hint(_(
        "put the password in a PostgreSQL service file (~/.pg_service.conf), in PGPASSFILE (~/.pgpass) "
        "or in the environment variable PGPASSWORD, and give the address without it"
    ))


def is_url(text: str | Path) -> bool:
    """A database URL (``scheme://…``) rather than a folder or file path."""
    return "://" in str(text)


def _scheme(text: str) -> str:
    return text.split("://", 1)[0].lower()


def normalise_url(text: str) -> str:
    """The URL as SQLAlchemy opens it: ``postgresql://`` and ``postgres://`` mean psycopg 3.

    Raises ProjectError for an engine qualcode does not run on.
    """
    text = text.strip()
    scheme = _scheme(text)
    if scheme in _PG_SCHEMES:
        return PG_DRIVER + text[len(scheme):]
    if scheme == "sqlite":
        return text
    raise ProjectError(
        _("the database address '{url}' is not supported — qualcode runs on SQLite and PostgreSQL").format(url=display_url(text)),
        value=display_url(text), valid=(PG_DRIVER + "://USER@HOST/NAME", "sqlite:///PATH"),
        hint=Hint(_("write the address as postgresql+psycopg://USER@HOST/NAME")),
    )


def has_password(text: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return bool(make_url(text).password)
    except Exception:  # not a URL SQLAlchemy parses: normalise_url/the engine says what is wrong
        return False


def refuse_password(text: str, where: str) -> None:
    """Refuse a URL with a password before it is written to `where` (a file name)."""
    if has_password(text):
        raise ProjectError(
            _("the database address '{url}' holds a password, and passwords are never kept in {where}").format(
                url=display_url(text), where=where),
            value=display_url(text), hint=_password_hint(),
        )


def display_url(text: str) -> str:
    """The URL without its password (for messages, `db info`, logs)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(text)
    except Exception:
        return text.split("@", 1)[-1] if "@" in text else text
    return url.render_as_string(hide_password=True).replace(":***@", "@")


def engine_name(text: str) -> str:
    """'postgresql' or 'sqlite' for a URL qualcode runs on."""
    return "sqlite" if _scheme(normalise_url(text)) == "sqlite" else "postgresql"
