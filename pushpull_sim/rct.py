"""The virtual randomised controlled trial: assignment and intent-to-treat (ITT) effects.

ITT effects are estimated as the field publishes them (Banerjee et al. 2015, Science;
Bandiera et al. 2017, QJE): an OLS regression of the endline outcome on treatment
assignment, controlling for the baseline value of the outcome (ANCOVA), among eligible
households. The effect is reported in USD (or the outcome's unit), in standard deviations
of the control group at endline, and in % of the control mean. Standard errors are
heteroskedasticity-robust (HC1), clustered by village when villages were randomised.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

#: ITT outcome name -> household-panel column. Units: consumption, USD PPP per adult
#: equivalent per day; assets and savings, USD PPP; income, USD PPP per month (about 12-month
#: mean); food security, share of recent months at or above subsistence (0-1); savings,
#: cash plus savings-group share.
ITT_OUTCOMES: dict[str, str] = {
    "consumption": "consumption_ppd",
    "food_security": "food_security",
    "assets": "assets",
    "income": "income_12m",
    "savings": "savings_total",
}

#: Pooled ITT effects of the six-country graduation trial, control-SD units, at 24 and 36
#: months. Source: Banerjee et al. 2015, Science 348(6236), Table 3.
PUBLISHED_ITT_SD: dict[str, dict[int, float]] = {
    "consumption": {24: 0.122, 36: 0.120},
    "food_security": {24: 0.107, 36: 0.113},
    "assets": {24: 0.258, 36: 0.249},
    "income": {24: 0.383, 36: 0.273},
}


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


def itt_effect(
    y: np.ndarray,
    treated: np.ndarray,
    baseline: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
) -> dict[str, float]:
    """Estimate one ITT effect by OLS, ``y = a + b*T (+ c*y0) + e``.

    Args:
        y: Endline outcome of eligible households, shape ``(m,)``.
        treated: Assignment (1 = treatment), shape ``(m,)``.
        baseline: Baseline outcome (ANCOVA control), shape ``(m,)``, or None.
        clusters: Cluster ids for clustered SEs (village randomisation), or None for HC1.

    Returns:
        dict: ``effect`` (outcome units), ``se``, ``effect_sd`` and ``se_sd`` (control-SD
        units), ``effect_pct`` and ``se_pct`` (% of control mean; NaN if the mean is 0),
        ``control_mean``, ``control_sd``, ``n_treatment``, ``n_control``.

    Raises:
        ValueError: If either arm is empty.
    """
    treated = np.asarray(treated, dtype=float)
    n_t = int(treated.sum())
    n_c = int(treated.size - n_t)
    if n_t == 0 or n_c == 0:
        raise ValueError(f"ITT needs both arms; got {n_t} treatment and {n_c} control")
    cols = [np.ones_like(treated), treated]
    if baseline is not None and np.std(baseline) > 0:
        cols.append(np.asarray(baseline, dtype=float))
    x = np.column_stack(cols)
    fit = sm.OLS(np.asarray(y, dtype=float), x)
    with warnings.catch_warnings():
        # tiny or degenerate samples: report NaN standard errors, not a page of warnings
        warnings.simplefilter("ignore")
        if clusters is not None and np.unique(clusters).size > 1:
            res = fit.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0]})
        else:
            res = fit.fit(cov_type="HC1")
    b = float(res.params[1])
    se = float(res.bse[1])
    yc = y[treated == 0]
    mean_c = float(np.mean(yc))
    sd_c = float(np.std(yc, ddof=1)) if n_c > 1 else float("nan")
    pct = (lambda v: 100.0 * v / mean_c) if mean_c != 0 else (lambda v: float("nan"))
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
    panel: pd.DataFrame,
    months: list[int],
    baseline_month: int,
    cluster_by_village: bool,
) -> pd.DataFrame:
    """ITT effects for every outcome and month of one replication.

    Args:
        panel: Household panel (columns ``month``, ``household_id``, ``arm``, ``village`` and
            the columns of :data:`ITT_OUTCOMES`).
        months: Panel months at which to estimate (absolute model months).
        baseline_month: Panel month of the baseline survey.
        cluster_by_village: Cluster SEs by village.

    Returns:
        pandas.DataFrame: One row per outcome x month, with the keys of :func:`itt_effect`
        plus ``outcome`` and ``month``. Empty if there is no control or treatment arm.
    """
    elig = panel[panel["arm"].isin(["treatment", "control"])]
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
        for outcome, col in ITT_OUTCOMES.items():
            est = itt_effect(
                end[col].to_numpy(),
                t,
                baseline=b[col].to_numpy(),
                clusters=end["village"].to_numpy() if cluster_by_village else None,
            )
            rows.append({"outcome": outcome, "month": month, **est})
    return pd.DataFrame(rows)
