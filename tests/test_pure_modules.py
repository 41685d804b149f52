"""The pure modules (anonymity rules and their wording, aggregation, analysis, disclosure, the
calendar, text cleaning, ...) import neither Flask nor SQLAlchemy, not even through another
module of the package, so the rules can be read and tested on their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "feedback360"
FRAMEWORKS = ("flask", "flask_login", "flask_migrate", "flask_sqlalchemy", "flask_wtf")
FRAMEWORKS += ("flask_limiter", "sqlalchemy", "alembic", "werkzeug", "wtforms")
# The modules the project's rules name; any other module whose docstring says "Pure" joins them.
NAMED_PURE = ("anonymity", "aggregation", "analysis", "disclosure", "clock", "text")
# Issue 18: the forecast, focus, word back and pulse logic under the pages and mails.
NAMED_PURE += ("forecast", "focus", "focus_history", "pulse", "pulse_compare", "welch", "word_back")


def says_pure(path: Path) -> bool:
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return "pure" in docstring.lower().split(":")[0] or "Pure module" in docstring


def pure_modules() -> list[str]:
    declared = {p.stem for p in PACKAGE.glob("*.py") if says_pure(p)}
    return sorted(declared | set(NAMED_PURE))


def imports_of(module: str) -> tuple[set[str], set[str]]:
    """(third-party top-level names, feedback360 modules) that `module` imports."""
    outside, inside = set(), set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name.split(".")
                (inside.add(name[1]) if name[0] == "feedback360" else outside.add(name[0]))
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level == 1 or parts[0] == "feedback360":
                inner = parts[1:] if parts[0] == "feedback360" else parts
                if inner and inner[0]:
                    inside.add(inner[0])
                else:  # `from . import x`
                    inside.update(alias.name for alias in node.names)
            elif node.level == 0:
                outside.add(parts[0])
            else:
                pytest.fail(f"{module}: a pure module imports from outside its package level")
    return outside, inside


def framework_imports(module: str) -> dict[str, set[str]]:
    """Every module reached from `module` (itself included) that imports a framework."""
    found, seen, todo = {}, set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        outside, inside = imports_of(current)
        bad = {name for name in outside if name in FRAMEWORKS}
        if bad:
            found[current] = bad
        todo.extend(name for name in inside if (PACKAGE / f"{name}.py").exists())
        missing = [n for n in inside if not (PACKAGE / f"{n}.py").exists()]
        if missing:  # a subpackage (blueprints, reports): never pure
            found[current] = found.get(current, set()) | {f"feedback360.{n}" for n in missing}
    return found


def test_the_named_pure_modules_are_found():
    modules = pure_modules()
    assert set(NAMED_PURE) <= set(modules)
    assert "models" not in modules and "web" not in modules


@pytest.mark.parametrize("module", pure_modules())
def test_a_pure_module_imports_no_framework(module):
    assert framework_imports(module) == {}


def test_the_check_sees_a_framework_import_through_another_module():
    assert "flask" in framework_imports("keys")["keys"]
    assert "sqlalchemy" in framework_imports("models")["models"]
