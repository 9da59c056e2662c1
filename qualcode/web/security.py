"""The gate in front of every route: strict headers, CSRF, and either a one-run token (one researcher)
or accounts with sessions kept in the project (`qualcode serve --team`)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from qualcode.core.i18n import _, language

COOKIE = "qualcode_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SAFE_METHODS = ("GET", "HEAD")
# Nothing from another origin: scripts, styles, fonts and images are the package's own files.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on a form post, which the
    # origin check must refuse; same-origin sends our own origin there and nothing to other sites
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

_NO_ACCESS = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} — qualcode</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>"""


LOGIN_COOKIE = "qualcode_login"  # the sign-in form's CSRF value (double submit: cookie and field agree)
LOGIN_PATH = "/login"


@dataclass
class WebSession:
    """One browser's session: its CSRF token, the coder it codes as, blind mode, the account's role.

    With the one-run token the researcher is the project's owner (role admin); in team mode
    `coder` is the signed-in account and cannot be switched.
    """

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    coder: str = ""
    blind: bool = False
    role: str = "admin"
    team: bool = False


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._dispatch(request, call_next)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        if response.media_type in (None, "text/html"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    async def _dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError


def foreign_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return bool(origin) and origin != f"{request.url.scheme}://{request.url.netloc}"


async def sent_csrf(request: Request) -> str:
    """The CSRF token a write carries: the header htmx sends, or a plain form's field."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # a plain form (no JavaScript) sends the token as a field; the body is replayed to the route
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        sent = (fields.get(CSRF_FIELD) or [""])[0]
    return sent or ""


async def _write_refused(request: Request, csrf: str) -> Response | None:
    if request.method in SAFE_METHODS:
        return None
    if foreign_origin(request):
        return _refuse(403, _("Forbidden"), _("Changes are accepted only from qualcode's own pages."))
    sent = await sent_csrf(request)
    if not sent or not secrets.compare_digest(sent.encode(), csrf.encode()):
        return _refuse(403, _("Forbidden"), _("The change lacks a valid CSRF token — reload the page and try again."))
    return None


class Gate(_Headers):
    """401 without the token or a session cookie; 403 for a write without the session's CSRF token."""

    def __init__(self, app, token: str, sessions: dict[str, WebSession], coder: str):  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.token = token
        self.sessions = sessions
        self.coder = coder

    async def _dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return _refuse(401, _("Wrong key"), _("The address has the wrong token — open the address that `qualcode serve` printed."))
            sid = secrets.token_urlsafe(32)
            self.sessions[sid] = WebSession(coder=self.coder)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/")
            return response
        session = self.sessions.get(request.cookies.get(COOKIE) or "")
        if session is None:
            return _refuse(401, _("No access"), _("Open the address with the token that `qualcode serve` printed in the terminal."))
        refused = await _write_refused(request, session.csrf)
        if refused is not None:
            return refused
        request.state.session = session
        return await call_next(request)


class TeamGate(_Headers):
    """Team mode: every page but the sign-in form needs an account's session (kept in the project).

    Without a valid session a page redirects to the sign-in form (an ended one says so), an htmx
    request is told to go there, anything else answers 401. Writes need the session's CSRF token.
    `lookup(cookie)` gives the session or raises AccessError (401).
    """

    def __init__(self, app, lookup: Callable[[str], Awaitable[WebSession]]):  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.lookup = lookup

    async def _dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        from qualcode.core.errors import AccessError

        path = request.url.path
        if path == LOGIN_PATH or path.startswith("/static/"):
            if request.method not in SAFE_METHODS and foreign_origin(request):
                return _refuse(403, _("Forbidden"), _("Sign-in is accepted only from qualcode's own page."))
            return await call_next(request)
        cookie = request.cookies.get(COOKIE) or ""
        try:
            session = await self.lookup(cookie)
        except AccessError as exc:
            target = LOGIN_PATH + "?" + urlencode({"next": request.url.path, **({"why": "ended"} if cookie else {})})
            if request.headers.get("hx-request") == "true":
                response: Response = _refuse(401, _("Sign in"), str(exc))
                response.headers["HX-Redirect"] = target
            elif request.method in SAFE_METHODS:
                response = RedirectResponse(target, status_code=303)
            else:
                response = _refuse(401, _("Sign in"), str(exc))
            if cookie:
                response.delete_cookie(COOKIE, path="/")
            return response
        refused = await _write_refused(request, session.csrf)
        if refused is not None:
            return refused
        request.state.session = session
        return await call_next(request)


def _refuse(status: int, title: str, text: str) -> Response:
    from html import escape

    return HTMLResponse(_NO_ACCESS.format(lang=language(), title=escape(title), text=escape(text)), status_code=status)
