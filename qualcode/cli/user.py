"""`qualcode user`: the accounts of a team project (`qualcode serve --team`)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from qualcode.cli.common import Format, FormatOpt, ProjectOpt, emit, err_console, open_project
from qualcode.core.i18n import _

user_app = typer.Typer(help="Accounts for `qualcode serve --team`: who may sign in, and with which role.",
                       no_args_is_help=True)


class Role(str, Enum):
    admin = "admin"
    coder = "coder"
    reader = "reader"


NameArg = Annotated[str, typer.Argument(help="Account name; it is the coder name on her codings and in the audit log.")]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input (for scripts).")
]


def _password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Password again"), err=True))


@user_app.command("add")
def add(
    name: NameArg,
    role: Annotated[Role, typer.Option("--role", help="admin (also codebook and accounts), coder, or reader (reads only).")]
    = Role.coder,
    password_stdin: PasswordStdinOpt = False,
    project: ProjectOpt = None,
) -> None:
    """Add an account; the password is asked twice (hidden)."""
    from qualcode.coding.accounts import add_account

    with open_project(project) as p:
        account = add_account(p, name, role.value, _password(password_stdin))
    err_console.print(_("account {name} ({role}) created").format(name=account.name, role=_(account.role)), markup=False)


@user_app.command("list")
def list_(project: ProjectOpt = None, fmt: FormatOpt = Format.table) -> None:
    """List the accounts with their roles."""
    from qualcode.coding.accounts import list_accounts

    with open_project(project) as p:
        rows = [{"name": a.name, "role": a.role, "created_at": a.created_at} for a in list_accounts(p)]
    emit(rows, ["name", "role", "created_at"], fmt)


@user_app.command("remove")
def remove(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Remove an account and end its sessions; its codings stay under its name."""
    from qualcode.coding.accounts import remove_account

    with open_project(project) as p:
        if not yes and not typer.confirm(_("Remove the account {name}?").format(name=name), default=False, err=True):
            raise typer.Exit(1)
        remove_account(p, name)
    err_console.print(_("account {name} removed").format(name=name), markup=False)


@user_app.command("passwd")
def passwd(name: NameArg, password_stdin: PasswordStdinOpt = False, project: ProjectOpt = None) -> None:
    """Set a new password (asked twice, hidden); the account's open sessions end."""
    from qualcode.coding.accounts import set_password

    with open_project(project) as p:
        set_password(p, name, _password(password_stdin))
    err_console.print(_("new password for {name}").format(name=name), markup=False)


@user_app.command("role")
def role(
    name: NameArg,
    new_role: Annotated[Role, typer.Argument(metavar="ROLE", help="admin, coder or reader.")],
    project: ProjectOpt = None,
) -> None:
    """Change an account's role; its open sessions end so the new role applies at once."""
    from qualcode.coding.accounts import set_role

    with open_project(project) as p:
        account = set_role(p, name, new_role.value)
    err_console.print(_("{name} is now {role}").format(name=account.name, role=_(account.role)), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
