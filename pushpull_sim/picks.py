"""The kinds of household ``pushpull story --pick`` chooses from (:mod:`pushpull_sim.story`).

Kept apart from the story module, which reads event logs with pandas, so that the
command line lists the kinds in its help without loading pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Kinds of household ``--pick`` chooses from, with what each means.
PICKS: Mapping[str, str] = MappingProxyType(
    {
        "graduated": "served by the programme, and meets every graduation criterion at the horizon",
        "fell_back": "served, graduated at some month, but no longer meets the criteria at "
        "the horizon",
        "never_graduated": "served, and never met every graduation criterion",
        "never_served": "eligible (among the poorest), but never served: the control arm, "
        "or offered and not served",
        "distress": "served, and sold productive assets in distress at least once",
    }
)

__all__ = ["PICKS"]
