"""Imports point one way (docs/architecture.md): the app → forms → models, and the services →
models. A rule that reached back up (a service importing a blueprint or a form, a model importing
the app) would tie the layers into a knot that no test of one layer alone could untie."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(package):
    """(file, imported module) for every absolute import in the package's Python files."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                yield from ((path.relative_to(ROOT), alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                yield path.relative_to(ROOT), node.module


def _within(module, *packages):
    return any(module == package or module.startswith(f"{package}.") for package in packages)


@pytest.mark.parametrize(
    ("package", "refused", "allowed"),
    [
        ("models", ("marac", "forms"), ()),
        ("forms", ("marac",), ()),
        ("marac/services", ("marac", "forms"), ("marac.services",)),
    ],
)
def test_imports_point_one_way(package, refused, allowed):
    found = list(_imports(package))
    wrong = [
        (str(path), module) for path, module in found if _within(module, *refused) and not _within(module, *allowed)
    ]
    assert found and wrong == []
