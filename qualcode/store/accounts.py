"""Accounts and web sessions of a team project (`qualcode serve --team`): the SQL, nothing else.

Plain portable SQL with named parameters (`:name`), so the statements run unchanged on SQLite
and PostgreSQL; every function takes the project's `Store` and returns frozen records. Callers
wrap writes in `store.transaction()`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from qualcode.core.records import Account, AccountSession, AuditChange
from qualcode.store.database import Store


def _rows(store: Store, sql: str, **params: Any) -> list[Any]:
    return list(store.conn.execute(text(sql), params).fetchall())


def _run(store: Store, sql: str, **params: Any) -> int:
    """Execute one statement; the number of rows it changed."""
    return int(store.conn.execute(text(sql), params).rowcount)


def _account(r: Any) -> Account:
    return Account(name=r[0], role=r[1], created_at=r[2], disabled=bool(r[3]), password_hash=r[4])


_ACCOUNT = "SELECT name, role, created_at, disabled, password_hash FROM accounts"


# -- accounts ------------------------------------------------------------------------------


def add_account(store: Store, name: str, role: str, password_hash: str, created_at: str) -> None:
    _run(store, "INSERT INTO accounts (name, role, password_hash, created_at, disabled) "
                "VALUES (:name, :role, :hash, :at, :disabled)",
         name=name, role=role, hash=password_hash, at=created_at, disabled=False)


def get_account(store: Store, name: str) -> Account | None:
    rows = _rows(store, _ACCOUNT + " WHERE name = :name", name=name)
    return _account(rows[0]) if rows else None


def list_accounts(store: Store) -> list[Account]:
    """Every account, in name order (the caller sorts in Swedish order for display)."""
    return [_account(r) for r in _rows(store, _ACCOUNT + " ORDER BY name")]


def count_admins(store: Store) -> int:
    rows = _rows(store, "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND disabled = :no", no=False)
    return int(rows[0][0])


def remove_account(store: Store, name: str) -> int:
    """Remove the account and its sessions; 1 if it existed."""
    _run(store, "DELETE FROM web_sessions WHERE account = :name", name=name)
    return _run(store, "DELETE FROM accounts WHERE name = :name", name=name)


def set_password_hash(store: Store, name: str, password_hash: str) -> int:
    return _run(store, "UPDATE accounts SET password_hash = :hash WHERE name = :name", name=name, hash=password_hash)


def set_role(store: Store, name: str, role: str) -> int:
    return _run(store, "UPDATE accounts SET role = :role WHERE name = :name", name=name, role=role)


# -- web sessions ----------------------------------------------------------------------------


def _session(r: Any) -> AccountSession:
    return AccountSession(token_hash=r[0], account=r[1], csrf=r[2], created_at=r[3], expires_at=r[4], last_seen=r[5])


def add_session(store: Store, s: AccountSession) -> None:
    _run(store, "INSERT INTO web_sessions (token_hash, account, csrf, created_at, expires_at, last_seen) "
                "VALUES (:token_hash, :account, :csrf, :created_at, :expires_at, :last_seen)",
         token_hash=s.token_hash, account=s.account, csrf=s.csrf, created_at=s.created_at,
         expires_at=s.expires_at, last_seen=s.last_seen)


def get_session(store: Store, token_hash: str) -> AccountSession | None:
    rows = _rows(store, "SELECT token_hash, account, csrf, created_at, expires_at, last_seen FROM web_sessions "
                        "WHERE token_hash = :token_hash", token_hash=token_hash)
    return _session(rows[0]) if rows else None


def touch_session(store: Store, token_hash: str, last_seen: str) -> int:
    return _run(store, "UPDATE web_sessions SET last_seen = :seen WHERE token_hash = :token_hash",
                token_hash=token_hash, seen=last_seen)


def delete_session(store: Store, token_hash: str) -> int:
    return _run(store, "DELETE FROM web_sessions WHERE token_hash = :token_hash", token_hash=token_hash)


def delete_sessions_of(store: Store, name: str) -> int:
    return _run(store, "DELETE FROM web_sessions WHERE account = :name", name=name)


def delete_stale_sessions(store: Store, now: str, idle_before: str) -> int:
    """Sessions past their absolute end or idle since before `idle_before` (UTC ISO strings compare in order)."""
    return _run(store, "DELETE FROM web_sessions WHERE expires_at <= :now OR last_seen < :idle",
                now=now, idle=idle_before)


# -- the change feed -----------------------------------------------------------------------


def audit_changes(store: Store, since: int, limit: int = 500) -> list[AuditChange]:
    """Audit entries after id `since`, oldest first, each with the document its segment or detail names."""
    import json

    rows = _rows(store, "SELECT a.id, a.actor, a.action, s.document_id, a.detail FROM audit a "
                        "LEFT JOIN segments s ON s.id = a.segment_id WHERE a.id > :since ORDER BY a.id LIMIT :n",
                 since=int(since), n=int(limit))
    out = []
    for r in rows:
        doc = r[3]
        if doc is None:
            detail = json.loads(r[4] or "{}")
            named = detail.get("document_id", detail.get("document"))
            doc = named if isinstance(named, int) else None
        out.append(AuditChange(id=int(r[0]), actor=r[1], action=r[2], document_id=doc))
    return out


def last_audit_id(store: Store) -> int:
    rows = _rows(store, "SELECT MAX(id) FROM audit")
    return int(rows[0][0] or 0)

