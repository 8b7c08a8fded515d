"""The bare install works: every module the extractors import at start is a declared dependency."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _dependencies() -> set[str]:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    names = set()
    for spec in data["project"]["dependencies"]:
        match = re.match(r"[A-Za-z0-9_.-]+", spec)
        assert match is not None
        names.add(match.group(0).lower().replace("-", "_"))
    return names


def test_lxml_html_clean_is_a_direct_dependency() -> None:
    # lxml >= 5.2 moved lxml.html.clean to its own project; justext imports it at start
    assert "lxml_html_clean" in _dependencies()


def test_the_html_cleaner_the_extractors_need_imports() -> None:
    module = importlib.import_module("lxml.html.clean")
    assert hasattr(module, "Cleaner")
    importlib.import_module("justext")
    importlib.import_module("storyline.clean.html")
