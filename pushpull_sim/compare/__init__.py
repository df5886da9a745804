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

Three modules: :mod:`~pushpull_sim.compare.design` (the variants, their runs and the
statistics over replications), :mod:`~pushpull_sim.compare.verdict` (which strategy is
best on one outcome, by how much, and whether the replications can tell) and
:mod:`~pushpull_sim.compare.report` (printed tables, the Markdown report, figures).
Everything is importable from here.
"""

from pushpull_sim.compare.design import (
    ADDITIONAL,
    COMPARE_OUTCOMES,
    HEADLINE,
    OUTCOMES,
    PER_100K,
    SERIES,
    CompareResult,
    compare,
    cost_per_additional_ci,
    lever_attribution,
    lever_variants,
    mean_ci,
    run_strategy,
)
from pushpull_sim.compare.report import (
    COMPARE_FILES,
    LEGEND,
    SHORT,
    TABLES,
    format_attribution,
    format_differences,
    format_table,
    report_markdown,
    write_comparison,
)
from pushpull_sim.compare.verdict import (
    DEFAULT,
    Contrast,
    Verdict,
    format_verdict,
    replications_needed,
    verdict,
    verdict_markdown,
)

__all__ = [
    "ADDITIONAL",
    "COMPARE_FILES",
    "COMPARE_OUTCOMES",
    "DEFAULT",
    "HEADLINE",
    "LEGEND",
    "OUTCOMES",
    "PER_100K",
    "SERIES",
    "SHORT",
    "TABLES",
    "CompareResult",
    "Contrast",
    "Verdict",
    "compare",
    "cost_per_additional_ci",
    "format_attribution",
    "format_differences",
    "format_table",
    "format_verdict",
    "lever_attribution",
    "lever_variants",
    "mean_ci",
    "replications_needed",
    "report_markdown",
    "run_strategy",
    "verdict",
    "verdict_markdown",
    "write_comparison",
]
