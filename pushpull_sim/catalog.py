"""Listings generated from the declarations: components, strategy levers, outcomes and
output columns.

``pushpull interventions`` prints the components as text; ``pushpull interventions
--markdown`` prints the whole reference as Markdown, which is ``docs/reference.md``
(a test checks the file is current, so it is regenerated, never edited by hand)::

    pushpull interventions --markdown > docs/reference.md
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from pushpull_sim.components import FAMILIES, Component, registry
from pushpull_sim.levers import BUNDLES, LEVERS, MECHANISMS
from pushpull_sim.outcomes import OUTCOMES
from pushpull_sim.recording import SUMMARY_COLUMNS, reporters

#: How each family appears: heading, where a scenario file lists it.
FAMILY_TITLES: dict[str, tuple[str, str]] = {
    "intervention": ("Push interventions", "[[programme.interventions]] type"),
    "pull_actor": ("Pull actors", "[[pull.actors]] type"),
    "targeting": ("Targeting rules", "programme.targeting (options: programme.targeting_options)"),
}


def _fields(params: type[BaseModel]) -> list[tuple[str, Any, str]]:
    return [
        (name, field.default, field.description or "")
        for name, field in params.model_fields.items()
        if name != "type"
    ]


def format_components() -> str:
    """Every registered component with its parameters, defaults and sources (plain text)."""
    lines: list[str] = []
    for family in FAMILIES:
        title, where = FAMILY_TITLES[family]
        lines += [f"{title} ({where})", ""]
        for kind, cls in registry(family).items():
            lines.append(f"{kind}: {cls.describe()}")
            for name, default, description in _fields(cls.Params):
                lines.append(f"  {toml_line(name, default)}  # {description}")
            for name, state in cls.states.items():
                lines.append(f"  household state {name} ({state.unit}): {state.description}")
            for name, reporter in cls.reporters.items():
                lines.append(
                    f"  timeseries column {name} ({reporter.unit}): {reporter.description}"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def toml_value(value: Any) -> str | None:
    """A default as a TOML literal (``true``, ``"pmt"``, ``[1, 2]``), as a scenario file
    writes it; None for a value TOML cannot write (unset, ``None``)."""
    if value is None:
        return None
    import tomli_w

    return tomli_w.dumps({"x": value}).split("=", 1)[1].strip()


def toml_line(name: str, value: Any) -> str:
    """``name = <TOML literal>``, or a comment line for an unset default, so that a line
    pasted into a scenario file parses."""
    literal = toml_value(value)
    return f"# {name} = (unset by default)" if literal is None else f"{name} = {literal}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _component_section(cls: type[Component]) -> list[str]:
    lines = [f"### `{cls.kind}`", "", cls.describe(), ""]
    fields = _fields(cls.Params)
    if fields:
        rows = [[f"`{n}`", _default(d), desc] for n, d, desc in fields]
        lines += _table(["parameter", "default", "meaning and source"], rows) + [""]
    if cls.states:
        rows = [[f"`{n}`", s.unit, s.description] for n, s in cls.states.items()]
        lines += ["Household state it owns:", ""]
        lines += _table(["array", "unit", "meaning"], rows) + [""]
    if cls.reporters:
        rows = [[f"`{n}`", r.unit, r.description] for n, r in cls.reporters.items()]
        lines += ["Timeseries columns it adds:", ""]
        lines += _table(["column", "unit", "meaning"], rows) + [""]
    return lines


def _default(value: Any) -> str:
    literal = toml_value(value)
    return "(unset)" if literal is None else f"`{literal}`"


def _lever_value(value: Any) -> str:
    if value is None:
        return "(as written)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def reference_markdown() -> str:
    """The reference (``docs/reference.md``), generated from the declarations."""
    lines = [
        "# Reference",
        "",
        "<!-- Generated from the declarations by `pushpull interventions --markdown`; do "
        "not edit by hand. -->",
        "",
        "Every component a scenario can use, every strategy lever, every declared outcome "
        "and every column of the monthly aggregates, generated from their declarations in "
        "the code (see [architecture.md](architecture.md)). Money is USD at 2021 "
        "purchasing-power parity (USD PPP); time is in months.",
        "",
    ]
    for family in FAMILIES:
        title, where = FAMILY_TITLES[family]
        lines += [f"## {title}", "", f"Scenario key: `{where}`.", ""]
        for cls in registry(family).values():
            lines += _component_section(cls)
    lines += [
        "## Strategy levers",
        "",
        "Keys of the scenario's `[strategy]` table (`pushpull_sim/levers.py`). A lever takes "
        "a value in every bundle (`name = ...`; set a key to override it); a setting is "
        "kept whatever the bundle.",
        "",
    ]
    header = ["key", "mechanism", *BUNDLES, "meaning"]
    rows = []
    for lever in LEVERS:
        group = MECHANISMS[lever.group] if lever.group else "the streams and the budget split"
        if lever.bundled:
            values = [_lever_value(lever.values[b]) for b in BUNDLES]
        else:
            values = [f"{lever.default!r} (setting)", *[""] * (len(BUNDLES) - 1)]
        rows.append([f"`{lever.name}`", group, *values, lever.description])
    lines += _table(header, rows) + [""]
    lines += [
        "## Outcomes",
        "",
        "Declared in `pushpull_sim/outcomes.py`; `compare`, sweeps and the run summary read "
        "them. Shares are of the treatment arm unless the name says otherwise; `end` is the "
        "project's last month, `_2y`/`_5y` 24 and 60 months later.",
        "",
    ]
    rows = [
        [f"`{o.name}`", o.unit, o.better or "", o.definition, o.source] for o in OUTCOMES.values()
    ]
    lines += _table(["outcome", "unit", "better", "definition", "source"], rows) + [""]
    means, ratios = reporters()
    owner = {name: cls.kind for cls in _all() for name in cls.reporters}
    lines += [
        "## Timeseries columns",
        "",
        "`timeseries.parquet`: one row per replication x month x arm (`all`, `ineligible`, "
        "`control`, `treatment`), after `replication`, `month`, `arm` and `households`.",
        "",
    ]
    rows = []
    for name, reporter in {**means, **ratios}.items():
        kind = "ratio" if reporter.denominator is not None else "mean"
        rows.append(
            [f"`{name}`", reporter.unit, kind, owner.get(name, "core"), reporter.description]
        )
    rows += [[f"`{name}`", unit, "", "core", meaning] for name, unit, meaning in SUMMARY_COLUMNS]
    lines += _table(["column", "unit", "kind", "declared by", "meaning"], rows)
    return "\n".join(lines) + "\n"


def _all() -> list[type[Component]]:
    return [cls for family in FAMILIES for cls in registry(family).values()]
