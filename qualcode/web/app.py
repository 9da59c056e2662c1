"""`qualcode serve`: the browser workspace. Routes parse the request, call one service, render.

No SQL, no business rule and no counting here: every route calls a function of a service module
(`qualcode.coding.workspace`, `coding.service`, `suggest.service`, `analysis`, `export`), each in
a worker thread with its own connection to the project.
"""

from __future__ import annotations

import colorsys
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qualcode.core.errors import AccessError, NotFoundError, QualcodeError
from qualcode.project import ProjectLocation, locate_project
from qualcode.web.security import COOKIE, CSRF_FIELD, LOGIN_COOKIE, LOGIN_PATH, Gate, TeamGate, WebSession
from qualcode.core.i18n import _

T = TypeVar("T")
STATIC = Path(__file__).parent / "static"
LIVE_SECONDS = 3  # the document page asks for other coders' changes this often (team mode)


def _env() -> Environment:
    from qualcode.coding.workspace import action_name
    from qualcode.core import i18n

    env = Environment(loader=PackageLoader("qualcode.web", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    # the templates' texts come from the same catalogs as the CLI's, in the language of the moment
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.n_, newstyle=False,
    )
    env.globals["n_"] = i18n.n_  # a text with a count: n_("{n} coding", "{n} codings", n).format(n=n), as in the code
    env.globals["language"] = i18n.language  # <html lang>
    env.globals["value_text"] = i18n.value_text  # a metadata value: '3,5' in Swedish
    env.globals["action_name"] = action_name
    # the survey import's own field (which text column an answer is from) in the interface language,
    # a survey answer's column is stored as 'field': shown in the interface's word ("fråga"), its
    # stored name as the header's title and in a filter's value
    env.globals["meta_label"] = lambda k: _("question") if k == "field" else k
    env.filters["num"] = lambda v: "" if v is None else (i18n.format_decimal(v, 2) if isinstance(v, float) else str(v))
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0f} %"
    env.filters["meta"] = lambda d: ", ".join(f"{k}={v}" for k, v in (d or {}).items())
    env.filters["text"] = document_text
    env.filters["ticks"] = _ticks
    # an address's query with a list as repeated fields (k=a&k=b): Jinja's urlencode writes the list's repr
    env.filters["query"] = lambda d: urlencode(d, doseq=True)
    env.filters["marked"] = marked
    env.globals["picker_codes"] = lambda cb: [{"id": c.id, "name": c.name, "aliases": list(c.aliases)} for c in cb.leaves]
    return env


def marked(text: str, spans: list[tuple[int, int]] | None) -> Markup:
    """Escaped text with each (start, end) span in <mark> (a search hit's words)."""
    out, at = [], 0
    for a, b in spans or ():
        out += [escape(text[at:a]), Markup('<mark class="hit">'), escape(text[a:b]), Markup("</mark>")]
        at = b
    out.append(escape(text[at:]))
    return Markup("").join(out)


def document_text(text: str) -> Markup:
    """Escaped text whose carriage returns stay characters: the HTML parser turns a CR LF into one LF
    (and a CR into an LF), so the page's text would be shorter than the document's and its offsets wrong."""
    return Markup(str(escape(text)).replace("\r", "&#13;"))


def code_colours(codebook: Any) -> dict[str, int]:
    """A colour number per code, in codebook order (hues a golden angle apart)."""
    return {c.id: i for i, c in enumerate(codebook.codes)}


def hue_css(n: int) -> str:
    r, g, b = colorsys.hls_to_rgb(((n * 137.508) % 360) / 360, 0.45, 0.65)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def _ticks(text: object) -> Any:
    """A message's `code` (a command, a word to type) as <code>, the rest escaped: the backticks the
    terminal shows are not printed on a page."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", str(escape(text))))


def refusal_status(exc: QualcodeError) -> int:
    """The HTTP status of a refused request: the access error's own, 404 for what is not there, else 422."""
    return exc.status if isinstance(exc, AccessError) else 404 if isinstance(exc, NotFoundError) else 422


