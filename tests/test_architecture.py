"""Layers (docs/architecture.md): imports go one way. The model and its components never
import the experiment or presentation layers; the lever declarations import nothing of
the package but its units; the scenario never imports the strategies that apply it."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

PACKAGE = ROOT / "pushpull_sim"

#: The model layer: core state and mechanisms, the component contract and components,
#: and the declarations they read.
MODEL_LAYER = (
    "components",
    "households",
    "interventions",
    "levers",
    "livelihood",
    "memory",
    "model",
    "network",
    "pull",
    "rct",
    "recording",
    "rng",
    "scenario",
    "strategies",
    "targeting",
    "units",
    "validation",
)
#: Layers above the model: experiments (runs, comparisons, sweeps) and presentation.
UPPER = (
    "bench",
    "calibrate",
    "catalog",
    "cli",
    "compare",
    "executors",
    "outcomes",
    "output",
    "plots",
    "results",
    "runner",
    "summary",
    "sweep",
)


def imports(path) -> set[str]:
    """``pushpull_sim`` modules a file imports at run time (``TYPE_CHECKING`` blocks aside),
    lazy imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skip |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.startswith("pushpull_sim")}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def files_of(name: str):
    folder = PACKAGE / name
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{name}.py"]


@pytest.mark.parametrize("name", MODEL_LAYER)
def test_the_model_layer_never_imports_experiments_or_presentation(name):
    for path in files_of(name):
        upward = {m for m in imports(path) if top(m) in UPPER}
        assert upward == set(), f"{path.relative_to(ROOT)} imports {sorted(upward)}"


def test_the_lever_declarations_import_only_units():
    assert imports(PACKAGE / "levers.py") == {"pushpull_sim.units"}


def test_the_scenario_never_imports_the_strategies_or_the_model():
    for path in files_of("scenario"):
        found = {top(m) for m in imports(path)}
        assert not found & {"strategies", "model"}, path.name


def test_components_reach_the_model_only_through_the_contract():
    """Interventions, pull actors and targeting rules import the core, never the model
    module or one another's families (they talk through named methods)."""
    families = {"interventions", "pull", "targeting"}
    for family in families:
        for path in files_of(family):
            found = {top(m) for m in imports(path)}
            assert "model" not in found, path.name
            assert not (found & families) - {family}, path.name
