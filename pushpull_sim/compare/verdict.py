"""The verdict of a comparison: which strategy is best on one outcome, by how much, and
whether the replications can tell.

Strategies run on common random numbers, so each replication is a matched pair: the
difference between two strategies is measured replication by replication, and its 95 %
interval is the Student-t interval of the mean of those differences (``d`` the mean,
``s`` their standard deviation, ``r`` replications):

    d ± t(0.975, r - 1) · s / √r

Two strategies *can be told apart* when that interval excludes 0; then the better one
*beats* the other. When it includes 0 the verdict says so, and estimates the
replications that would tell a difference of the observed size: the smallest ``r'``
with ``t(0.975, r' - 1) · s / √r' < |d|`` (about ``(1.96 · s / d)²``), from the paired
spread ``s``. It is a planning figure: the true difference may be smaller than the one
observed, or zero.

The default outcome (:data:`DEFAULT`) is cost-effectiveness: additional sustained
graduates (graduated at the project's end and still 2 years later, beyond the trial's
counterfactual, the control arm's rate) per USD PPP 100,000 spent, the reciprocal of
the cost per additional sustained graduate. The reciprocal is used because it is
defined in every replication that spends money, where the cost per additional graduate
has no value in a replication with no additional graduate; it ranks strategies in the
same order.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats

from pushpull_sim.compare.design import ADDITIONAL, PER_100K, CompareResult, mean_ci
from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.outcomes import cost_effectiveness
from pushpull_sim.strategies import STRATEGIES

#: The outcome the verdict ranks by unless told otherwise.
DEFAULT = PER_100K

#: Replications beyond which the power estimate says "more than".
MAX_REPLICATIONS = 100_000

#: Printed width of the verdict block.
WIDTH = 100


@dataclass(frozen=True)
class Contrast:
    """The best strategy against another, paired by replication.

    Attributes:
        other: The other strategy.
        mean: Mean per-replication difference, best - other (outcome units).
        ci_low, ci_high: Its 95 % Student-t interval (NaN with fewer than 2 pairs).
        sd: Standard deviation of the per-replication differences (NaN below 2 pairs).
        n: Replications where both values are defined.
        told_apart: Whether the interval excludes 0.
        needed: Replications that would give an interval narrower than ``|mean|`` (the
            power estimate; None when told apart, or when the two are identical in every
            replication, or with fewer than 2 pairs).
    """

    other: str
    mean: float
    ci_low: float
    ci_high: float
    sd: float
    n: int
    told_apart: bool
    needed: int | None


@dataclass(frozen=True)
class Verdict:
    """Which strategy is best on an outcome, and how surely.

    Attributes:
        outcome: The declared outcome ranked by.
        better: ``"higher"`` or ``"lower"``.
        replications: Replications per strategy.
        levels: ``{strategy: (mean, ci_low, ci_high, n)}`` of the strategies where the
            outcome is defined, best first.
        best: The strategy with the best mean (None if none is defined).
        contrasts: The best against each other strategy, closest first.
        not_applicable: ``{strategy: reason}`` where the outcome is undefined.
        asked: The outcome asked for, when another one ranks in its place (the cost per
            additional sustained graduate is ranked by its reciprocal).
    """

    outcome: str
    better: Literal["higher", "lower"]
    replications: int
    levels: dict[str, tuple[float, float, float, int]]
    best: str | None
    contrasts: list[Contrast]
    not_applicable: dict[str, str] = field(default_factory=dict)
    asked: str | None = None

    @property
    def winner(self) -> str | None:
        """The best strategy if it beats every other one, else None."""
        if self.best is None or not self.contrasts:
            return None
        return self.best if all(c.told_apart for c in self.contrasts) else None

    @property
    def ties(self) -> list[str]:
        """The strategies the best cannot be told apart from."""
        return [c.other for c in self.contrasts if not c.told_apart]


#: Below this many replications the verdict adds a caution: the paired differences' SD
#: rests on too few values. Assumption (a t interval's width settles by about 10).
FEW_REPLICATIONS = 10
#: Replications the caution recommends: ``pushpull compare``'s default.
RECOMMENDED_REPLICATIONS = 20


def replications_needed(sd: float, difference: float, level: float = 0.95) -> int | None:
    """Replications for a paired Student-t interval narrower than ``|difference|``.

    The smallest ``r >= 2`` with ``t(0.5 + level / 2, r - 1) * sd / sqrt(r) < |difference|``
    (capped at :data:`MAX_REPLICATIONS` + 1, read "more than").

    Args:
        sd: Standard deviation of the per-replication differences.
        difference: The difference to tell from 0 (observed, or a minimum detectable one).
        level: Confidence level.

    Returns:
        int | None: The replications; None when ``difference`` is 0 or either is NaN.
    """
    d = abs(difference)
    if not (math.isfinite(sd) and math.isfinite(d)) or d == 0:
        return None
    if sd == 0:
        return 2
    q = 0.5 + level / 2

    def wide(r: int) -> bool:
        return stats.t.ppf(q, r - 1) * sd / math.sqrt(r) >= d

    r = max(2, math.ceil((stats.norm.ppf(q) * sd / d) ** 2))
    if r > MAX_REPLICATIONS:
        return MAX_REPLICATIONS + 1
    while r > 2 and not wide(r - 1):  # the normal approximation overshoots at small r
        r -= 1
    while wide(r):
        r += 1
        if r > MAX_REPLICATIONS:
            return MAX_REPLICATIONS + 1
    return r


def verdict(result: CompareResult, outcome: str = DEFAULT) -> Verdict:
    """The verdict of a comparison on one outcome.

    Only strategies (the bundles of :data:`~pushpull_sim.strategies.STRATEGIES`) are
    ranked, not the lever variants of ``--levers``.

    Args:
        result: The comparison.
        outcome: A declared outcome with a better direction, measured by the comparison.
            The cost per additional sustained graduate is ranked by its reciprocal,
            :data:`DEFAULT`.

    Returns:
        Verdict: The best strategy and its paired contrasts.

    Raises:
        KeyError: If the outcome was not measured or has no better direction.
    """
    asked = None
    if outcome == ADDITIONAL:
        asked, outcome = outcome, PER_100K
    if outcome not in result.runs or outcome not in DECLARED:
        raise KeyError(f"outcome {outcome!r}: not measured by this comparison")
    better = DECLARED[outcome].better
    if better is None:
        raise KeyError(f"outcome {outcome!r}: neither higher nor lower is better")
    labels = [v for v in result.variants if v in STRATEGIES] or list(result.variants)
    by_label = {
        label: result.runs[result.runs["strategy"] == label].set_index("replication")[outcome]
        for label in labels
    }
    levels, not_applicable = {}, {}
    for label, values in by_label.items():
        mean, lo, hi, n = mean_ci(values.to_numpy(float))
        if math.isfinite(mean):
            levels[label] = (mean, lo, hi, n)
        else:
            not_applicable[label] = _why_undefined(result, label, outcome)
    sign = 1.0 if better == "higher" else -1.0
    order = sorted(levels, key=lambda label: -sign * levels[label][0])
    levels = {label: levels[label] for label in order}
    best = order[0] if order else None
    contrasts = []
    for other in order[1:]:
        diff = (by_label[best] - by_label[other]).to_numpy(float)
        diff = diff[np.isfinite(diff)]
        mean, lo, hi, n = mean_ci(diff)
        sd = float(diff.std(ddof=1)) if n > 1 else math.nan
        apart = n > 1 and (lo > 0 or hi < 0)
        needed = None if apart or n < 2 else replications_needed(sd, mean)
        contrasts.append(Contrast(other, mean, lo, hi, sd, n, apart, needed))
    return Verdict(
        outcome, better, result.replications, levels, best, contrasts, not_applicable, asked
    )


def _why_undefined(result: CompareResult, label: str, outcome: str) -> str:
    runs = result.runs[result.runs["strategy"] == label]
    if "total_cost_usd_ppp" in runs and (runs["total_cost_usd_ppp"] == 0).all():
        return "it spends nothing"
    return f"{outcome} is undefined in every replication"


# ---------------------------------------------------------------------------- wording
def _scale(unit: str) -> tuple[float, str, str]:
    """``(factor, format, unit words)`` for a difference in ``unit``."""
    if unit in ("share", "difference of shares"):
        return 100.0, "{:,.1f}", "points"
    if unit == "USD PPP":
        return 1.0, "{:,.0f}", "USD PPP"
    if unit == "households":
        return 1.0, "{:,.1f}", "households"
    if unit == "households per USD PPP 100,000":
        return 1.0, "{:,.2f}", "per USD PPP 100,000"
    return 1.0, "{:,.2f}", unit


def format_level(value: float, unit: str) -> str:
    """A level in words: ``11.8 %``, ``USD PPP 18,900``, ``4.21 per USD PPP 100,000``;
    ``not applicable`` where undefined."""
    if not math.isfinite(value):
        return "not applicable" if math.isnan(value) else "no upper bound"
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "USD PPP":
        return f"USD PPP {value:,.0f}"
    factor, fmt, words = _scale(unit)
    if unit in ("ratio", ""):  # a pure number, e.g. a benefit-cost ratio
        words = ""
    return f"{fmt.format(value * factor)} {words}".strip()


def _interval(lo: float, hi: float, unit: str) -> str:
    """``(low to high)`` of a level, bare numbers."""
    if math.isnan(lo) or math.isnan(hi):
        return "(no interval)"
    factor, fmt, _ = _scale(unit)
    if unit == "share":
        fmt = "{:.1f} %"
    text_hi = "no upper bound" if math.isinf(hi) else fmt.format(hi * factor)
    return f"({fmt.format(lo * factor)} to {text_hi})"


def _number(fmt: str, x: float) -> str:
    """``fmt.format(x)``, with no minus sign on a value that rounds to zero."""
    text = fmt.format(x)
    return fmt.format(0.0) if text.lstrip("-").strip("0.,") == "" else text


def _gain(c: Contrast, unit: str, better: str) -> tuple[str, str]:
    """The best's advantage in the better direction, and its interval, in words."""
    factor, fmt, words = _scale(unit)
    sign = 1.0 if better == "higher" else -1.0
    lo, hi = sorted((sign * c.ci_low * factor, sign * c.ci_high * factor))
    value = f"{_number(fmt, sign * c.mean * factor)} {words}"
    if math.isnan(lo):
        return value, "(no interval)"
    return value, f"({_number(fmt, lo)} to {_number(fmt, hi)})"


