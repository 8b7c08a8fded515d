"""``storyline users``: accounts for multi-user mode, made and kept on the server's command line.

Thin wrappers over :mod:`storyline.accounts`.  Passwords come from a prompt,
``--password-file`` or standard input (first line), never from an argument
(it would show in the process list and the shell history).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from storyline import settings
from storyline.accounts import add_user, change_password, check_password, new_invite
from storyline.store import Store, StoreError

users_app = typer.Typer(no_args_is_help=True,
                        help="Accounts for multi-user mode: add, list, remove, passwd, invite.")
console = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite path or postgresql:// URL (default: $STORYLINE_DB or a per-user file)."),
]
PasswordFile = Annotated[
    Path | None,
    typer.Option("--password-file", help="Read the password from the first line of this file ('-': standard input)."),
]


def _store(db: str | None) -> Store:
    try:
        return Store(db or settings.get("STORYLINE_DB"))
    except StoreError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


def _password(password_file: Path | None) -> str:
    """From the file, from piped standard input, or asked twice at the terminal."""
    if password_file is not None:
        try:
            text = sys.stdin.read() if str(password_file) == "-" else password_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot read {password_file}: {exc.strerror or exc}") from exc
        return text.splitlines()[0] if text.splitlines() else ""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The account's name (2-64 letters, digits, '-', '_' or '.').")],
    admin: Annotated[bool, typer.Option("--admin", help="Make it an administrator (sources, ingest, invites).")] = False,
    password_file: PasswordFile = None,
    db: DbOption = None,
) -> None:
    """Create an account; the first administrator of a multi-user server is made this way."""
    store = _store(db)
    try:
        password = check_password(_password(password_file))
        add_user(store, name, password, admin=admin)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
    console.print(f"added {'administrator' if admin else 'user'} {name}")


@users_app.command("list")
def list_users(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every account: name, role, when it was made, open sessions and API tokens."""
    store = _store(db)
    rows = store.list_users()
    store.close()
    if as_json:
        out.print(json.dumps([{**r, "is_admin": bool(r["is_admin"]), "has_password": bool(r["has_password"])}
                              for r in rows], ensure_ascii=False))
        return
    table = Table("name", "role", "created", "sessions", "tokens")
    for row in rows:
        role = "admin" if row["is_admin"] else "reader"
        role += "" if row["has_password"] else " (no password: local mode)"
        table.add_row(str(row["name"]), role, str(row["created_at"]), str(row["sessions"]), str(row["tokens"]))
    out.print(table)


@users_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The account to remove.")],
    db: DbOption = None,
) -> None:
    """Remove an account with its sessions, API tokens, follows, reading marks and saved searches."""
    store = _store(db)
    try:
        user = store.get_user_by_name(name)
        if user is None:
            raise _fail(f"there is no user {name!r}")
        store.delete_user(str(user["id"]))
    finally:
        store.close()
    console.print(f"removed {name}")


@users_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="The account whose password changes.")],
    password_file: PasswordFile = None,
    db: DbOption = None,
) -> None:
    """Set a new password; the account's sessions end (its API tokens stay)."""
    store = _store(db)
    try:
        change_password(store, name, _password(password_file))
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
    console.print(f"changed the password of {name}; its sessions have ended")


@users_app.command("invite")
def invite(
    days: Annotated[float, typer.Option(help="Days the code stays valid.")] = 7,
    db: DbOption = None,
) -> None:
    """Print a single-use sign-up code (for STORYLINE_SIGNUP=invite)."""
    store = _store(db)
    code = new_invite(store, days=days)
    store.close()
    out.print(code)
    if settings.get("STORYLINE_SIGNUP").strip().lower() != "invite":
        console.print("note: STORYLINE_SIGNUP is not 'invite' here; the server takes codes only when it is")
