"""``storyline users``: add, list, remove, passwd and invite, on the server's command line."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient
from support import page_csrf, stored_text
from typer.testing import CliRunner

from storyline.cli import app
from storyline.store import Store
from storyline.web import create_app

PASSWORD = "a long passphrase"


def users(db: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["users", *args, "--db", db], input=stdin)
    return result.exit_code, result.output


def sign_in(db: str, name: str, password: str) -> int:
    client = TestClient(create_app(db, multi_user=True, allowed_hosts=["testserver"]))
    response = client.post("/login", data={"csrf": page_csrf(client, "/login"), "name": name, "password": password},
                           follow_redirects=False)
    return response.status_code


def test_add_list_passwd_remove(db_location: str, tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\nignored second line\n", encoding="utf-8")
    code, output = users(db_location, "add", "alice", "--admin", "--password-file", str(secret))
    assert code == 0, output
    assert users(db_location, "add", "bob", stdin="bobs long password\n")[0] == 0  # piped standard input
    assert PASSWORD not in stored_text(db_location)
    code, output = users(db_location, "list", "--json")
    listed = {u["name"]: u for u in json.loads(output)}
    assert listed["alice"]["is_admin"] is True and listed["bob"]["is_admin"] is False
    assert "password_hash" not in listed["alice"]
    assert sign_in(db_location, "alice", PASSWORD) == 303
    assert sign_in(db_location, "bob", "bobs long password") == 303

    code, output = users(db_location, "passwd", "bob", stdin="an entirely new one\n")
    assert code == 0, output
    store = Store(db_location)
    bob = store.get_user_by_name("bob")
    assert bob is not None and store.list_users()[1]["sessions"] == 0  # the change ended bob's session
    store.close()
    assert sign_in(db_location, "bob", "bobs long password") == 400
    assert sign_in(db_location, "bob", "an entirely new one") == 303

    assert users(db_location, "remove", "bob")[0] == 0
    assert [u["name"] for u in json.loads(users(db_location, "list", "--json")[1])] == ["alice"]
    assert sign_in(db_location, "bob", "an entirely new one") == 400


def test_bad_input_is_refused_with_a_message(db_location: str) -> None:
    code, output = users(db_location, "add", "carol", stdin="short\n")
    assert code == 1 and "at least 10 characters" in output
    code, output = users(db_location, "add", "no spaces please", stdin="a long passphrase\n")
    assert code == 1 and "user name" in output
    assert users(db_location, "add", "carol", stdin="a long passphrase\n")[0] == 0
    code, output = users(db_location, "add", "carol", stdin="another long one\n")
    assert code == 1 and "taken" in output
    assert users(db_location, "remove", "nobody")[0] == 1
    assert users(db_location, "passwd", "nobody", stdin="a long passphrase\n")[0] == 1


def test_invite_prints_a_code_the_server_takes_once(db_location: str) -> None:
    users(db_location, "add", "alice", "--admin", stdin=PASSWORD + "\n")
    code, output = users(db_location, "invite", "--days", "1")
    assert code == 0
    invite = output.strip().splitlines()[0]
    web = create_app(db_location, multi_user=True, allowed_hosts=["testserver"], signup="invite")
    dora, eve = TestClient(web), TestClient(web)
    form = {"name": "dora", "password": "doras long password", "invite": invite}
    assert dora.post("/signup", data={**form, "csrf": page_csrf(dora, "/login")},
                     follow_redirects=False).status_code == 303
    again = eve.post("/signup", data={**form, "name": "eve", "csrf": page_csrf(eve, "/login")})
    assert again.status_code == 400 and "used or expired" in again.text