def _about(n: int) -> str:
    if n > MAX_REPLICATIONS:
        return f"more than {MAX_REPLICATIONS:,}"
    if n >= 100:  # two significant figures, rounded up
        step = 10 ** (len(str(n)) - 2)
        n = -(-n // step) * step
    return f"about {n:,}"


def verdict_lines(v: Verdict, result: CompareResult | None = None) -> list[str]:
    """The verdict in plain words: a heading, the best strategy, one line per contrast.

    Args:
        v: The verdict.
        result: The comparison, to add the best strategy's cost-effectiveness figures
            (:func:`pushpull_sim.outcomes.cost_effectiveness`).

    Returns:
        list[str]: Sentences (unwrapped; :func:`format_verdict` wraps them).
    """
    o = DECLARED[v.outcome]
    r = v.replications
    reps = f"{r} replication{'s' if r != 1 else ''}"
    lines = [
        f"Verdict on {noun(v.outcome)} ({o.better} is better; {reps} per strategy, paired "
        "on common random numbers)."
    ]
    if v.asked:
        lines.append(
            f"({v.asked} is ranked by its reciprocal, {v.outcome}, which is defined in "
            "every replication that spends money; the order is the same.)"
        )
    if v.best is None:
        lines.append("Not applicable to any strategy: " + _na(v) + ".")
        return lines
    mean, lo, hi, _ = v.levels[v.best]
    level = f"{format_level(mean, o.unit)} {_interval(lo, hi, o.unit)}"
    if not v.contrasts:
        lines.append(f"Only {v.best} ({level}) can be ranked on it: nothing to compare.")
    elif v.winner:
        lines.append(f"Best: {v.best}, {level}; it beats every other strategy.")
    else:
        lines.append(
            f"No single winner: {v.best} has the best mean, {level}, but cannot be told "
            f"apart from {_join(v.ties)} at {reps}."
        )
    if result is not None:
        extra = _cost_effectiveness_words(result, v.best, v.outcome)
        if extra:
            lines.append(f"{v.best}: {extra}.")
    for c in v.contrasts:
        value, interval = _gain(c, o.unit, v.better)
        if c.told_apart:
            lines.append(f"- {v.best} beats {c.other} by {value} {interval}.")
            continue
        text = (
            f"- {v.best} and {c.other} cannot be told apart at {reps}: difference {value} "
            f"{interval}"
        )
        if c.n < 2:
            text += "; one replication gives no interval: run at least 2"
        elif c.needed is None:
            text += "; they are identical in every replication"
        else:
            text += f"; {_about(c.needed)} replications would tell a difference this large"
        lines.append(text + ".")
    for label, reason in v.not_applicable.items():
        lines.append(f"- {label}: not applicable ({reason}).")
    if 2 <= r < FEW_REPLICATIONS:
        lines.append(
            f"Caution: with {reps} the spread behind these intervals is itself poorly "
            f"estimated; run {RECOMMENDED_REPLICATIONS} or more before acting on the verdict."
        )
    return lines


def _na(v: Verdict) -> str:
    return "; ".join(f"{k} ({why})" for k, why in v.not_applicable.items()) or "none run"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _cost_effectiveness_words(result: CompareResult, label: str, ranked: str) -> str:
    """The strategy's cost-effectiveness figures other than the one ranked by."""
    table = result.table()
    t = table[table["strategy"] == label].set_index("outcome")
    parts = []
    for name in cost_effectiveness():
        if name == ranked or name not in t.index:
            continue
        row = t.loc[name]
        o = DECLARED[name]
        interval = _interval(row["ci_low"], row["ci_high"], o.unit)
        if o.unit == "households per USD PPP 100,000":  # "4.21 additional ... per ..."
            parts.append(f"{row['mean']:,.2f} {noun(name)} {interval}")
        else:
            parts.append(f"{noun(name)}: {format_level(row['mean'], o.unit)} {interval}")
    return "; ".join(parts)


def noun(outcome: str) -> str:
    """A declared outcome's heading for use inside a sentence: no capital, no unit in
    brackets at the end."""
    text = re.sub(r"\s*\([^()]*\)$", "", DECLARED[outcome].heading)
    return text[:1].lower() + text[1:]


def format_verdict(v: Verdict, result: CompareResult | None = None) -> str:
    """The verdict as plain text, wrapped at :data:`WIDTH` columns."""
    out = []
    for line in verdict_lines(v, result):
        indent = "  " if line.startswith("- ") else ""
        out += textwrap.wrap(line, WIDTH, subsequent_indent=indent + "  ", break_on_hyphens=False)
    return "\n".join(out)


def verdict_markdown(v: Verdict, result: CompareResult | None = None) -> list[str]:
    """The verdict as Markdown lines (a heading line, then a list)."""
    lines = verdict_lines(v, result)
    head = [line for line in lines if not line.startswith("- ")]
    items = [line for line in lines if line.startswith("- ")]
    paragraphs = [line for text in head[1:] for line in (text, "")]
    return [f"**{head[0]}**", "", *paragraphs, *items]