def error_text(exc: QualcodeError) -> str:
    """The message and its hint in the browser's words (a command is named as the page to use)."""
    hint = exc.info.hint
    if hint is None:
        return str(exc)
    extra = f" ({hint.example})" if hint.example else ""
    return f"{exc} — {hint.text}{extra}"


@dataclass(frozen=True)
class TeamSettings:
    """`qualcode serve --team`: sessions end after `idle_minutes` unused or `session_hours` after sign-in;
    `blind`: a coder sees only her own codings (and the model's suggestions)."""

    blind: bool = False
    idle_minutes: float = 120
    session_hours: float = 12
    live_seconds: float = LIVE_SECONDS


class Web:
    """The routes, bound to one project (a folder, a database URL, or both: a `ProjectLocation`)."""

    def __init__(self, where: str | Path | ProjectLocation, retrain_every: int = 25, team: TeamSettings | None = None):
        from qualcode.coding.accounts import LoginGuard
        from qualcode.coding.retrain import Retrainer, default_trainer

        # resolved once ($QUALCODE_DB included), so every request opens the same project
        self.location = where if isinstance(where, ProjectLocation) else locate_project(where)
        self.root = self.location.folder or Path.cwd()
        self.team = team
        self.guard = LoginGuard()
        self.env = _env()
        # as in `qualcode tag`: new suggestions in the background after enough decisions
        self.retrainer = Retrainer(self.location, default_trainer() if retrain_every > 0 else None, every=retrain_every)
        # what a form did, shown on the page it redirects to (post, redirect, get: a reload sends nothing again)
        self.flashes: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one service function on a fresh connection in a worker thread."""
        from qualcode.project import find_project

        def work() -> T:
            with find_project(self.location) as project:
                return fn(project, *args, **kwargs)

        return await run_in_threadpool(work)

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        session: WebSession = request.state.session
        from qualcode.coding.accounts import allowed

        html = self.env.get_template(name).render(
            request=request, csrf=session.csrf, csrf_field=CSRF_FIELD, session=session, retrainer=self.retrainer,
            can_code=allowed(session.role, "code"), is_admin=allowed(session.role, "admin"),
            role_name=_(session.role),
            live_seconds=self.team.live_seconds if self.team else None, **context,
        )
        return HTMLResponse(html, status_code=status)

    def coder(self, request: Request) -> str | None:
        return request.state.session.coder

    def blind(self, request: Request) -> bool:
        return request.state.session.blind

    @staticmethod
    def htmx(request: Request) -> bool:
        return request.headers.get("hx-request") == "true"

    # -- pages -------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        from qualcode.coding.workspace import overview

        ov = await self.call(overview)
        return self.render(request, "overview.html", ov=ov, page="overview")

    async def documents(self, request: Request) -> Response:
        from qualcode.coding.workspace import find_documents

        q = request.query_params
        meta = _meta_filter(q.get("meta", ""))
        rows = await self.call(find_documents, q.get("q", ""), meta, q.get("kind") or None)
        return self.render(request, "documents.html", rows=rows, q=q.get("q", ""), meta=q.get("meta", ""),
                           kind=q.get("kind", ""), page="documents")

    async def document(self, request: Request) -> Response:
        from qualcode.coding.workspace import document_view

        view = await self.call(document_view, _int(request.path_params["doc"]), self.coder(request), self.blind(request))
        name = "document_text.html" if self.htmx(request) else "document.html"
        return self.render(request, name, view=view, colours=code_colours(view.codebook), page="documents",
                           fragment=self.htmx(request))

    async def document_changes(self, request: Request) -> Response:
        """Polled by the document page: other coders' changes since the page's audit id show at once."""
        from qualcode.coding.workspace import document_changes, document_view

        doc = _int(request.path_params["doc"])
        changes = await self.call(document_changes, doc, _int(request.query_params.get("since", "0")),
                                  self.coder(request), self.blind(request))
        if not changes.changed:
            return self.render(request, "live.html", live_doc=doc, live_since=changes.latest, fragment=True)
        view = await self.call(document_view, doc, self.coder(request), self.blind(request))
        who = ", ".join(changes.actors)
        note = _("{who} changed the document just now — it is shown as it is now").format(who=who) if who else _("the document is shown as it is now")
        return self.render(request, "document_text.html", view=view, colours=code_colours(view.codebook),
                           fragment=True, oob=True, note=note)

    async def panel(self, request: Request) -> Response:
        from qualcode.coding.workspace import marks_at

        at = _int(request.query_params.get("at", "0"))
        marks, cb = await self.call(marks_at, _int(request.path_params["doc"]), at, self.coder(request),
                                    self.blind(request))
        return self.render(request, "panel.html", marks=marks, colours=code_colours(cb),
                           doc=_int(request.path_params["doc"]), at=at)

    async def _retrain(self, request: Request, change: Any) -> None:
        from qualcode.coding.workspace import retraining_started

        if change.decisions and self.retrainer.maybe_start(change.decisions):
            await self.call(retraining_started, self.coder(request))

    async def _doc_change(self, request: Request, change: Any, at: int | None = None, stay: bool = False) -> Response:
        """After a write: the document's text again, plus the message (out of band).

        A change in another document goes there, or with `stay` draws the page she is on again (an undo:
        its message names the document it changed)."""
        from qualcode.coding.workspace import document_view

        await self._retrain(request, change)
        current = request.query_params.get("doc")
        shown = change.document_id
        if current and _int(current) != change.document_id:
            if not stay:
                response = Response(status_code=204)
                response.headers["HX-Redirect"] = f"/documents/{change.document_id}"
                return response
            shown = _int(current)
        view = await self.call(document_view, shown, self.coder(request), self.blind(request))
        return self.render(request, "document_text.html", view=view, colours=code_colours(view.codebook),
                           message=change.message, fragment=True)

    async def add_coding(self, request: Request) -> Response:
        from qualcode.coding.workspace import code_selection

        form = await request.form()
        codes = [c for c in str(form.get("code", "")).replace(",", " ").split() if c] or [str(form.get("code", ""))]
        change = await self.call(
            code_selection, _int(request.path_params["doc"]), _int(form.get("start")), _int(form.get("end")),
            [str(form.get("code", "")).strip()] if len(codes) == 1 else codes, self.coder(request),
            (str(form.get("memo") or "").strip() or None),
        )
        return await self._doc_change(request, change)

    async def coding_action(self, request: Request) -> Response:
        from qualcode.coding import workspace

        form = await request.form()
        cid = _int(request.path_params["coding"])
        action = request.path_params["action"]
        coder = self.coder(request)
        if action == "remove":
            change = await self.call(workspace.remove_coding, cid, coder)
        elif action == "memo":
            was = form.get("was")
            change = await self.call(workspace.write_memo, cid, str(form.get("memo") or ""), coder,
                                     None if was is None else str(was))
        elif action == "quote":
            change = await self.call(workspace.toggle_quote, cid, coder, self.blind(request))
        elif action in ("accept", "reject"):
            change = await self.call(workspace.decide, cid, action, coder)
        else:
            raise NotFoundError(_("unknown action {action!r}").format(action=action))
        return await self._doc_change(request, change)

    async def undo(self, request: Request) -> Response:
        from qualcode.coding.workspace import undo_last

        change = await self.call(undo_last, self.coder(request))
        if request.query_params.get("from") == "grid":
            response = Response(status_code=204)
            response.headers["HX-Refresh"] = "true"
            return response
        return await self._doc_change(request, change, stay=True)

    async def next_suggestion(self, request: Request) -> Response:
        from qualcode.coding.workspace import next_uncertain

        nxt = await self.call(next_uncertain, self.coder(request))
        if nxt is None:
            return self.render(request, "message.html", title=_("No open suggestions"),
                               text=_("There are no open suggestions. Run suggestions again after training."))
        return RedirectResponse(f"/documents/{nxt.document_id}#c{nxt.coding_id}", status_code=303)

    async def grid(self, request: Request) -> Response:
        from qualcode.coding.workspace import grid_columns, survey_grid

        q = request.query_params
        try:
            grid = await self.call(
                survey_grid, page=_int(q.get("page", "1")), per_page=_int(q.get("per", "50")),
                meta=_meta_filter(q.get("meta", "")), sort=q.get("sort") or None, descending=q.get("desc") == "1",
                code=q.get("code") or None, uncoded=q.get("uncoded") == "1", text=q.get("q", ""),
                coder=self.coder(request), blind=self.blind(request),
            )
        except QualcodeError as exc:  # a filter she typed: said beside the form, which keeps what she typed
            if isinstance(exc, AccessError):
                raise
            grid = await self.call(grid_columns)
            return self.render(request, "grid.html", status=422, grid=grid, q=q, page="grid", error=error_text(exc))
        return self.render(request, "grid.html", grid=grid, q=q, page="grid")

    async def _grid_row(self, request: Request, segment_id: int, message: str) -> Response:
        from qualcode.coding.workspace import grid_row

        row, codes = await self.call(grid_row, segment_id, self.coder(request), self.blind(request))
        return self.render(request, "grid_row.html", row=row, codes=codes, keys=request.query_params.getlist("k"),
                           message=message)

    async def grid_toggle(self, request: Request) -> Response:
        from qualcode.coding.workspace import toggle_code

        form = await request.form()
        seg = _int(form.get("segment"))
        change = await self.call(toggle_code, seg, str(form.get("code", "")), self.coder(request))
        await self._retrain(request, change)
        return await self._grid_row(request, seg, change.message)

    async def code_view(self, request: Request) -> Response:
        from qualcode.coding.workspace import code_passages

        q = request.query_params
        result = await self.call(code_passages, request.path_params["code"], _meta_filter(q.get("meta", "")),
                                 self.coder(request), self.blind(request))
        return self.render(request, "code.html", result=result, meta=q.get("meta", ""), page="codebook")

    async def codebook(self, request: Request, status: int = 200, error: str = "",
                       sent: dict[str, dict[str, str]] | None = None) -> Response:
        """The codebook page; after a refused change (`error`) with her form as she sent it (`sent`:
        action -> fields), so nothing she typed is lost."""
        from qualcode.coding.workspace import codebook_tree

        tree = await self.call(codebook_tree)
        sent = sent or {}
        editing = sent.get("edit", {}).get("code") or request.query_params.get("edit")
        code = next((e.code for e in tree.entries if e.code.id == editing), None)
        message = self.flashes.pop(request.cookies.get(COOKIE) or "", None)
        return self.render(request, "codebook.html", status=status, tree=tree, page="codebook", editing=code,
                           message=message, error=error, sent=sent)

    async def codebook_change(self, request: Request) -> Response:
        from qualcode.coding.workspace import change_codebook

        form = await request.form()
        fields = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
        action = request.path_params["action"]
        try:
            message = await self.call(change_codebook, action, fields, self.coder(request))
        except QualcodeError as exc:
            if isinstance(exc, AccessError):
                raise
            # the page again, her form filled in as she sent it, the refusal above it
            return await self.codebook(request, refusal_status(exc), error_text(exc), {action: fields})
        # to the codebook's own address: reloading it, or going back, does not send the change again
        if len(self.flashes) > 1000:
            self.flashes.clear()
        self.flashes[request.cookies.get(COOKIE) or ""] = message
        return RedirectResponse("/codebook", status_code=303)

    async def search(self, request: Request) -> Response:
        from qualcode.coding.workspace import search_preview

        q = request.query_params.get("q", "")
        result = await self.call(search_preview, q) if q.strip() else None
        return self.render(request, "search.html", q=q, result=result, page="search")

    async def search_code(self, request: Request) -> Response:
        from qualcode.coding.workspace import code_search_hits, search_preview

        form = await request.form()
        q = str(form.get("q", ""))
        message = await self.call(code_search_hits, q, str(form.get("code", "")), self.coder(request))
        result = await self.call(search_preview, q)
        return self.render(request, "search.html", q=q, result=result, page="search", message=message)

    async def counts(self, request: Request) -> Response:
        from qualcode.coding.workspace import count_table

        q = request.query_params
        by = [f for f in q.get("by", "").split(",") if f.strip()]
        table = await self.call(count_table, by, q.get("unit", "document"), q.get("kind") or None)
        return self.render(request, "counts.html", table=table, by=",".join(by), unit=q.get("unit", "document"),
                           kind=q.get("kind", ""), page="counts")

    async def counts_chart(self, request: Request) -> Response:
        from qualcode.coding.workspace import count_chart

        q = request.query_params
        by = [f for f in q.get("by", "").split(",") if f.strip()]
        png = await self.call(count_chart, by, q.get("unit", "document"), q.get("kind") or None)
        return Response(png, media_type="image/png")

    async def mentions(self, request: Request) -> Response:
        from qualcode.coding.workspace import mention_view

        columns = [c.strip() for c in request.query_params.get("columns", "").split(",") if c.strip()]
        view = await self.call(mention_view, columns)
        return self.render(request, "mentions.html", view=view, columns=", ".join(columns), page="mentions")

    async def mentions_settle(self, request: Request) -> Response:
        from qualcode.coding.workspace import mention_view, settle_mention

        form = await request.form()
        message = await self.call(settle_mention, str(form.get("answer", "")), str(form.get("category", "")),
                                  self.coder(request))
        columns = [c.strip() for c in str(form.get("columns", "")).split(",") if c.strip()]
        view = await self.call(mention_view, columns)
        return self.render(request, "mentions.html", view=view, columns=", ".join(columns), page="mentions",
                           message=message)

    async def report(self, request: Request) -> Response:
        from qualcode.coding.workspace import report_options

        options = await self.call(report_options)
        return self.render(request, "report.html", options=options, page="report")

    async def report_download(self, request: Request) -> Response:
        from qualcode.coding.workspace import build_report_file

        form = await request.form()
        by = [f for f in str(form.get("by", "")).split(",") if f.strip()]
        fmt = str(form.get("format", "md"))
        data, filename, media = await self.call(build_report_file, fmt, by)
        return Response(data, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})

    async def coders(self, request: Request) -> Response:
        from qualcode.coding.workspace import coders_page

        info = await self.call(coders_page, self.coder(request))
        return self.render(request, "coders.html", info=info, page="coders")

    async def coders_switch(self, request: Request) -> Response:
        from qualcode.coding.workspace import check_coder

        session: WebSession = request.state.session
        if session.team:
            raise AccessError(_("in a team project you code as your account — sign in with another account to code as someone else"), status=403)
        form = await request.form()
        session.coder = await self.call(check_coder, str(form.get("coder", "")))
        session.blind = form.get("blind") == "1"
        return RedirectResponse("/coders", status_code=303)

    # -- team mode: signing in and out ------------------------------------------------------

    def _login_page(self, request: Request, status: int = 200, error: str = "", name: str = "",
                    retry_after: int | None = None) -> Response:
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        why = request.query_params.get("why")
        html = self.env.get_template("login.html").render(
            login_csrf=token, csrf_field=CSRF_FIELD, error=error, name=name, next=_local_path(request),
            ended=why == "ended" and not error, signed_out=why == "out" and not error,
        )
        response = HTMLResponse(html, status_code=status)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path=LOGIN_PATH)
        if retry_after:
            response.headers["retry-after"] = str(retry_after)
        return response

    async def login_form(self, request: Request) -> Response:
        return self._login_page(request)

    async def login(self, request: Request) -> Response:
        from qualcode.coding.accounts import sign_in

        assert self.team is not None
        form = await request.form()
        name = str(form.get("name", "")).strip()
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        sent = str(form.get(CSRF_FIELD, ""))
        if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
            return self._login_page(request, 403, _("The form had expired — try again."), name)
        client = request.client.host if request.client else _("unknown")
        try:
            token, _unused = await self.call(sign_in, name, str(form.get("password", "")), client, self.guard,
                                       self.team.session_hours)
        except AccessError as exc:
            return self._login_page(request, exc.status, error_text(exc), name, exc.retry_after)
        response = RedirectResponse(_local_path(request), status_code=303)
        # no max-age: the cookie goes when the browser closes; the server ends the session anyway
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
        return response

    async def logout(self, request: Request) -> Response:
        from qualcode.coding.accounts import sign_out

        await self.call(sign_out, request.cookies.get(COOKIE) or "")
        response = RedirectResponse(LOGIN_PATH + "?why=out", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def accounts_page(self, request: Request, status: int = 200, message: str = "", error: str = "") -> Response:
        from qualcode.coding.accounts import list_accounts
        from qualcode.core.records import ROLES

        rows = await self.call(list_accounts)
        return self.render(request, "accounts.html", status=status, accounts=rows, roles=ROLES, role_names={r: _(r) for r in ROLES},
                           page="accounts", message=message, error=error)

    async def accounts(self, request: Request) -> Response:
        return await self.accounts_page(request)

    async def accounts_change(self, request: Request) -> Response:
        from qualcode.coding.accounts import manage

        form = await request.form()
        fields = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
        try:
            message = await self.call(manage, request.path_params["action"], fields, self.coder(request))
        except QualcodeError as exc:
            if isinstance(exc, AccessError):
                raise
            return await self.accounts_page(request, refusal_status(exc),
                                            error=error_text(exc))
        return await self.accounts_page(request, message=message)

    async def team_session(self, cookie: str) -> WebSession:
        """The signed-in account behind a cookie, as the routes see it (AccessError 401 otherwise)."""
        from qualcode.coding.accounts import open_session

        assert self.team is not None
        account, stored = await self.call(open_session, cookie, self.team.idle_minutes)
        return WebSession(csrf=stored.csrf, coder=account.name, role=account.role, team=True,
                          blind=self.team.blind and account.role == "coder")

    async def codes_css(self, request: Request) -> Response:
        from qualcode.coding.workspace import codebook_of

        cb = await self.call(codebook_of)
        # a code's own colour (kept from a .qdc) where it has one, else hues a golden angle apart
        lines = [f".k{n}{{--c:{cb.get(cid).color or hue_css(n)}}}" for cid, n in code_colours(cb).items()]
        return Response("\n".join(lines) + "\n", media_type="text/css")


def _int(value: Any) -> int:
    from qualcode.core.errors import InputError

    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise InputError(_("expected an integer, got {value!r}").format(value=value), value=value) from None


def _local_path(request: Request) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    target = str(request.query_params.get("next") or "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or target.startswith(LOGIN_PATH):
        return "/"
    return target


def needs(level: str, endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """The route, refused with 403 for a role that may not do `level` ("code" or "admin")."""
    from qualcode.coding.accounts import allowed, refuse

    async def guarded(request: Request) -> Response:
        role = request.state.session.role
        if not allowed(role, level):
            raise refuse(role, level)
        return await endpoint(request)

    guarded.__name__ = getattr(endpoint, "__name__", "route")
    return guarded


def _meta_filter(text: str) -> dict[str, str]:
    """`stadsdel=Bromma, termin=HT2016` to a filter (the same pairs as the CLI's --meta)."""
    from qualcode.core.errors import InputError

    out: dict[str, str] = {}
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(_("invalid filter {pair!r} — write key=value, e.g. stadsdel=Bromma").format(pair=pair), value=pair)
        if key.strip() in out:  # the store filters by one value per field: the last would win, unsaid
            raise InputError(_("the filter names {key!r} twice — one value per field: filter by {first!r} or by {second!r}").format(
                key=key.strip(), first=out[key.strip()], second=value.strip()), value=key.strip())
        out[key.strip()] = value.strip()
    return out


def create_app(
    root: str | Path | ProjectLocation, token: str | None = None, retrain_every: int = 25, team: TeamSettings | None = None,
) -> Starlette:
    """The workspace for the project in `root`; `token` opens it (default: a new random one).

    `retrain_every`: retrain the suggestions in the background after this many changes (0 = never).
    `team`: accounts sign in instead of the token (`qualcode serve --team`); the project needs an admin.
    """
    from qualcode.project import find_project

    web = Web(root, retrain_every, team)
    token = token or secrets.token_urlsafe(24)
    with find_project(web.location) as project:  # fails early, before a browser opens, when there is no project
        coder = project.coder
        if team is not None:
            from qualcode.coding.accounts import require_admin_account

            require_admin_account(project)
    sessions: dict[str, WebSession] = {}

    def shown(request: Request, status: int, title: str, text: str) -> Response:
        """A refusal or an error as a page, or in the message line when htmx asked (the page stays)."""
        if not hasattr(request.state, "session"):
            return HTMLResponse(text, status_code=status)
        if Web.htmx(request):
            response = web.render(request, "flash.html", status=status, error=text)
            response.headers["HX-Retarget"] = "#flash"
            response.headers["HX-Reswap"] = "innerHTML"
            return response
        # a form sent (POST, or a GET form's query) and refused: a way back to it as she left it
        back = request.headers.get("referer") if status == 422 else None
        own = f"{request.url.scheme}://{request.url.netloc}/"
        back = back if back and back.startswith(own) else None  # only a page of this workspace
        return web.render(request, "message.html", status=status, title=title, text=text, back=back)

    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QualcodeError)
        status = refusal_status(exc)
        title = _("Not allowed") if isinstance(exc, AccessError) else _("Something went wrong")
        return shown(request, status, title, error_text(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        """Starlette's own refusals (no such address, a write's address opened as a page) in the language."""
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if exc.status_code == 404:
            title, text = _("Page not found"), _("There is no page at {path} — start again from the overview.").format(path=path)
        elif exc.status_code == 405:
            title = _("This page cannot be opened")
            text = _("{path} takes only what a button on a page sends — go back and use the button.").format(path=path)
        else:
            title, text = _("Something went wrong"), _("the request was refused (HTTP {status})").format(status=exc.status_code)
        return shown(request, exc.status_code, title, text)

    async def on_crash(request: Request, exc: Exception) -> Response:
        """A bug: one line in the language, never the traceback or the data in it (the terminal has it)."""
        return shown(request, 500, _("Something went wrong in qualcode"),
                     _("An error in qualcode stopped this request; the terminal where qualcode serve runs shows it. "
                       "Reload the page to try again."))

    routes = [
        Route("/", web.home),
        Route("/documents", web.documents),
        Route("/documents/{doc}", web.document),
        Route("/documents/{doc}/panel", web.panel),
        Route("/documents/{doc}/changes", web.document_changes),
        Route("/documents/{doc}/codings", needs("code", web.add_coding), methods=["POST"]),
        Route("/codings/{coding}/{action}", needs("code", web.coding_action), methods=["POST"]),
        Route("/undo", needs("code", web.undo), methods=["POST"]),
        Route("/suggestions/next", web.next_suggestion),
        Route("/grid", web.grid),
        Route("/grid/toggle", needs("code", web.grid_toggle), methods=["POST"]),
        Route("/codes/{code}", web.code_view),
        Route("/codebook", web.codebook),
        Route("/codebook/{action}", needs("admin", web.codebook_change), methods=["POST"]),
        Route("/search", web.search),
        Route("/search/code", needs("code", web.search_code), methods=["POST"]),
        Route("/counts", web.counts),
        Route("/counts/chart.png", web.counts_chart),
        Route("/mentions", web.mentions),
        Route("/mentions/settle", needs("code", web.mentions_settle), methods=["POST"]),
        Route("/report", web.report),
        Route("/report/download", web.report_download, methods=["POST"]),  # builds a file, changes nothing
        Route("/coders", web.coders),
        Route("/coders/switch", web.coders_switch, methods=["POST"]),
        Route("/codes.css", web.codes_css),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if team is not None:
        routes += [
            Route(LOGIN_PATH, web.login_form),
            Route(LOGIN_PATH, web.login, methods=["POST"]),
            Route("/logout", web.logout, methods=["POST"]),
            Route("/accounts", needs("admin", web.accounts)),
            Route("/accounts/{action}", needs("admin", web.accounts_change), methods=["POST"]),
        ]
        gate = Middleware(TeamGate, lookup=web.team_session)
    else:
        gate = Middleware(Gate, token=token, sessions=sessions, coder=coder)
    app = Starlette(routes=routes, middleware=[gate], exception_handlers={
        QualcodeError: on_error, HTTPException: on_http, Exception: on_crash})
    app.state.token = token
    app.state.sessions = sessions
    app.state.web = web
    return app
