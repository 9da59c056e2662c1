"""Accounts of a team project and their browser sessions (`qualcode user …`, `qualcode serve --team`).

An account's name is the coder name her codings and the audit log carry. Passwords are kept only
as argon2 hashes; a session cookie is kept only as its SHA-256. Sign-in failures are limited per
account and per client address (`LoginGuard`): after `FREE_FAILURES` failures each further try
waits, twice as long each time.

    add_account(project, "anna", "coder", "hemligt lösen")
    token, session = sign_in(project, "anna", "hemligt lösen", "127.0.0.1", guard)
    account, session = open_session(project, token)
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from qualcode.core.errors import AccessError, Hint, InputError, NotFoundError, ProjectError
from qualcode.core.records import MODEL_CODER, ROLES, Account, AccountSession
from qualcode.project import Project
from qualcode.store import accounts as sql
from qualcode.core.i18n import N_, _

MIN_PASSWORD = 8
IDLE_MINUTES = 120  # a session unused this long ends
SESSION_HOURS = 12  # and every session ends this long after sign-in
TOUCH_SECONDS = 60  # last_seen is written at most this often (a write per request would queue coders)
FREE_FAILURES = 5  # failed sign-ins before the first wait
FIRST_WAIT = 30  # seconds; doubles with each further failure
MAX_WAIT = 3600
FORGET_AFTER = 3600  # failures older than this no longer count
MAX_KEYS = 10_000  # failure records kept; past this, those that no longer hold anyone back are dropped
ROLE_WORDS = (N_("admin"), N_("coder"), N_("reader"))  # a role in the interface's words: _(role)
# what each role may do: a reader reads, a coder also codes, an admin also edits the codebook and accounts
MAY = {"read": set(ROLES), "code": {"admin", "coder"}, "admin": {"admin"}}

_hasher_lock = threading.Lock()


def _hasher():  # type: ignore[no-untyped-def]
    """argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 0.05 s a check on one core,
    so eight coders signing in at once do not stall the server; older hashes are upgraded at sign-in."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _stamp(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="seconds")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def token_hash(token: str) -> str:
    """What the store keeps of a session cookie: its SHA-256, so a copy of the database opens no session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- accounts ------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """An account name: letters (å ä ö too), digits, dot, dash, underscore; not the model's name."""
    import re

    name = name.strip()
    if not re.fullmatch(r"[\w.\-]{1,40}", name):
        raise InputError(_("invalid account name {name!r} — use letters, digits, dot, hyphen (at most 40 characters)").format(name=name),
                         value=name)
    if name == MODEL_CODER:
        raise InputError(_("'{model_coder}' is the model's name — choose another account name").format(model_coder=MODEL_CODER), value=name)
    return name


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InputError(_("unknown role {role!r} — valid roles: {roles}").format(role=role, roles=', '.join(ROLES)), value=role, valid=ROLES)
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(_("the password is too short ({n_password} characters) — choose at least {min_password} characters").format(n_password=len(password), min_password=MIN_PASSWORD))
    if password != password.strip():
        raise InputError(_("the password begins or ends with whitespace — remove it"))
    return password


def _require(project: Project, name: str) -> Account:
    account = sql.get_account(project.store, name)
    if account is None:
        names = [a.name for a in sql.list_accounts(project.store)]
        raise NotFoundError(_("no account is called {name!r}").format(name=name) + (_(" — accounts: {names}").format(names=", ".join(names)) if names else ""),
                            value=name, valid=names, hint=Hint(_("see the accounts"), command=("user", "list")))
    return account


def add_account(project: Project, name: str, role: str, password: str, actor: str | None = None) -> Account:
    """A new account (audited). Its codings will carry `name` as coder."""
    name, role, password = check_name(name), check_role(role), check_password(password)
    store = project.store
    if sql.get_account(store, name) is not None:
        raise InputError(_("the account {name!r} already exists — change its password or role instead").format(name=name), value=name,
                         hint=Hint(_("change the password"), command=("user", "passwd", name)))
    digest = _hasher().hash(password)
    with store.transaction():
        sql.add_account(store, name, role, digest, _stamp(_utcnow()))
        store.log(actor or project.coder, "account-add", detail={"account": name, "role": role})
    return _require(project, name)


def list_accounts(project: Project) -> list[Account]:
    """Every account, in Swedish alphabetical order."""
    from qualcode.core.ordering import sort_key

    return sorted(sql.list_accounts(project.store), key=lambda a: sort_key(None, a.name))


