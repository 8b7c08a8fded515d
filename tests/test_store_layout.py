"""The store keeps its shape: grouped by what is stored, never by who asks.

``Store`` is one class made of mixins, one per domain (articles, enrichment,
stories, feeds, accounts, reader state, alerts, search).  These tests fail when
a module is named after a caller again, when a method is defined twice (one
mixin silently overriding another), when a method that opens its own unit of
work does not wrap database errors, or when the store imports the web
package or the search module at import time.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import storyline.store
from storyline.store import Store
from storyline.store.base import StoreBase

STORE_DIR = Path(storyline.store.__file__).parent

# what each module of storyline/store holds; a new module is added here with its domain
DOMAINS = {
    "base": "what every part shares: transactions, locks, errors",
    "database": "the store itself: opening, migrations, small persistent state",
    "migrations": "the schema, as ordered migrations",
    "location": "checking where a database is before opening it",
    "articles": "articles, their copies, and whether they await enrichment",
    "enrichment": "what enrichment found: entities, quotes, times, events",
    "stories": "storing stories and storylines, reading one whole",
    "story_listings": "headline facts of many stories at once",
    "feeds": "subscribed feeds and their polls",
    "accounts": "users, sessions, API tokens, invites",
    "sign_ins": "failed sign-ins, for throttling",
    "reader": "reader state: follows, reads, marks, saved searches, subscription names",
    "alerts": "webhooks, alert cursors, deliveries",
    "search": "articles matching a query",
}

# modules of storyline that use the store: none of these names is a store module
CALLERS = {"web", "greader", "api", "routes", "views", "pages", "site", "app", "cli", "poller", "refresh",
           "pipeline", "engines"}

# public methods that open no transaction of their own, and why that is right
UNWRAPPED = {
    "transaction": "it is the wrapper",
    "exclusive": "wraps its own errors (a lock, not a transaction)",
    "migrate": "Store() wraps what it raises: 'unable to open database'",
    "close": "no SQL",
}


def _store_modules() -> set[str]:
    return {path.stem for path in STORE_DIR.glob("*.py") if path.stem != "__init__"}


def test_every_store_module_has_a_domain_and_none_is_named_after_a_caller() -> None:
    modules = _store_modules()
    assert modules == set(DOMAINS), "a module of storyline/store without a domain in DOMAINS, or one gone"
    for name in modules:
        assert not {part for part in name.split("_")} & CALLERS, f"store module {name!r} is named after a caller"


def test_every_public_store_method_is_defined_in_exactly_one_domain_module() -> None:
    owners: dict[str, list[str]] = {}
    for cls in Store.__mro__:
        if cls is object:
            continue
        module = cls.__module__.rpartition(".")[2]
        assert cls.__module__.startswith("storyline.store.") and module in DOMAINS, cls
        for name, value in vars(cls).items():
            if not name.startswith("_") and callable(getattr(value, "__func__", value)):
                owners.setdefault(name, []).append(module)
    public = [name for name in dir(Store) if not name.startswith("_") and callable(getattr(Store, name))]
    assert len(public) > 100
    for name in public:
        assert len(owners.get(name, [])) == 1, f"Store.{name} is defined in {owners.get(name)}"
    mixins = {cls.__module__.rpartition(".")[2] for cls in Store.__mro__ if cls not in (object, StoreBase)}
    assert mixins == {"database", "articles", "enrichment", "stories", "story_listings", "feeds", "accounts",
                      "sign_ins", "reader", "alerts", "search"}


def test_methods_that_open_their_own_unit_of_work_wrap_errors_with_what_was_being_done() -> None:
    """A public method either works in the caller's transaction (a ``conn`` parameter) or opens
    its own through ``self.transaction(doing)``, which re-raises database errors as StoreError."""
    for name in dir(Store):
        if name.startswith("_") or name in UNWRAPPED:
            continue
        function = getattr(inspect.getattr_static(Store, name), "__func__", inspect.getattr_static(Store, name))
        if not inspect.isfunction(function):
            continue
        if "conn" in inspect.signature(function).parameters:
            continue
        assert "self.transaction(" in inspect.getsource(function), f"Store.{name} opens no self.transaction(...)"


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the module is imported: not inside a function, nor under ``if TYPE_CHECKING:``."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _imports_anywhere(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for child in ast.walk(tree):
        if isinstance(child, ast.Import):
            found += [alias.name for alias in child.names]
        elif isinstance(child, ast.ImportFrom) and child.module:
            found.append(child.module)
    return found


def _without_type_checking(tree: ast.Module) -> ast.Module:
    """``tree`` without its ``if TYPE_CHECKING:`` blocks."""

    class Drop(ast.NodeTransformer):
        def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
            return node.orelse if "TYPE_CHECKING" in ast.unparse(node.test) else self.generic_visit(node)

    return Drop().visit(ast.parse(ast.unparse(tree)))  # type: ignore[no-any-return]


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_store_never_imports_the_web_package_nor_the_search_module_at_import_time() -> None:
    for path in sorted(STORE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module in _imports_anywhere(tree):
            assert not _under(module, "storyline.web"), f"{path.name} imports {module}"
            assert not _under(module, "storyline.cli"), f"{path.name} imports {module}"
        # the search module reads the store, never the other way (only its types, for the checker)
        for module in _imports_anywhere(_without_type_checking(tree)):
            assert not _under(module, "storyline.search"), f"{path.name} imports {module}"
    # and so, in a fresh interpreter, opening the store loads neither
    probe = ("import sys, storyline.store;"
             "print(sorted(m for m in sys.modules if m in ('storyline.search', 'storyline.web')"
             " or m.startswith('storyline.web.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_import_check_sees_an_import_at_module_level_and_not_one_for_type_checking() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from storyline.search import Hit\n"
                     "import storyline.search\ndef f():\n    from storyline.search import DIALECTS\n"
                     "class C:\n    import storyline.web\n    def m(self):\n        import storyline.cli\n")
    assert _module_level_imports(tree) == ["typing", "storyline.search", "storyline.web"]
    assert "storyline.search" in _imports_anywhere(_without_type_checking(tree))  # the import inside f()
    assert _imports_anywhere(_without_type_checking(ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from storyline.search import Hit\n"))) == ["typing"]
