"""The virtual randomised controlled trial: assignment and intent-to-treat (ITT) effects.

ITT effects are estimated as the field publishes them (Banerjee et al. 2015, Science;
Bandiera et al. 2017, QJE): an OLS regression of the endline outcome on treatment
assignment, controlling for the baseline value of the outcome (ANCOVA), among eligible
households. The effect is reported in USD (or the outcome's unit), in standard deviations
of the control group at endline, and in % of the control mean. Standard errors are
heteroskedasticity-robust (HC1), clustered by village when villages were randomised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pushpull_sim.survey import INDICES, PUBLISHED_PCT

#: ITT outcomes, each a column of the survey table (:mod:`pushpull_sim.survey`): the
#: trial's six standardised indices (control-SD units) and the survey's measures in their
#: own units (``consumption`` USD PPP per adult equivalent per day, ``assets`` productive
#: assets in USD PPP, ``income`` USD PPP per month over the income recall, ...).
ITT_OUTCOMES: dict[str, str] = {
    **{name: name for name in INDICES},
    "consumption": "consumption",
    "consumption_nondurable": "consumption_nondurable",
    "food_security": "food_enough",
    "assets": "productive_assets",
    "durables": "household_durables",
    "savings": "savings",
    "income": "income",
    "days_worked": "days_worked",
}

#: Pooled ITT effects of the six-country trial, control-SD units, by index and months
#: after the programme starts: ``{index: {months: (effect, se)}}``. Source:
#: :data:`pushpull_sim.survey.B15` (standard errors: :data:`pushpull_sim.survey.B15_SE`).
PUBLISHED_ITT_SD: dict[str, dict[int, tuple[float, float]]] = {
    name: dict(index.published) for name, index in INDICES.items() if index.published
}

#: Published pooled effects in percent of the control mean (``{outcome: {months: pct}}``;
#: :data:`pushpull_sim.survey.PUBLISHED_PCT`).
PUBLISHED_ITT_PCT: dict[str, dict[int, float]] = dict(PUBLISHED_PCT)


def assign(
    eligible: np.ndarray,
    village: np.ndarray,
    unit: str,
    treatment_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Randomise eligible households (or whole villages) to treatment.

    Args:
        eligible: bool mask, shape ``(n,)``.
        village: Village index, shape ``(n,)``.
        unit: ``"household"`` or ``"village"``.
        treatment_share: Share of units assigned to treatment, in (0, 1).
        rng: The ``"rct"`` stream.

    Returns:
        numpy.ndarray: bool mask of treatment assignment, shape ``(n,)``; always a subset
        of ``eligible``.

    Raises:
        ValueError: If ``unit`` is not ``"household"`` or ``"village"``.
    """
    if unit == "household":
        ids = np.flatnonzero(eligible)
        k = int(round(treatment_share * ids.size))
        chosen = rng.permutation(ids)[:k]
        treat = np.zeros(eligible.size, bool)
        treat[chosen] = True
        return treat
    if unit == "village":
        units = np.unique(village[eligible])
        k = int(round(treatment_share * units.size))
        chosen = rng.permutation(units)[:k]
        return eligible & np.isin(village, chosen)
    raise ValueError(f"rct.unit = {unit!r}: allowed: 'household', 'village'")


def ancova(
    y: np.ndarray,
    treated: np.ndarray,
    baseline: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
) -> tuple[float, float]:
    """OLS of ``y`` on a constant, ``treated`` (and ``baseline``): the treatment coefficient
    and its robust standard error.

    The standard error is heteroskedasticity-robust (HC1), or cluster-robust with the
    small-sample factor ``G/(G-1) x (N-1)/(N-K)`` when ``clusters`` has more than one
    cluster: the same numbers as statsmodels' ``OLS(...).fit(cov_type="HC1")`` and
    ``cov_type="cluster"``, in a few numpy operations.

    Args:
        y: Outcome, shape ``(m,)``.
        treated: 0/1 assignment, shape ``(m,)``.
        baseline: Baseline outcome (dropped when constant), shape ``(m,)``, or None.
        clusters: Cluster ids, shape ``(m,)``, or None.

    Returns:
        tuple: ``(effect, se)``; ``se`` is NaN when the design is singular or has no
        degrees of freedom left.
    """
    cols = [np.ones_like(treated, dtype=float), np.asarray(treated, dtype=float)]
    if baseline is not None and np.std(baseline) > 0:
        cols.append(np.asarray(baseline, dtype=float))
    x = np.column_stack(cols)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    xtx = x.T @ x
    try:
        inv = np.linalg.inv(xtx)
    except np.linalg.LinAlgError:
        return float("nan"), float("nan")
    beta = inv @ (x.T @ y)
    e = y - x @ beta
    if clusters is not None and np.unique(clusters).size > 1:
        codes, _ = pd.factorize(clusters)
        g = int(codes.max()) + 1
        scores = np.zeros((g, k))
        np.add.at(scores, codes, x * e[:, None])
        meat = scores.T @ scores
        factor = g / (g - 1) * (n - 1) / (n - k) if n > k else float("nan")
    else:
        xe = x * e[:, None]
        meat = xe.T @ xe
        factor = n / (n - k) if n > k else float("nan")
    cov = inv @ meat @ inv * factor
    var = cov[1, 1]
    return float(beta[1]), float(np.sqrt(var)) if var >= 0 else float("nan")


