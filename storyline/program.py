"""The ``storyline`` program, its console entry point: kept light, so that an ingest with
worker processes can start their fork server before the program loads anything of its own
(:mod:`storyline.fork_server`); then the command line itself (:mod:`storyline.cli`).
"""

from __future__ import annotations

import sys


def main() -> None:
    """``storyline ARGS``: the fork server first when the command is an ingest (or an enrich of
    stored articles) with workers."""
    args = sys.argv[1:]
    if _local_workers(args) > 1:
        from storyline.fork_server import start_ahead

        start_ahead(enrich=_command(args) == "enrich" or "--no-enrich" not in args)
    from storyline.cli import main as command_line

    command_line()


def _local_workers(args: list[str]) -> int:
    """How many worker processes the command will ask for: 0 unless it is a local ``ingest`` or
    an ``enrich``.  A value the command line will refuse counts as none (it says why)."""
    from storyline import settings

    if _command(args) not in ("ingest", "enrich") or _value(args, "--engine") not in (None, "local"):
        return 0
    given = _value(args, "--workers")
    try:
        return settings.worker_count(int(given) if given is not None else None)
    except ValueError:
        return 0


def _command(args: list[str]) -> str | None:
    """The first word that is neither an option nor the value of ``--db`` (the one option before
    a command that takes a value)."""
    index = 0
    while index < len(args):
        if args[index] == "--db":
            index += 2
        elif args[index].startswith("-"):
            index += 1
        else:
            return args[index]
    return None


def _value(args: list[str], option: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None
