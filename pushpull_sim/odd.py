"""The generated parts of ``docs/ODD.md``: tables read from the code's own declarations.

``docs/ODD.md`` describes the model by the ODD protocol (Overview, Design concepts,
Details; Grimm et al. 2006, 2010, 2020). Its prose is written by hand; its tables are
generated here, between marker comments, from what the code declares:

* ``schedule``: the monthly step (:data:`pushpull_sim.model.MONTHLY_STEPS`) with the
  event kinds recorded at each step (:func:`pushpull_sim.events.event_kinds`);
* ``households``: every household state variable (the core's
  :data:`pushpull_sim.households.HOUSEHOLD_VARIABLES` and each component's ``states``),
  with its dtype read from the live arrays;
* ``components``: the entities besides households (every registered intervention, pull
  actor and targeting rule);
* ``parameters``: every scenario parameter outside the components (each parameter
  group's fields, defaults and sources);
* ``events``: every event kind the household event log records.

Regenerate with ``python -m pushpull_sim.odd --write``; ``tests/test_odd.py`` fails when
a generated part differs from what the code declares.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

#: Where the document lives (from a source checkout).
ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def schedule() -> str:
    """The monthly step with the events recorded at each step."""
    from pushpull_sim.events import event_kinds
    from pushpull_sim.model import MONTHLY_STEPS

    by_stage: dict[int, list[str]] = {}
    for name, kind in event_kinds().items():
        by_stage.setdefault(kind.stage, []).append(f"`{name}`")
    rows: list[list[object]] = [
        [
            0,
            "month 0 (once)",
            "targeting, trial assignment, selection",
            ", ".join(by_stage.get(0, [])),
        ]
    ]
    for k, (name, what) in enumerate(MONTHLY_STEPS, start=1):
        rows.append([k, name, what, ", ".join(by_stage.get(k, [])) or "-"])
    return "\n".join(_table(["step", "name", "what happens", "events recorded"], rows))


def households() -> str:
    """Every household state variable: name, group, dtype, unit, meaning."""
    import numpy as np

    from pushpull_sim.components import household_states
    from pushpull_sim.households import HOUSEHOLD_VARIABLES, Households

    hh = Households(1)
    states = household_states()
    hh.attach(states)
    rows = []
    for name, (group, unit, meaning) in HOUSEHOLD_VARIABLES.items():
        rows.append([f"`{name}`", group, np.dtype(getattr(hh, name).dtype).name, unit, meaning])
    for name, state in states.items():
        dtype = np.dtype(getattr(hh, name).dtype).name
        rows.append([f"`{name}`", "component", dtype, state.unit, state.description])
    return "\n".join(_table(["variable", "group", "dtype", "unit", "meaning"], rows))


def components() -> str:
    """Every registered component: family, kind, what it is, the household state it owns."""
    from pushpull_sim.components import FAMILIES, registry

    rows = []
    for family in FAMILIES:
        for kind, cls in registry(family).items():
            owns = ", ".join(f"`{n}`" for n in cls.states) or "-"
            rows.append([family.replace("_", " "), f"`{kind}`", cls.describe(), owns])
    header = ["family", "kind", "what it is", "household state it owns"]
    return "\n".join(_table(header, rows))


def _default(value: object) -> str:
    from pushpull_sim.catalog import toml_value

    literal = toml_value(value)
    return "(unset)" if literal is None else f"`{literal}`"


def parameters() -> str:
    """Every scenario parameter group's fields (components' parameters are in
    ``docs/reference.md``)."""
    from pushpull_sim.scenario import Scenario

    out: list[str] = []
    for group, field in Scenario.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        rows = []
        for name, f in model.model_fields.items():
            default = f.default if f.default_factory is None else f.default_factory()
            if isinstance(default, list) and default and isinstance(default[0], BaseModel):
                default = f"{len(default)} entries"
                shown = default
            elif isinstance(default, BaseModel | dict):
                shown = "(a table)" if default else "(empty)"
            else:
                shown = _default(default)
            rows.append([f"`{group}.{name}`", shown, f.description or ""])
        doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out += [f"#### `[{group}]`", "", doc, ""]
        out += _table(["parameter", "default", "meaning and source"], rows) + [""]
    return "\n".join(out).rstrip()


def events() -> str:
    """Every event kind: name, step, group, value's unit, meaning, declared by."""
    from pushpull_sim.components import components as all_components
    from pushpull_sim.events import CORE_EVENT_KINDS, event_kinds

    owner = {name: "core" for name in CORE_EVENT_KINDS}
    for cls in all_components():
        for name in cls.event_kinds:
            owner.setdefault(name, f"`{cls.kind}`")
    rows = []
    for name, k in event_kinds().items():
        details = "; ".join(f"{i}: {d}" for i, d in enumerate(k.details)) or "-"
        rows.append(
            [f"`{name}`", k.stage, k.group, k.unit or "-", k.description, details, owner[name]]
        )
    header = ["kind", "step", "group", "value (unit)", "meaning", "detail codes", "declared by"]
    return "\n".join(_table(header, rows))


#: The generated blocks, by marker name.
BLOCKS: dict[str, Callable[[], str]] = {
    "schedule": schedule,
    "households": households,
    "components": components,
    "parameters": parameters,
    "events": events,
}


def render(text: str) -> str:
    """``text`` with every generated block replaced by what the code declares now.

    Raises:
        ValueError: If a block's name is unknown or a block is missing.
    """
    seen = set()

    def fill(match: re.Match) -> str:
        name = match["name"]
        if name not in BLOCKS:
            raise ValueError(f"docs/ODD.md: unknown generated block {name!r}")
        seen.add(name)
        return f"{match.group(1)}{BLOCKS[name]()}\n{match.group(4)}"

    out = _BLOCK.sub(fill, text)
    missing = set(BLOCKS) - seen
    if missing:
        raise ValueError(f"docs/ODD.md: generated blocks missing: {', '.join(sorted(missing))}")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m pushpull_sim.odd [--write]``: check (or rewrite) docs/ODD.md's tables."""
    parser = argparse.ArgumentParser(description="Check or regenerate docs/ODD.md's tables.")
    parser.add_argument("--write", action="store_true", help="rewrite the generated tables")
    parser.add_argument("--path", type=Path, default=ODD_PATH, help="the ODD document")
    args = parser.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    new = render(text)
    if args.write:
        if new != text:
            args.path.write_text(new, encoding="utf-8")
        print(f"{args.path}: tables regenerated")
        return 0
    if new != text:
        print(f"{args.path}: tables differ from the code; run python -m pushpull_sim.odd --write")
        return 1
    print(f"{args.path}: tables match the code")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