def itt_effect(
    y: np.ndarray,
    treated: np.ndarray,
    baseline: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    standardised: bool = False,
) -> dict[str, float]:
    """Estimate one ITT effect by OLS, ``y = a + b*T (+ c*y0) + e`` (:func:`ancova`).

    Args:
        y: Endline outcome of eligible households, shape ``(m,)``.
        treated: Assignment (1 = treatment), shape ``(m,)``.
        baseline: Baseline outcome (ANCOVA control), shape ``(m,)``, or None.
        clusters: Cluster ids for clustered SEs (village randomisation), or None for HC1.
        standardised: ``y`` is a standardised index (its control mean is 0 by
            construction, so no percentage is reported).

    Returns:
        dict: ``effect`` (outcome units), ``se``, ``effect_sd`` and ``se_sd`` (control-SD
        units), ``effect_pct`` and ``se_pct`` (% of control mean; NaN if the mean is 0 or
        the outcome is an index), ``control_mean``, ``control_sd``, ``n_treatment``,
        ``n_control``.

    Raises:
        ValueError: If either arm is empty, or an outcome value is not finite (the message
            names how many and which).
    """
    treated = np.asarray(treated, dtype=float)
    y = np.asarray(y, dtype=float)
    n_t = int(treated.sum())
    n_c = int(treated.size - n_t)
    if n_t == 0 or n_c == 0:
        raise ValueError(f"ITT needs both arms; got {n_t} treatment and {n_c} control")
    bad = ~np.isfinite(y)
    if baseline is not None:
        bad |= ~np.isfinite(np.asarray(baseline, dtype=float))
    if bad.any():
        raise ValueError(
            f"ITT outcome not finite for {int(bad.sum())} of {bad.size} households "
            f"(first at position {int(np.flatnonzero(bad)[0])})"
        )
    b, se = ancova(y, treated, baseline, clusters)
    yc = y[treated == 0]
    mean_c = float(np.mean(yc))
    sd_c = float(np.std(yc, ddof=1)) if n_c > 1 else float("nan")
    use_pct = mean_c != 0 and not standardised
    pct = (lambda v: 100.0 * v / mean_c) if use_pct else (lambda v: float("nan"))
    return {
        "effect": b,
        "se": se,
        "effect_sd": b / sd_c if sd_c > 0 else float("nan"),
        "se_sd": se / sd_c if sd_c > 0 else float("nan"),
        "effect_pct": pct(b),
        "se_pct": pct(se),
        "control_mean": mean_c,
        "control_sd": sd_c,
        "n_treatment": n_t,
        "n_control": n_c,
    }


def itt_table(
    survey: pd.DataFrame,
    months: list[int],
    baseline_month: int,
    cluster_by_village: bool,
    outcomes: list[str] | None = None,
) -> pd.DataFrame:
    """ITT effects for every outcome and survey round of one replication.

    Args:
        survey: The survey table (:meth:`pushpull_sim.survey.Survey.table`: columns
            ``month``, ``household_id``, ``arm``, ``village`` and the columns of
            :data:`ITT_OUTCOMES`).
        months: Survey months at which to estimate (absolute model months).
        baseline_month: Month of the baseline survey.
        cluster_by_village: Cluster SEs by village.
        outcomes: Names of :data:`ITT_OUTCOMES` to estimate (default: all).

    Returns:
        pandas.DataFrame: One row per outcome x month, with the keys of :func:`itt_effect`
        plus ``outcome`` and ``month``. Empty if there is no control or treatment arm, or
        an index cannot be scored (no variation among the controls).
    """
    names = list(ITT_OUTCOMES) if outcomes is None else list(outcomes)
    elig = survey[survey["arm"].isin(["treatment", "control"])]
    base = elig[elig["month"] == baseline_month].set_index("household_id")
    rows = []
    for month in months:
        end = elig[elig["month"] == month].set_index("household_id")
        if end.empty:
            continue
        t = (end["arm"] == "treatment").to_numpy()
        if t.all() or not t.any():
            continue
        b = base.reindex(end.index)
        clusters = end["village"].to_numpy() if cluster_by_village else None
        for outcome in names:
            col = ITT_OUTCOMES[outcome]
            y = end[col].to_numpy(dtype=float)
            y0 = b[col].to_numpy(dtype=float)
            if outcome in INDICES and not np.isfinite(y).any():
                continue  # the index could not be scored in this round
            y0 = np.where(np.isfinite(y0), y0, 0.0) if outcome in INDICES else y0
            est = itt_effect(y, t, baseline=y0, clusters=clusters, standardised=outcome in INDICES)
            rows.append({"outcome": outcome, "month": month, **est})
    return pd.DataFrame(rows)