def _keep_an_admin(project: Project, account: Account) -> None:
    if account.role == "admin" and sql.count_admins(project.store) <= 1:
        raise InputError(_("{name!r} is the project's only administrator and cannot be removed or change role").format(name=account.name),
                         value=account.name,
                         hint=Hint(_("first make another account an administrator"), command=("user", "role", "NAMN", "admin")))


def remove_account(project: Project, name: str, actor: str | None = None) -> Account:
    """Remove an account and end its sessions (its codings stay, under its name). Not the last admin."""
    store = project.store
    account = _require(project, name.strip())
    _keep_an_admin(project, account)
    with store.transaction():
        sql.remove_account(store, account.name)
        store.log(actor or project.coder, "account-remove", detail={"account": account.name, "role": account.role})
    return account


def set_password(project: Project, name: str, password: str, actor: str | None = None) -> Account:
    """A new password; every open session of the account ends."""
    store = project.store
    account = _require(project, name.strip())
    digest = _hasher().hash(check_password(password))
    with store.transaction():
        sql.set_password_hash(store, account.name, digest)
        sql.delete_sessions_of(store, account.name)
        store.log(actor or project.coder, "account-password", detail={"account": account.name})
    return _require(project, account.name)


def set_role(project: Project, name: str, role: str, actor: str | None = None) -> Account:
    """Change an account's role (its open sessions end, so the new role applies at once). Not the last admin."""
    store = project.store
    account = _require(project, name.strip())
    role = check_role(role)
    if role != "admin":
        _keep_an_admin(project, account)
    with store.transaction():
        sql.set_role(store, account.name, role)
        sql.delete_sessions_of(store, account.name)
        store.log(actor or project.coder, "account-role", detail={"account": account.name, "was": account.role,
                                                                    "now": role})
    return _require(project, account.name)


def same_password(password: str, again: str) -> str:
    """A new password typed twice (the browser's form); they must agree."""
    if password != again:
        raise InputError(_("the passwords differ — type the same password in both fields"))
    return password


def manage(project: Project, action: str, fields: dict[str, str], actor: str) -> str:
    """An admin's change to the accounts (the browser's Konton page); the line that says what was done."""
    name = fields.get("name", "").strip()
    if action == "add":
        account = add_account(project, name, fields.get("role", "coder"),
                              same_password(fields.get("password", ""), fields.get("again", "")), actor=actor)
        return _("account {name} ({role}) created").format(name=account.name, role=_(account.role))
    if action == "role":
        account = set_role(project, name, fields.get("role", ""), actor=actor)
        return _("{name} is now {role}").format(name=account.name, role=_(account.role))
    if action == "passwd":
        set_password(project, name, same_password(fields.get("password", ""), fields.get("again", "")), actor=actor)
        return _("new password for {name}").format(name=name)
    if action == "remove":
        remove_account(project, name, actor=actor)
        return _("account {name} removed").format(name=name)
    raise NotFoundError(_("unknown action {action!r}").format(action=action), value=action,
                        valid=("add", "role", "passwd", "remove"))


def require_admin_account(project: Project) -> None:
    """A team project needs an admin account to sign in with; one clear line when it has none."""
    if sql.count_admins(project.store) == 0:
        raise ProjectError(
            _("the project has no administrator account, so nobody can sign in in team mode — create one first"),
            hint=Hint(_("create one"), command=("user", "add", "NAMN"), options=(("role", "admin"),)),
        )


# -- signing in ------------------------------------------------------------------------------


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    until: float = 0.0


class LoginGuard:
    """Failed sign-ins per account and per client address; both must be free for a try.

    After `free` failures a key waits `first_wait` seconds, doubling with each further failure up
    to `max_wait`; a success clears the account's and the address's count. `clock` is for tests.
    """

    def __init__(self, free: int = FREE_FAILURES, first_wait: float = FIRST_WAIT, max_wait: float = MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic):
        self.free = free
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.clock = clock
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(name: str, client: str) -> tuple[str, str]:
        return (f"konto:{name.strip().casefold()}", f"adress:{client}")

    def wait(self, name: str, client: str) -> float:
        """Seconds before the next try is allowed (0: now)."""
        now = self.clock()
        with self._lock:
            return max((f.until - now for k in self.keys(name, client) if (f := self._keys.get(k))), default=0.0)

    def failed(self, name: str, client: str) -> float:
        """Count a failure; the wait it causes (0 while under the free tries)."""
        now = self.clock()
        waits = []
        with self._lock:
            if len(self._keys) >= MAX_KEYS:  # names made up by the thousand must not fill the memory
                self._keys = {k: f for k, f in self._keys.items() if f.until > now or now - f.last <= FORGET_AFTER}
            for k in self.keys(name, client):
                f = self._keys.setdefault(k, _Failures())
                if now - f.last > FORGET_AFTER:
                    f.count = 0
                f.count += 1
                f.last = now
                over = f.count - self.free
                if over >= 0:
                    f.until = now + min(self.max_wait, self.first_wait * 2 ** over)
                waits.append(max(0.0, f.until - now))
        return max(waits)

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            for k in self.keys(name, client):
                self._keys.pop(k, None)


