"""Compare integration strategies for the same budget, on common random numbers.

Every strategy runs on the same scenario, seed and replications, so each replication
has the same households, network, targeting list, trial assignment and shocks under
every strategy (common random numbers: the model draws each process from its own named
stream). Differences between strategies are then differences their levers make, and
paired differences have much narrower confidence intervals than the outcomes themselves.

Outcomes (:data:`COMPARE_OUTCOMES`, declared once in :mod:`pushpull_sim.outcomes`, where
sweeps and the run summary read them too) concern the households the programme was
offered to: the treatment arm of the virtual trial (the intent-to-treat population), the
same households under every strategy. ``end`` is the project's last month
(``programme.end_month``); the suffixes ``_2y`` and ``_5y`` mean 24 and 60 months later.

Two modules: :mod:`~pushpull_sim.compare.design` (the variants, their runs and the
statistics over replications) and :mod:`~pushpull_sim.compare.report` (printed tables,
the Markdown report, figures). Everything is importable from here.
"""

from pushpull_sim.compare.design import (
    ADDITIONAL,
    COMPARE_OUTCOMES,
    HEADLINE,
    OUTCOMES,
    SERIES,
    CompareResult,
    compare,
    lever_attribution,
    lever_variants,
    mean_ci,
    run_strategy,
)
from pushpull_sim.compare.report import (
    COMPARE_FILES,
    LEGEND,
    SHORT,
    format_attribution,
    format_differences,
    format_table,
    report_markdown,
    write_comparison,
)

__all__ = [
    "ADDITIONAL",
    "COMPARE_FILES",
    "COMPARE_OUTCOMES",
    "HEADLINE",
    "LEGEND",
    "OUTCOMES",
    "SERIES",
    "SHORT",
    "CompareResult",
    "compare",
    "format_attribution",
    "format_differences",
    "format_table",
    "lever_attribution",
    "lever_variants",
    "mean_ci",
    "report_markdown",
    "run_strategy",
    "write_comparison",
]
