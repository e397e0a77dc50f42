"""`hailong users ...`: accounts of the office and the API, and their personal API tokens."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from hailong.accounts import service, tokens
from hailong.accounts.passwords import PasswordsDiffer
from hailong.audit.service import Who, in_vietnam
from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context
from hailong.i18n import N_, Catalogs
from hailong.models import ApiToken, Role

ACCOUNT_ADDED = N_("Account {username} added: {role}, unit {unit}.")
WHOLE_COUNTRY = N_("the whole country")
ACCOUNT_DISABLED = N_("Account {username} disabled: its sessions ended and its tokens stopped.")
ACCOUNT_ENABLED = N_("Account {username} enabled: it can sign in again with its password.")
PASSWORD_CHANGED = N_("Password of {username} changed; it was signed out everywhere.")
TOKEN_CREATED = N_(
    "API token {prefix} for {username}. It is shown only now: copy it to where it will be "
    "used, and keep it secret."
)
TOKEN_REVOKED = N_("API token {prefix} revoked.")
NEW_PASSWORD = N_("New password")
REPEAT_PASSWORD = N_("The same password again")
USERNAME = N_("Username")
ROLE = N_("Role")
UNIT_CODE = N_("Unit code")
UNIT_NAME = N_("Unit")
ACTIVE = N_("Active")
CREATED = N_("Created")
PREFIX = N_("Prefix")
NAME = N_("Name")
EXPIRES = N_("Expires")
LAST_USED = N_("Last used")
REVOKED = N_("Revoked")

PASSWORD_FILE = typer.Option(
    None,
    "--password-file",
    exists=True,
    dir_okay=False,
    readable=True,
    help="Read the password from the first line of this file instead of asking for it.",
)


def catalogs() -> Catalogs:
    return Catalogs("messages")


def read_password(password_file: Path | None) -> str:
    """The first line of the file, or typed twice at a hidden prompt."""
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    both = catalogs().both
    first = typer.prompt(both(NEW_PASSWORD), hide_input=True)
    if typer.prompt(both(REPEAT_PASSWORD), hide_input=True) != first:
        raise PasswordsDiffer()
    return str(first)


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(no_args_is_help=True, help="Accounts of the office and the API.")
    app.add_typer(users_app, name="users")
    users_app.command("add")(add_command)
    users_app.command("list")(list_command)
    users_app.command("disable")(disable_command)
    users_app.command("enable")(enable_command)
    users_app.command("password")(password_command)
    users_app.command("token")(token_command)
    users_app.command("tokens")(tokens_command)
    users_app.command("revoke-token")(revoke_token_command)


def add_command(
    ctx: typer.Context,
    username: str = typer.Option(..., "--username", help="3-64 of a-z 0-9 . _ -"),
    role: Role = typer.Option(..., "--role", help="admin, official, ward_staff or enumerator."),
    unit: str | None = typer.Option(None, "--unit", help="The unit's code (not for admin)."),
    password_file: Path | None = PASSWORD_FILE,
) -> None:
    """Add an account with one role and one unit; asks for its password."""
    password = read_password(password_file)
    with cli_context(ctx).transaction() as session:
        account = service.add_account(
            session,
            username=username,
            role=role,
            unit_code=unit,
            password=password,
            by=Who.console(),
        )
    both = catalogs().both
    shown_unit = unit if unit else both(WHOLE_COUNTRY)
    typer.echo(both(ACCOUNT_ADDED, username=account.username, role=role.value, unit=shown_unit))


def list_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List every account: role, unit, whether it is active."""
    with cli_context(ctx).transaction() as session:
        rows = [row.as_dict() for row in service.list_accounts(session)]
    both = catalogs().both
    columns = [
        ("username", both(USERNAME)),
        ("role", both(ROLE)),
        ("unit_code", both(UNIT_CODE)),
        ("unit_name", both(UNIT_NAME)),
        ("active", both(ACTIVE)),
        ("created_at", both(CREATED)),
    ]
    print_rows(rows, columns, output)


def disable_command(ctx: typer.Context, username: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions and tokens stop."""
    with cli_context(ctx).transaction() as session:
        account = service.disable_account(session, username=username, by=Who.console())
    typer.echo(catalogs().both(ACCOUNT_DISABLED, username=account.username))


def enable_command(ctx: typer.Context, username: str) -> None:
    """Enable a disabled account: it can sign in again (its old sessions stay ended)."""
    with cli_context(ctx).transaction() as session:
        account = service.get_account(session, username)
        service.enable(session, account, by=Who.console())
    typer.echo(catalogs().both(ACCOUNT_ENABLED, username=account.username))


def password_command(
    ctx: typer.Context, username: str, password_file: Path | None = PASSWORD_FILE
) -> None:
    """Set a new password for an account; asks for it."""
    password = read_password(password_file)
    with cli_context(ctx).transaction() as session:
        account = service.change_password(
            session, username=username, password=password, by=Who.console()
        )
    typer.echo(catalogs().both(PASSWORD_CHANGED, username=account.username))


def token_command(
    ctx: typer.Context,
    username: str,
    name: str = typer.Option("", "--name", help="What the token is for, e.g. the software."),
    expires: int | None = typer.Option(None, "--expires", help="Days until it stops working."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Make a personal API token for an account and print it, once."""
    with cli_context(ctx).transaction() as session:
        account = service.get_account(session, username)
        created, token = tokens.create_token(
            session, account=account, name=name, expires_days=expires, by=Who.console()
        )
    if output is OutputFormat.json:
        print_json({**_token_row(created), "username": account.username, "token": token})
        return
    both = catalogs().both
    typer.echo(both(TOKEN_CREATED, prefix=created.prefix, username=account.username), err=True)
    typer.echo(token)


def _token_row(api_token: ApiToken) -> dict[str, object]:
    return {
        "prefix": api_token.prefix,
        "name": api_token.name,
        "created_at": _minute(api_token.created_at),
        "expires_at": _minute(api_token.expires_at),
        "last_used_at": _minute(api_token.last_used_at),
        "revoked_at": _minute(api_token.revoked_at),
    }


def _minute(moment: datetime | None) -> str | None:
    return in_vietnam(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else None


def tokens_command(ctx: typer.Context, username: str, output: OutputFormat = FORMAT_OPTION) -> None:
    """List an account's API tokens by prefix (never the tokens themselves)."""
    with cli_context(ctx).transaction() as session:
        account = service.get_account(session, username)
        rows = [_token_row(api_token) for api_token in tokens.tokens_of(session, account)]
    both = catalogs().both
    columns = [
        ("prefix", both(PREFIX)),
        ("name", both(NAME)),
        ("created_at", both(CREATED)),
        ("expires_at", both(EXPIRES)),
        ("last_used_at", both(LAST_USED)),
        ("revoked_at", both(REVOKED)),
    ]
    print_rows(rows, columns, output)


def revoke_token_command(ctx: typer.Context, prefix: str) -> None:
    """Revoke an API token by its prefix (hl_xxxxxxxx): it stops working at once."""
    with cli_context(ctx).transaction() as session:
        revoked = tokens.revoke_token(session, prefix=prefix, by=Who.console())
    typer.echo(catalogs().both(TOKEN_REVOKED, prefix=revoked.prefix))