def _wait_text(seconds: float) -> str:
    s = int(seconds + 0.999)
    return f"{s} sekunder" if s < 120 else f"{(s + 59) // 60} minuter"


def sign_in(
    project: Project, name: str, password: str, client: str, guard: LoginGuard,
    session_hours: float = SESSION_HOURS, now: datetime | None = None,
) -> tuple[str, AccountSession]:
    """Check the password and open a session: (cookie value, stored session). Wrong → AccessError 401/429."""
    name = name.strip()
    wait = guard.wait(name, client)
    if wait > 0:
        raise AccessError(_("too many failed sign-ins — wait {wait_text} and try again").format(wait_text=_wait_text(wait)),
                          status=429, retry_after=int(wait + 0.999))
    account = sql.get_account(project.store, name)
    ok = False
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    try:
        # an unknown name costs the same hashing time as a wrong password (names are not revealed)
        ok = hasher.verify(account.password_hash if account else _dummy_hash(), password) and account is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None or account.disabled:
        after = guard.failed(name, client)
        extra = _(" — wait {wait_text} before the next attempt").format(wait_text=_wait_text(after)) if after > 0 else ""
        raise AccessError(_("wrong name or password") + extra, status=429 if after > 0 else 401,
                          retry_after=int(after + 0.999) if after > 0 else None)
    guard.succeeded(name, client)
    t = now or _utcnow()
    token = secrets.token_urlsafe(32)
    session = AccountSession(token_hash=token_hash(token), account=account.name, csrf=secrets.token_urlsafe(24),
                             created_at=_stamp(t), expires_at=_stamp(t + timedelta(hours=session_hours)),
                             last_seen=_stamp(t))
    store = project.store
    with store.transaction():
        sql.delete_stale_sessions(store, _stamp(t), _stamp(t - timedelta(minutes=IDLE_MINUTES)))
        sql.add_session(store, session)
        if hasher.check_needs_rehash(account.password_hash):
            sql.set_password_hash(store, account.name, hasher.hash(password))
    return token, session


_dummy: list[str] = []


def _dummy_hash() -> str:
    """A hash of a random password, made once: unknown names are checked against it."""
    with _hasher_lock:
        if not _dummy:
            _dummy.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def open_session(
    project: Project, token: str, idle_minutes: float = IDLE_MINUTES, now: datetime | None = None,
) -> tuple[Account, AccountSession]:
    """The account and session behind a cookie; AccessError 401 when it is unknown, idle too long or expired."""
    store = project.store
    t = now or _utcnow()
    session = sql.get_session(store, token_hash(token)) if token else None
    if session is None:
        raise AccessError(_("you are not signed in — sign in"), status=401)
    idle = datetime.fromisoformat(session.last_seen) + timedelta(minutes=idle_minutes)
    if datetime.fromisoformat(session.expires_at) <= t or idle <= t:
        with store.transaction():
            sql.delete_session(store, session.token_hash)
        raise AccessError(_("the session has expired — sign in again"), status=401)
    account = sql.get_account(store, session.account)
    if account is None or account.disabled:
        raise AccessError(_("the account no longer exists — ask an administrator for an account"), status=401)
    if (t - datetime.fromisoformat(session.last_seen)).total_seconds() >= TOUCH_SECONDS:
        with store.transaction():
            sql.touch_session(store, session.token_hash, _stamp(t))
        session = replace(session, last_seen=_stamp(t))
    return account, session


def sign_out(project: Project, token: str) -> None:
    with project.store.transaction():
        sql.delete_session(project.store, token_hash(token))


def allowed(role: str, need: str) -> bool:
    return role in MAY[need]


def refuse(role: str, need: str) -> AccessError:
    """The 403 for an action the role does not allow, in the interface's words."""
    if need == "code":
        text = _("your account ({role}) may only read — ask an administrator for the coder role to code")
    else:
        text = _("your account ({role}) cannot change the codebook or the accounts — an administrator does that")
    return AccessError(text.format(role=_(role)), status=403)
