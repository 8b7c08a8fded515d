"""The README's settings table and the code's settings must agree."""

from __future__ import annotations

import re
from typing import Any

from support import REPO

from storyline.settings import SETTINGS


def _readme_settings() -> dict[str, tuple[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- settings:start -->")[1].split("<!-- settings:end -->")[0]
    rows = {}
    for line in block.splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|\s*`([^`]*)`\s*\|\s*(.+?)\s*\|$", line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def test_every_setting_is_documented_with_its_default_and_help() -> None:
    documented = _readme_settings()
    assert set(documented) == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        default, help_text = documented[setting.name]
        assert default == setting.default, setting.name
        assert help_text == setting.help, setting.name


def test_every_command_and_option_has_help() -> None:
    import typer.main

    from storyline.cli import app

    root = typer.main.get_command(app)
    checked = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            assert command.help and command.help.strip(), f"{prefix}{name} has no help"
            for param in command.params:
                if param.param_type_name == "option":
                    assert param.help, f"{prefix}{name} {param.opts} has no help"
            checked.append(f"{prefix}{name}")
            if hasattr(command, "commands"):
                walk(command, f"{prefix}{name} ")

    walk(root, "")
    assert {"ingest", "articles", "show", "export articles", "feeds add", "refresh", "stories"} <= set(checked)
