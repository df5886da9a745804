"""docs/ODD.md: complete, and its generated tables are what the code declares now."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pushpull_sim import odd
from pushpull_sim.components import household_states
from pushpull_sim.events import event_kinds
from pushpull_sim.households import HOUSEHOLD_VARIABLES, Households
from pushpull_sim.model import MONTHLY_STEPS, GraduationModel

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"


def test_the_generated_tables_match_the_code():
    text = ODD.read_text(encoding="utf-8")
    assert text == odd.render(text), "docs/ODD.md is stale: python -m pushpull_sim.odd --write"
    assert odd.main(["--path", str(ODD)]) == 0


def test_a_stale_table_is_caught(tmp_path, capsys):
    text = ODD.read_text(encoding="utf-8")
    stale = tmp_path / "ODD.md"
    stale.write_text(
        text.replace("| `consumption_ppd` | status |", "| `consumption_ppd` | stock |")
    )
    assert odd.main(["--path", str(stale)]) == 1
    assert "tables differ from the code" in capsys.readouterr().out
    assert odd.main(["--path", str(stale), "--write"]) == 0
    assert stale.read_text() == text
    with pytest.raises(ValueError, match="generated blocks missing: events"):
        odd.render(
            re.sub(
                r"<!-- BEGIN GENERATED: events -->.*?END GENERATED: events -->",
                "",
                text,
                flags=re.S,
            )
        )


def test_the_odd_has_every_element_of_the_protocol():
    text = ODD.read_text(encoding="utf-8")
    for heading in (
        "## 1. Purpose and patterns",
        "## 2. Entities, state variables and scales",
        "## 3. Process overview and scheduling",
        "## 4. Design concepts",
        "## 5. Initialization",
        "## 6. Input data",
        "## 7. Submodels",
    ):
        assert heading in text
    for concept in (
        "Basic principles",
        "Emergence",
        "Adaptation",
        "Objectives",
        "Learning",
        "Prediction",
        "Sensing",
        "Interaction",
        "Stochasticity",
        "Collectives",
        "Heterogeneity",
        "Observation",
    ):
        assert f"**{concept}" in text, concept
    assert "Grimm, V., Railsback, S. F., Vincenot, C. E." in text  # the 2020 update
    assert "ODD+D" in text and "Müller, B." in text
    # every household variable, step and event kind appears in the document
    for name in [*HOUSEHOLD_VARIABLES, *household_states(), *event_kinds()]:
        assert f"`{name}`" in text, name
    for name, _ in MONTHLY_STEPS:
        assert f"| {name} |" in text


def test_every_household_array_is_declared_once():
    hh = Households(3)
    hh.attach(household_states())
    arrays = {
        k
        for k, v in vars(hh).items()
        if isinstance(v, np.ndarray) and not k.startswith("_") and not k.endswith("_start")
    }
    assert arrays == set(HOUSEHOLD_VARIABLES) | set(household_states())
    assert not set(HOUSEHOLD_VARIABLES) & set(household_states())


def test_the_monthly_steps_are_the_model_docstrings_steps_in_order():
    doc = GraduationModel.__doc__
    named = re.findall(r"^\s+(\d)\. \*\*([a-z, ]+)\*\*", doc, flags=re.M)
    assert [(int(k), name) for k, name in named] == [
        (k, name) for k, (name, _) in enumerate(MONTHLY_STEPS, start=1)
    ]
    assert {k.stage for k in event_kinds().values()} <= set(range(len(MONTHLY_STEPS) + 1))
