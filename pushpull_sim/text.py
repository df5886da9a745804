"""Plain-text tables for the command line."""

from __future__ import annotations


def text_table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces, a rule under the header row.

    Args:
        rows: Header row first; every row has the same number of cells.

    Returns:
        list[str]: The lines, without trailing spaces.
    """
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
