"""Reading and writing scenarios: TOML files and plain data, with one-line errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from pushpull_sim.scenario.core import Scenario
from pushpull_sim.scenario.errors import ScenarioError, check_scenario_file, format_error


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data into a :class:`Scenario`.

    Args:
        data: Nested mapping as read from TOML.
        source: Label used in error messages (normally the file path).

    Returns:
        Scenario: The validated scenario.

    Raises:
        ScenarioError: One line naming the source, the key, the value and what is allowed.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_error(source, exc, Scenario)) from None


def read_toml(path: Path, error: type[Exception] = ScenarioError) -> dict[str, Any]:
    """Read a TOML file (UTF-8, with or without a byte-order mark).

    Raises:
        Exception: ``error`` with one line naming the file: malformed TOML, unreadable.
    """
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file.

    Args:
        path: Path to a ``.toml`` file.

    Returns:
        Scenario: The validated scenario. If the file gives no ``name``, the file's stem is
        used.

    Raises:
        ScenarioError: Missing or unreadable file, malformed TOML, unknown key, wrong type
            or out-of-range value; the message is one line.
    """
    path = Path(path)
    check_scenario_file(path)
    data = read_toml(path)
    data.setdefault("name", path.stem)
    return scenario_from_dict(data, source=str(path))


def dump_scenario(scenario: Scenario, path: str | Path | None = None) -> str:
    """Write a scenario as TOML.

    Args:
        scenario: The scenario to write.
        path: Optional file to write to.

    Returns:
        str: The TOML text (every parameter, explicit).
    """
    text = tomli_w.dumps(scenario.to_dict())
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
