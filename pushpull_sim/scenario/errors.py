"""Scenario errors: one line naming the file, the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from pushpull_sim.validation import OneLineError, allowed, show


class ScenarioError(OneLineError):
    """A scenario could not be loaded. The message is one line naming the file, the key,
    the value and what is allowed."""


def check_scenario_file(path: str | Path) -> None:
    """Check that a scenario file exists and is a file, before anything reads it.

    Args:
        path: Path to a ``.toml`` file.

    Raises:
        ScenarioError: The path is a directory, does not exist, or cannot be looked up
            (a name too long for the file system, a loop of links); the message is one
            line.
    """
    path = Path(path)
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as exc:  # a name too long for the file system, a loop of links
        raise ScenarioError(f"{show(str(path))}: cannot be read: {exc.strerror or exc}") from None
    if is_dir:
        raise ScenarioError(f"{path}: is a directory, not a scenario file")
    if not is_file:
        raise ScenarioError(f"{path}: no such scenario file")


def component_error(where: str, value: str, what: str) -> PydanticCustomError:
    """An error about a component table or a key that names one, rendered by
    :func:`format_error` as ``<where> = <value>: <what>`` (or ``<where>`` alone when
    ``what`` is empty)."""
    return PydanticCustomError(
        "component", "{where}", {"where": where, "value": value, "allowed": what}
    )


def validate_tables(
    v: Any, types: dict[str, type[BaseModel]], where: str, noun: str
) -> list[BaseModel]:
    """Validate a list of tables, each by the model its ``type`` names.

    Args:
        v: The list as read (tables, or models already validated).
        types: ``{type: pydantic model}``.
        where: The list's key, e.g. ``"programme.interventions"``.
        noun: What one table is, for messages, e.g. ``"intervention"``.

    Returns:
        list: The validated models.

    Raises:
        PydanticCustomError: ``component`` errors naming the full key path
            (``where[i].key``), the value and what is allowed.
    """
    fail = component_error
    if not isinstance(v, list):
        raise fail(where, show(v), f"must be a list of {noun} tables")
    kinds = ", ".join(types)
    out = []
    for i, item in enumerate(v):
        at = f"{where}[{i}]"
        if isinstance(item, BaseModel):
            out.append(item)
            continue
        if not isinstance(item, dict):
            raise fail(at, show(item), "must be a table with a 'type' key")
        if "type" not in item:
            raise fail(f"{at}.type", "(missing)", f"every {noun} needs a type; allowed: {kinds}")
        kind = item["type"]
        if not isinstance(kind, str) or kind not in types:
            raise fail(f"{at}.type", show(kind), f"unknown {noun} type; allowed: {kinds}")
        model = types[kind]
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            if not key:  # a check across parameters: its message names key and value
                msg = err["msg"].removeprefix("Value error, ")
                raise fail(f"{at}.{msg}", "", "") from None
            value = "(missing)" if err["type"] == "missing" else show(err.get("input"))
            raise fail(f"{at}.{key}", value, allowed(err, model)) from None
    return out


def _show_key(part: Any) -> str:
    text = str(part)
    return text if text.isprintable() else repr(text)


def _submodel(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return None
    return model


def format_error(source: str, exc: ValidationError, root: type[BaseModel]) -> str:
    """Render the first error of a validation failure as one line.

    Args:
        source: The scenario file's path (or a label).
        exc: The validation error.
        root: The model validated (the scenario), to list the keys a group allows.

    Returns:
        str: ``"<source>: <key> = <value>: <what is allowed>"``.
    """
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if err["type"] == "component":
        ctx = err["ctx"]
        if not ctx["allowed"]:
            return f"{source}: {ctx['where']}"
        return f"{source}: {ctx['where']} = {ctx['value']}: {ctx['allowed']}"
    programme_level = {"window", "targeting_options", "fixed_cost", "unique"}
    if err["type"] == "across_groups" or err["type"] in programme_level:
        prefix = "programme." if err["type"] in programme_level else ""
        return f"{source}: {prefix}{err['msg']}"
    key = ".".join(_show_key(p) for p in loc) or "(top level)"
    value = show(err.get("input"))
    return f"{source}: {key} = {value}: {allowed(err, _submodel(root, loc))}"
