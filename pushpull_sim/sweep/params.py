"""Dotted parameter names: address any scenario parameter, including inside components.

A parameter is named by its dotted key in the scenario, e.g. ``programme.budget_usd_ppp``
or ``behaviour.investment_hurdle_monthly``. Components of list-valued groups
(``programme.interventions``, ``pull.actors``) are addressed by position or by ``type``:

* ``programme.interventions[0].amount_usd_ppp`` (or ``programme.interventions.0.amount_usd_ppp``)
* ``programme.interventions.asset_transfer.value_usd_ppp`` (the one component of that type)
* ``pull.actors.lender.interest_rate_yearly``

The same names with ``__`` in place of ``.`` (``population__households``) are accepted
where Python keywords are needed (Mesa's ``batch_run``, EMA Workbench).
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pushpull_sim.scenario import Scenario, ScenarioError, scenario_from_dict
from pushpull_sim.validation import OneLineError

_INDEX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$")


class ParameterError(OneLineError):
    """A parameter name or value is not allowed. The message is one line."""


def from_keyword(name: str) -> str:
    """Turn a keyword name (``population__households``) into a dotted one."""
    return name.replace("__", ".")


def _segments(name: str) -> list[str | int]:
    """Split a dotted name into keys (str) and list positions (int)."""
    if not name or name.startswith(".") or name.endswith(".") or ".." in name:
        raise ParameterError(
            f"parameter {name!r}: must be a dotted scenario key, e.g. 'population.households'"
        )
    out: list[str | int] = []
    for part in name.split("."):
        m = _INDEX.match(part)
        if m:
            out.extend([m.group(1), int(m.group(2))])
        elif part.isdigit():
            out.append(int(part))
        else:
            out.append(part)
    return out


def _show_allowed(keys: Any) -> str:
    keys = [str(k) for k in keys]
    return ", ".join(keys[:40]) + (", ..." if len(keys) > 40 else "")


def resolve(data: dict[str, Any], name: str) -> tuple[Any, str | int, Any]:
    """Find where a dotted parameter lives in a scenario's plain data.

    Args:
        data: A complete scenario as plain data (``Scenario.to_dict()``, so every key of
            every group and component is present, except unset optional values).
        name: Dotted parameter name.

    Returns:
        tuple: ``(container, key, current)``: the dict holding the parameter, its key
        there, and its current value (None if unset).

    Raises:
        ParameterError: Unknown group, key, component type or position; one line naming
            the parameter and what is allowed.
    """
    parts = _segments(name)
    node: Any = data
    path = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if isinstance(part, int):
                if not 0 <= part < len(node):
                    raise ParameterError(
                        f"parameter {name!r}: {path}[{part}] does not exist; the base "
                        f"scenario has {len(node)} component(s) there"
                    )
                node, path = node[part], f"{path}[{part}]"
            else:
                kinds = [c.get("type") for c in node]
                matches = [c for c in node if c.get("type") == part]
                if len(matches) != 1:
                    what = "no component" if not matches else f"{len(matches)} components"
                    raise ParameterError(
                        f"parameter {name!r}: {path} has {what} of type {part!r}; "
                        f"types present: {_show_allowed(kinds) or '(none)'}"
                        + (
                            f"; address it by position, e.g. {path}[{kinds.index(part)}]"
                            if matches
                            else ""
                        )
                    )
                node, path = matches[0], f"{path}.{part}"
            if last:
                raise ParameterError(f"parameter {name!r}: names a component, not a parameter")
            continue
        if not isinstance(node, dict) or isinstance(part, int):
            raise ParameterError(f"parameter {name!r}: {path or '(top)'} has no position {part}")
        if last:
            if part not in node and not _optional_key(path, part):
                raise ParameterError(
                    f"parameter {name!r}: unknown key {part!r} in {path or 'the scenario'}; "
                    f"allowed: {_show_allowed(k for k in node if k != 'type')}"
                )
            return node, part, node.get(part)
        if part not in node:
            allowed = node.keys() if path else Scenario.model_fields.keys()
            raise ParameterError(
                f"parameter {name!r}: unknown key {part!r} in {path or 'the scenario'}; "
                f"allowed: {_show_allowed(allowed)}"
            )
        node, path = node[part], f"{path}.{part}" if path else part
    raise ParameterError(f"parameter {name!r}: names a group, not a parameter")


def _optional_key(path: str, key: str) -> bool:
    """Whether ``key`` is a declared field of the group at ``path`` left unset (None)."""
    if "." in path or "[" in path:
        return False
    field = Scenario.model_fields.get(path)
    ann = getattr(field, "annotation", None)
    return hasattr(ann, "model_fields") and key in ann.model_fields


def is_integer(data: dict[str, Any], name: str) -> bool:
    """Whether the parameter holds an integer in the base scenario (sampled values are
    then rounded)."""
    container, key, current = resolve(data, name)
    if current is None and "." in name:  # an unset optional group field: its annotation
        field = Scenario.model_fields[name.split(".")[0]].annotation.model_fields.get(key)
        args = typing.get_args(field.annotation) if field else ()
        return int in args and float not in args
    return isinstance(current, int) and not isinstance(current, bool)


def apply(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of plain scenario data with dotted parameters set.

    Only the dicts and lists on each parameter's path are copied; the rest is shared
    with ``data``, which is never modified.

    Args:
        data: Plain scenario data (from ``Scenario.to_dict()``).
        params: ``{dotted name: value}``.

    Returns:
        dict: The updated copy (not yet validated).

    Raises:
        ParameterError: If a name does not resolve.
    """
    data = dict(data)
    for name, value in params.items():
        resolve(data, name)  # validates the name against the original layout
        if hasattr(value, "item"):  # numpy scalar -> Python scalar (strict validation)
            value = value.item()
        node: Any = data
        parts = _segments(name)
        for part in parts[:-1]:
            if isinstance(node, list) and isinstance(part, str):
                part = next(i for i, c in enumerate(node) if c.get("type") == part)
            child = node[part]
            child = dict(child) if isinstance(child, dict) else list(child)
            node[part] = child
            node = child
        node[parts[-1]] = value
    return data


def build(base: Scenario | dict[str, Any], params: dict[str, Any], source: str) -> Scenario:
    """Apply dotted parameters to a base scenario and validate the result.

    Args:
        base: The base scenario (or its plain data).
        params: ``{dotted name: value}``.
        source: Label for error messages.

    Returns:
        Scenario: The validated scenario.

    Raises:
        ParameterError: Unknown name.
        ScenarioError: A value the scenario does not allow (one line).
    """
    data = base.to_dict() if isinstance(base, Scenario) else base
    return scenario_from_dict(apply(data, params), source=source)


__all__ = ["ParameterError", "ScenarioError", "apply", "build", "from_keyword", "resolve"]
