"""The gate in front of every route: a one-run token, a session cookie, CSRF and strict headers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

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
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

_NO_ACCESS = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>qualcode</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>"""


@dataclass
class WebSession:
    """One browser's session: its CSRF token, the coder it codes as, blind mode."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    coder: str = ""
    blind: bool = False


class Gate(BaseHTTPMiddleware):
    """401 without the token or a session cookie; 403 for a write without the session's CSRF token."""

    def __init__(self, app, token: str, sessions: dict[str, WebSession], coder: str):  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.token = token
        self.sessions = sessions
        self.coder = coder

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._dispatch(request, call_next)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        if response.media_type in (None, "text/html"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    async def _dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return _refuse(401, "Fel nyckel", "Adressen har fel token — öppna adressen som `qualcode serve` skrev ut.")
            sid = secrets.token_urlsafe(32)
            self.sessions[sid] = WebSession(coder=self.coder)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/")
            return response
        session = self.sessions.get(request.cookies.get(COOKIE) or "")
        if session is None:
            return _refuse(401, "Ingen åtkomst", "Öppna adressen med token som `qualcode serve` skrev ut i terminalen.")
        if request.method not in SAFE_METHODS:
            origin = request.headers.get("origin")
            if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
                return _refuse(403, "Förbjudet", "Ändringar tas bara emot från qualcodes egna sidor.")
            sent = request.headers.get(CSRF_HEADER)
            if sent is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                # a plain form (no JavaScript) sends the token as a field; the body is replayed to the route
                fields = parse_qs((await request.body()).decode("utf-8", "replace"))
                sent = (fields.get(CSRF_FIELD) or [""])[0]
            if not sent or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
                return _refuse(403, "Förbjudet", "Ändringen saknar giltig CSRF-token — ladda om sidan och försök igen.")
        request.state.session = session
        return await call_next(request)


def _refuse(status: int, title: str, text: str) -> Response:
    from html import escape

    return HTMLResponse(_NO_ACCESS.format(title=escape(title), text=escape(text)), status_code=status)
