"""The calibrated scenario: the base scenario's own file, its comments kept, with each
fitted value set and commented where it came from (tomlkit keeps the file's layout)."""

from __future__ import annotations

import re
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

_INDEX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$")


def _segments(name: str) -> list[str | int]:
    """``a.b[1].c`` / ``a.b.1.c`` -> ``["a", "b", 1, "c"]`` (as the sweep names them)."""
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


def _child(node: Any, part: str | int, name: str) -> Any:
    if isinstance(node, (AoT, list)):
        if isinstance(part, int):
            return node[part]
        matches = [i for i, c in enumerate(node) if c.get("type") == part]
        if len(matches) != 1:
            raise ValueError(f"{name}: the file has {len(matches)} components of type {part!r}")
        return node[matches[0]]
    if part not in node:
        node[part] = tomlkit.table()
    return node[part]


def set_values(text: str, values: dict[str, Any], comments: dict[str, str]) -> str:
    """Set dotted parameters in a scenario file's text, each with a trailing comment.

    Args:
        text: The scenario file's TOML text.
        values: ``{dotted name: value}`` (names as :mod:`pushpull_sim.sweep.params`
            takes them; components by type or position).
        comments: ``{dotted name: comment text}`` (without ``#``).

    Returns:
        str: The new text: every other line, comment and table as it was; a group or
        key the file did not list is added.

    Raises:
        ValueError: A name the file's layout cannot hold (e.g. a component type given
            twice in the file).
    """
    doc = tomlkit.parse(text)
    for name, value in values.items():
        parts = _segments(name)
        node: Any = doc
        for part in parts[:-1]:
            node = _child(node, part, name)
        if not isinstance(node, (Table, dict)) and not hasattr(node, "__setitem__"):
            raise ValueError(f"{name}: does not name a key of a table")
        key = parts[-1]
        old = node.get(key) if hasattr(node, "get") else None
        item = tomlkit.item(value.item() if hasattr(value, "item") else value)
        if name in comments:
            text_ = comments[name]
            if old is not None:
                text_ += f" (base value {old.unwrap() if hasattr(old, 'unwrap') else old})"
                was = getattr(getattr(old, "trivia", None), "comment", "").lstrip("# ").strip()
                if was:  # the base's own note (its source) stays, after the new one
                    text_ += f" | {was}"
            item.comment(text_)
            ws = getattr(getattr(old, "trivia", None), "comment_ws", "")
            item.trivia.comment_ws = ws or "  "
        node[key] = item
    return tomlkit.dumps(doc)


def header(lines: list[str]) -> str:
    """Comment lines to put at the top of a file."""
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)
