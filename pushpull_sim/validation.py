"""Turning a pydantic validation error into the one-line text users see.

Shared by the scenario loader and the components that validate their own options, so
every message reads ``<key> = <value>: <what is allowed>``.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``), so an
    error message stays on one line whatever the input it quotes (a key may hold a
    newline)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class OneLineError(ValueError):
    """A ValueError whose message is always one line (see :func:`one_line`)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(one_line(str(message)))


def show(value: Any) -> str:
    """A value as an error message shows it: tables as ``{...}``, long text cut at 60."""
    if isinstance(value, dict):
        return "{...}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def allowed(err: dict[str, Any], model: type[BaseModel] | None) -> str:
    """What is allowed, from one pydantic error (``ValidationError.errors()[0]``).

    Args:
        err: The error.
        model: The pydantic model owning the key (to list the allowed keys of an unknown
            one), or None.

    Returns:
        str: e.g. ``"must be <= 1"`` or ``"unknown key; allowed: a, b"``.
    """
    kind = err["type"]
    if kind == "extra_forbidden" and model is not None:
        return "unknown key; allowed: " + ", ".join(model.model_fields)
    ctx = err.get("ctx") or {}
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"must be {_BOUNDS[kind]} {bound}"
    msg = err["msg"].removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else msg


def _number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x)


def describe_field(field: FieldInfo) -> str:
    """What a numeric field accepts, in words, from its declaration.

    Args:
        field: A pydantic field with an ``int`` or ``float`` annotation (optionally
            ``| None``) and bounds (``ge``, ``gt``, ``le``, ``lt``).

    Returns:
        str: e.g. ``"a whole number from 1 to 20"``, ``"a number above 0 and at most 1"``.
    """
    args = typing.get_args(field.annotation) or (field.annotation,)
    whole = int in args and float not in args
    bounds: dict[str, Any] = {}
    for meta in field.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    what = "a whole number" if whole else "a number"
    low = (
        f"from {_number(bounds['ge'])}"
        if "ge" in bounds
        else f"above {_number(bounds['gt'])}"
        if "gt" in bounds
        else None
    )
    if "le" in bounds:
        high = ("to " if low and low.startswith("from") else "at most ") + _number(bounds["le"])
    elif "lt" in bounds:
        high = ("to below " if low and low.startswith("from") else "below ") + _number(bounds["lt"])
    else:
        high = None
    if low and high:
        joint = " " if low.startswith("from") else " and "
        return f"{what} {low}{joint}{high}"
    if low:
        return f"{what} {low.replace('from', 'of at least')}"
    if high:
        return f"{what} {high.replace('to ', 'at most ', 1)}"
    return what
