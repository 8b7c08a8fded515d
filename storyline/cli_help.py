"""How the ``storyline`` command's help names values: ``--limit INTEGER``, ``INPUT...``, no ``<bool>``.

Typer labels every parameter with its Python type (``<bool>``, ``<list[str]>``, ``{inputs}...``);
readers of ``--help`` expect what ``gh`` and datasette show instead: nothing after a flag, an
upper-case word after an option that takes a value, and the argument's name in the usage line.
:func:`plain_help` changes the labels for this process (the CLI calls it once on import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

_NAMES = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH"}


def value_label(param: Any) -> str | None:
    """The word shown after an option in help: None for flags, ``[a|b]`` for choices."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if param.metavar is not None:
        return str(param.metavar)
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in descriptor.choices or ()) + "]"
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        annotation = (get_args(annotation) or (str,))[0]
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "PATH"
    return _NAMES.get(annotation, "TEXT") if isinstance(annotation, type) else "TEXT"


def _argument_name(param: Any) -> str:
    name = str(param.metavar or param.name).upper()
    if param.nargs != 1:
        name += "..."
    return name if param.required else f"[{name}]"


def plain_help() -> None:
    """Label options and arguments in help as ``gh`` and datasette do (idempotent)."""
    from typer import core

    def option_label(self: Any, ctx: Any) -> str | None:
        return value_label(self)

    def argument_label(self: Any, ctx: Any) -> str | None:
        return None  # the name column says it already

    core.TyperOption.display_type_rich = option_label  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = argument_label  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = _argument_name  # type: ignore[method-assign,assignment]
    core.TyperArgument.display_name_raw = property(  # type: ignore[method-assign,assignment]
        lambda self: str(self.metavar or self.name).upper())
