"""`qualcode serve`: the browser workspace on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import ProjectOpt, err_console, open_project
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.web.app import TeamSettings
    from qualcode.project import ProjectLocation

LOCAL = "127.0.0.1"


def free_port(host: str = LOCAL) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(
    project: ProjectOpt = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: a free port).")] = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; anything but 127.0.0.1 lets other machines reach the project.")
    ] = LOCAL,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    team: Annotated[
        bool, typer.Option("--team", help="Team mode: everyone signs in with an account (see `qualcode user add`).")
    ] = False,
    blind: Annotated[
        bool, typer.Option("--blind", help="Team mode: each coder sees only her own codings (or `team: {blind: true}` in qualcode.yaml).")
    ] = False,
) -> None:
    """Open the project in the browser: read documents with their codes, code what you select."""
    import secrets
    import webbrowser

    import uvicorn

    from qualcode.web.app import TeamSettings, create_app

    with open_project(project) as p:
        where = p.location or p.root
        blind = blind or bool((p.config.get("team") or {}).get("blind"))
    if team:
        serve_team(where, host, port, no_browser, TeamSettings(blind=blind))
        return
    if blind:
        err_console.print(_("[bold yellow]warning:[/] blind mode is for team mode; alone, choose it on the Coders page"))
    if host != LOCAL:
        err_console.print(
            _("[bold yellow]warning:[/] qualcode listens on {host}: other computers on the network can reach the project with the address and token below. Without --team there are no user accounts — use only on a trusted network.").format(host=host)
        )
    port = port or free_port(host if host != "0.0.0.0" else LOCAL)
    token = secrets.token_urlsafe(24)
    app = create_app(where, token)
    url = f"http://{LOCAL if host == '0.0.0.0' else host}:{port}/?token={token}"
    typer.echo(url)
    if not no_browser:
        webbrowser.open(url)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_team(root: Path | ProjectLocation, host: str, port: int | None, no_browser: bool, settings: TeamSettings) -> None:
    """`serve --team`: the sign-in page instead of a token; the project must have an admin account."""
    import webbrowser

    import uvicorn

    from qualcode.web.app import create_app

    app = create_app(root, team=settings)  # says in one line when there is no admin account
    if host != LOCAL:
        err_console.print(
            _("[bold yellow]note:[/] qualcode listens on {host} without https: passwords and codings cross the network unencrypted — use only a trusted network").format(host=host)
        )
    port = port or free_port(host if host != "0.0.0.0" else LOCAL)
    url = f"http://{LOCAL if host == '0.0.0.0' else host}:{port}/login"
    typer.echo(url)
    if settings.blind:
        err_console.print(_("blind mode: each coder sees only her own codings"))
    if not no_browser:
        webbrowser.open(url)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
