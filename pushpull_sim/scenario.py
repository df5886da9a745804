"""Scenarios: every parameter of a run, declared once, grouped by concern, validated.

A scenario is data. It is written as a TOML file, validated on load, and
round-trips (load -> :func:`dump_scenario` -> load gives the same scenario). Each
parameter declares its unit and its source, or the word "assumption".

Money is in USD at 2021 purchasing-power parity (USD PPP), per household unless the
name says otherwise; time is in months.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pushpull_sim.components import registry
from pushpull_sim.interventions import REGISTRY
from pushpull_sim.levers import BUNDLES, LEVERS, push_budget_of
from pushpull_sim.levers import resolve as resolve_levers
from pushpull_sim.targeting import check_options
from pushpull_sim.units import MAX_VALUE  # bound of open-ended parameters


class ScenarioError(ValueError):
    """A scenario could not be loaded. The message is one line naming the file, the key,
    the value and what is allowed."""


class _Group(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


class RunSettings(_Group):
    """How a scenario is run (overridable from the command line)."""

    months: int = Field(
        120,
        ge=1,
        le=1200,
        description="Horizon, months. Assumption: 10 years, to see what lasts after a "
        "3-year project.",
    )
    seed: int = Field(20260101, ge=0, lt=2**63, description="Base seed. Assumption.")
    replications: int = Field(4, ge=1, le=10_000, description="Replications. Assumption.")


class Population(_Group):
    """Households and villages at baseline."""

    households: int = Field(
        2000, ge=10, le=10_000_000, description="Number of households. Assumption (model scale)."
    )
    villages: int = Field(20, ge=1, le=MAX_VALUE, description="Number of villages. Assumption.")
    villages_per_region: int = Field(
        5,
        ge=1,
        le=MAX_VALUE,
        description="Villages per region (the scale of drought and outbreaks). Assumption.",
    )
    household_size_ae_mean: float = Field(
        3.2,
        gt=0,
        le=20,
        description="Mean household size, adult equivalents. Assumption (rural Bangladesh "
        "ultra-poor households are small, often female-headed; Bandiera et al. 2017).",
    )
    adults_per_ae: float = Field(
        0.55, gt=0, le=1, description="Working adults per adult equivalent. Assumption."
    )
    initial_assets_median_usd_ppp: float = Field(
        1200.0,
        ge=0,
        le=MAX_VALUE,
        description="Median productive assets at baseline, USD PPP. Assumption.",
    )
    initial_assets_sigma: float = Field(
        1.2, ge=0, le=5, description="Log-sd of baseline productive assets. Assumption."
    )
    initial_assets_max_usd_ppp: float = Field(
        20000.0,
        gt=0,
        le=MAX_VALUE,
        description="Cap on baseline productive assets (trims the lognormal tail), USD PPP. "
        "Assumption.",
    )
    asset_free_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of households with no productive assets at baseline. Assumption.",
    )
    burn_in_months: int = Field(
        24,
        ge=0,
        le=600,
        description="Months simulated before the baseline survey (month 0), so baseline is "
        "not an arbitrary draw. Assumption.",
    )
    initial_savings_months: float = Field(
        0.3,
        ge=0,
        le=MAX_VALUE,
        description="Baseline cash savings, in months of subsistence need (median). Assumption.",
    )
    ability_sigma: float = Field(
        0.4,
        ge=0,
        le=3,
        description="Log-sd of entrepreneurial ability, a multiplier on own production; "
        "heterogeneous returns to the same asset (Bandiera et al. 2017). Assumption.",
    )
    remittance_share: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of households with a migrant member who sends money home. Assumption.",
    )
    remittance_usd_ppp_per_month: float = Field(
        40.0,
        ge=0,
        le=MAX_VALUE,
        description="Remittance sent per month to a receiving household, USD PPP, before "
        "fees. Assumption.",
    )
    initial_quality: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of households' output that meets buyers' quality standards at "
        "baseline. Assumption.",
    )
    labour_capacity_sigma: float = Field(
        0.45, ge=0, le=3, description="Log-sd of labour capacity across households. Assumption."
    )
    household_size_gamma_shape: float = Field(
        4.0,
        gt=0,
        le=1000,
        description="Shape of the gamma distribution of household size above one adult "
        "equivalent (its mean is household_size_ae_mean - 1; a larger shape, less spread). "
        "Assumption.",
    )


class Livelihood(_Group):
    """Casual wage work and own production (the poverty-trap technology)."""

    production: Literal["s_shaped", "concave"] = Field(
        "s_shaped",
        description="Return to productive assets: S-shaped around a threshold (poverty trap) "
        "or concave (no trap); Kraay & McKenzie 2014 and Karlan et al. 2026 debate which holds. "
        "Default S-shaped: assumption.",
    )
    asset_threshold_usd_ppp: float = Field(
        600.0,
        ge=1.0,
        le=MAX_VALUE,
        description="Scale threshold of the S-shaped return, USD PPP. Assumption (about one "
        "cow; Balboni et al. 2022 estimate a threshold near the BRAC transfer's value).",
    )
    threshold_width_usd_ppp: float = Field(
        90.0, ge=1.0, le=MAX_VALUE, description="Width of the S-curve's rise, USD PPP. Assumption."
    )
    return_low_monthly: float = Field(
        0.004,
        ge=0,
        le=1,
        description="Net monthly return per USD of assets far below the threshold. Assumption.",
    )
    return_high_monthly: float = Field(
        0.07,
        ge=0,
        le=1,
        description="Net monthly return per USD of assets above the threshold, household "
        "labour included (0.07 = 84 %/yr). Assumption: livestock rearing at scale earns far "
        "more than casual labour (Bandiera et al. 2017).",
    )
    asset_saturation_usd_ppp: float = Field(
        5000.0,
        ge=1.0,
        le=MAX_VALUE,
        description="Asset scale at which household labour caps own production, USD PPP. "
        "Assumption.",
    )
    concave_alpha: float = Field(
        0.5, gt=0, lt=1, description="Curvature of the concave (no-trap) variant. Assumption."
    )
    depreciation_monthly: float = Field(
        0.004, ge=0, le=1, description="Monthly depreciation of productive assets. Assumption."
    )
    wage_usd_ppp_per_day: float = Field(
        12.0,
        ge=0,
        le=MAX_VALUE,
        description="Casual daily wage, USD PPP. Assumption (rural Bangladesh casual labour).",
    )
    transaction_cost_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Cost of reaching markets and services without an agent nearby (travel, "
        "time, small-lot markups, transfer fees), as a share of the value of inputs bought, "
        "output sold or remittances received; agents lower it in their footprint. "
        "Assumption, close to the global average cost of sending remittances, about 6 % "
        "(World Bank, Remittance Prices Worldwide).",
    )
    local_price_discount: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Discount on output sold or valued in the village rather than to a buyer, "
        "share of the market (spot) price: thin local markets and traders' farm-gate "
        "margins. Assumption: 0 (the village absorbs all output at the market price); "
        "farm-gate prices commonly sit 10-40 % below market prices.",
    )
    cash_loss_monthly: float = Field(
        0.005,
        ge=0,
        le=1,
        description="Share of cash kept at home lost each month (theft, kin demands, "
        "temptation); households an agent serves keep it in mobile money instead. "
        "Assumption.",
    )
    wage_flexibility: float = Field(
        0.3,
        ge=0,
        le=5,
        description="Inverse elasticity of village labour demand: the casual wage moves by "
        "(supply / baseline supply)^-flexibility, so when households leave casual work for "
        "self-employment the wage rises for those who stay (0 = fixed wage). Assumption; "
        "Bandiera et al. 2017 found casual wages rose in treated villages.",
    )
    labour_days_per_month: float = Field(
        22.0, ge=0, le=31, description="Days a working adult offers per month. Assumption."
    )
    employment_rate: float = Field(
        0.65,
        ge=0,
        le=1,
        description="Share of offered casual days that find work (seasonal rationing). Assumption.",
    )
    skill_productivity_gain: float = Field(
        0.3,
        ge=0,
        le=5,
        description="Proportional gain in own production at full technical skill. Assumption.",
    )
    input_share: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Share of gross livestock output spent on inputs (feed, veterinary care) "
        "at full use. Assumption.",
    )
    input_output_loss: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of gross output lost when no inputs are bought (in proportion to "
        "the share not bought). Assumption.",
    )
    input_price_elasticity: float = Field(
        1.5,
        ge=0,
        le=20,
        description="How strongly input purchases fall when the price paid exceeds the "
        "household's reference price: use = (reference / price)^elasticity, capped at 1. "
        "Assumption.",
    )
    reference_price_adjustment: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Monthly pull of the reference price toward the price last paid (the "
        "LEO call's subsidy distortion). Assumption.",
    )
    full_time_assets_usd_ppp: float = Field(
        12000.0,
        ge=1.0,
        le=MAX_VALUE,
        description="Assets at which own production absorbs all household labour, USD PPP. "
        "Assumption.",
    )
    wage_supply_ratio_min: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Lowest ratio of a village's casual labour supply to its baseline the "
        "wage responds to (a village emptied of casual labour keeps a finite wage). "
        "Assumption.",
    )
    wage_supply_ratio_max: float = Field(
        20.0,
        ge=1,
        le=MAX_VALUE,
        description="Highest ratio of a village's casual labour supply to its baseline the "
        "wage responds to. Assumption.",
    )


class Enterprise(_Group):
    """The small-enterprise technology (petty trade, tailoring, a shop), an alternative to
    livestock for the productive asset transfer. Its own threshold, returns and failure."""

    asset_threshold_usd_ppp: float = Field(
        300.0, ge=1.0, le=MAX_VALUE, description="Scale threshold, USD PPP. Assumption."
    )
    threshold_width_usd_ppp: float = Field(
        60.0, ge=1.0, le=MAX_VALUE, description="Width of the S-curve's rise. Assumption."
    )
    return_low_monthly: float = Field(
        0.006, ge=0, le=1, description="Net monthly return below the threshold. Assumption."
    )
    return_high_monthly: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Net monthly return above the threshold. Assumption (lower than livestock "
        "at scale, but reached with less capital).",
    )
    asset_saturation_usd_ppp: float = Field(
        3000.0, ge=1.0, le=MAX_VALUE, description="Labour-limited scale, USD PPP. Assumption."
    )
    failure_monthly: float = Field(
        0.003,
        ge=0,
        le=1,
        description="Monthly probability that a unit of stock is lost (spoilage, theft, "
        "failure); no disease outbreaks. Assumption.",
    )
    unit_value_usd_ppp: float = Field(
        100.0, ge=1.0, le=MAX_VALUE, description="Value of one unit of stock. Assumption."
    )
    input_share: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Share of gross output spent on inputs (stock for resale). Assumption.",
    )
    drought_exposure: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of the drought yield loss this activity suffers. Assumption.",
    )


class ShortCycle(Enterprise):
    """A less risky entry point (the LEO call's pull option): a low-input, short-season
    product that buyers also purchase (vegetables, poultry). Lower returns, a low
    threshold, little exposure to drought, no disease outbreaks."""

    asset_threshold_usd_ppp: float = Field(
        100.0, ge=1.0, le=MAX_VALUE, description="Scale threshold, USD PPP. Assumption."
    )
    threshold_width_usd_ppp: float = Field(
        30.0, ge=1.0, le=MAX_VALUE, description="Width of the S-curve's rise. Assumption."
    )
    return_low_monthly: float = Field(
        0.01, ge=0, le=1, description="Net monthly return below the threshold. Assumption."
    )
    return_high_monthly: float = Field(
        0.035,
        ge=0,
        le=1,
        description="Net monthly return above the threshold. Assumption (below livestock "
        "and enterprise at scale: the price of lower risk).",
    )
    asset_saturation_usd_ppp: float = Field(
        1500.0, ge=1.0, le=MAX_VALUE, description="Labour-limited scale, USD PPP. Assumption."
    )
    failure_monthly: float = Field(
        0.002, ge=0, le=1, description="Monthly loss probability per unit. Assumption."
    )
    unit_value_usd_ppp: float = Field(
        30.0, ge=1.0, le=MAX_VALUE, description="Value of one unit. Assumption."
    )
    input_share: float = Field(
        0.15, ge=0, lt=1, description="Share of gross output spent on inputs. Assumption."
    )
    drought_exposure: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of the drought yield loss suffered: a short season can be timed "
        "around the dry months. Assumption.",
    )


class Behaviour(_Group):
    """Consumption, saving and investment rules."""

    subsistence_usd_ppp_per_ae_day: float = Field(
        1.5,
        ge=0,
        le=MAX_VALUE,
        description="Subsistence need per adult equivalent per day, USD PPP. Assumption "
        "(half the USD 3.00 line).",
    )
    mpc_above_subsistence: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Share of cash on hand above subsistence consumed each month. Assumption "
        "(buffer-stock saving; Deaton 1991).",
    )
    mpc_when_investing: float = Field(
        0.65,
        ge=0,
        le=1,
        description="Share of the surplus consumed when productive assets beat the investment "
        "hurdle (higher returns, more saving: the Euler-equation logic). Assumption.",
    )
    confidence_investment_effect: float = Field(
        1.0,
        ge=0,
        le=4,
        description="Proportional change in the share of excess savings invested per unit "
        "of confidence above 0.5 (the share is scaled by 1 + effect x (confidence - 0.5)): "
        "coaching's effect on the willingness to invest. Assumption.",
    )
    confidence_baseline: float = Field(
        0.5, ge=0, le=1, description="Confidence without coaching (0-1). Assumption."
    )
    confidence_decay_monthly: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Monthly pull of confidence back toward its anchor after coaching. Assumption.",
    )
    confidence_peer_weight: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Weight of network neighbours' mean confidence in the anchor that "
        "confidence returns to (peers reinforce, or erode, what coaching built). Assumption.",
    )
    precautionary_buffer_months: float = Field(
        0.5,
        ge=0,
        le=MAX_VALUE,
        description="Cash kept aside before investing, months of subsistence need. Assumption.",
    )
    investment_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of savings above the buffer invested per month when worth it. "
        "Assumption.",
    )
    investment_hurdle_monthly: float = Field(
        0.01,
        ge=0,
        le=MAX_VALUE,
        description="Marginal net monthly return an asset must beat to be bought. Assumption.",
    )
    distress_floor_share: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Households sell assets in distress only to keep consumption at this share "
        "of subsistence need (the very poor cut consumption to protect assets; Zimmerman & "
        "Carter 2003). Assumption.",
    )
    distress_sale_discount: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Discount on assets sold in distress. Assumption (Fafchamps, Udry & "
        "Czukas 1998 report sharp livestock price falls in bad years).",
    )


class Shocks(_Group):
    """Idiosyncratic and covariate shocks."""

    illness_prob_monthly: float = Field(
        0.03, ge=0, le=1, description="Monthly probability of a serious illness. Assumption."
    )
    illness_income_loss: float = Field(
        0.5, ge=0, le=1, description="Share of the month's earned income lost when ill. Assumption."
    )
    health_cost_mean_usd_ppp: float = Field(
        60.0,
        ge=0,
        le=MAX_VALUE,
        description="Mean out-of-pocket cost of an illness, USD PPP. Assumption.",
    )
    health_cost_sigma: float = Field(
        0.8, ge=0, le=5, description="Log-sd of illness costs. Assumption."
    )
    skill_mortality_reduction: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Proportional cut in livestock mortality at full technical skill. Assumption.",
    )
    livestock_mortality_monthly: float = Field(
        0.005,
        ge=0,
        le=1,
        description="Monthly death probability per animal. Assumption (about 6 %/yr).",
    )
    livestock_unit_value_usd_ppp: float = Field(
        150.0, ge=1.0, le=MAX_VALUE, description="Value of one animal unit, USD PPP. Assumption."
    )
    outbreak_prob_monthly: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Monthly probability of a disease outbreak in a region. Assumption.",
    )
    outbreak_mortality_multiplier: float = Field(
        8.0, ge=1, le=MAX_VALUE, description="Mortality multiplier during an outbreak. Assumption."
    )
    drought_prob_yearly: float = Field(
        0.1, ge=0, le=1, description="Yearly probability of a drought in a region. Assumption."
    )
    drought_duration_months: int = Field(
        4, ge=1, le=24, description="Length of a drought, months. Assumption."
    )
    drought_yield_loss: float = Field(
        0.4, ge=0, le=1, description="Share of own production lost in drought. Assumption."
    )
    drought_wage_loss: float = Field(
        0.2, ge=0, le=1, description="Share of casual labour demand lost in drought. Assumption."
    )
    drought_asset_price_drop: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Extra fall in the price of assets sold during drought. Assumption.",
    )


class Network(_Group):
    """The social network: villages with wealth homophily, a few cross-village ties."""

    mean_degree: int = Field(
        6, ge=2, le=100, description="Mean ties within a village (even). Assumption."
    )
    rewiring_prob: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of ties rewired at random within the village; 0 = ties only to "
        "neighbours in the wealth ranking (full homophily). Assumption.",
    )
    cross_village_ties_per_household: float = Field(
        0.05, ge=0, le=10, description="Mean ties to other villages per household. Assumption."
    )
    risk_sharing_share: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of a household's cash above its buffer offered to neighbours in "
        "need. Assumption (informal insurance is partial; Townsend 1994).",
    )

    @field_validator("mean_degree")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise PydanticCustomError("even", "must be an even integer >= 2")
        return v


class Poverty(_Group):
    """Poverty lines and the definition of the very poor."""

    definition: Literal["international", "seed"] = Field(
        "international",
        description="'international': extreme poor = below the extreme line. 'seed': the "
        "LEO call's definition, bottom 50 % of those below the national line, or under "
        "the dollar-a-day line. Default: the international line (Source: World Bank, June "
        "2025).",
    )
    extreme_line_usd_ppp_per_day: float = Field(
        3.00,
        gt=0,
        le=MAX_VALUE,
        description="Extreme-poverty line per person per day, 2021 USD PPP. Source: World Bank "
        "international poverty line, adopted June 2025.",
    )
    poverty_line_usd_ppp_per_day: float = Field(
        4.20,
        gt=0,
        le=MAX_VALUE,
        description="Poverty line per person per day, 2021 USD PPP. Source: World Bank "
        "lower-middle-income line, June 2025.",
    )
    national_line_usd_ppp_per_day: float = Field(
        3.40,
        gt=0,
        le=MAX_VALUE,
        description="National poverty line per person per day, USD PPP, for the 'seed' "
        "definition. Assumption (set per country).",
    )
    dollar_a_day_usd_ppp: float = Field(
        1.00,
        gt=0,
        le=MAX_VALUE,
        description="The seed's 'under USD 1 a day PPP' line. Source: USAID LEO call (2014).",
    )


class Status(_Group):
    """How each household's monthly status is measured: the averaging windows of income
    and food security, and the pathway stages' thresholds (Fowler & Brand 2011)."""

    income_average_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Window of the earned-income average (income_12m and its sources: an "
        "exponentially weighted mean with weight 1/window on the latest month), months. "
        "Assumption: a year, as graduation criteria and proxy means tests use.",
    )
    food_security_months: int = Field(
        6,
        ge=1,
        le=120,
        description="Window of the food-security index (a weighted share of months with "
        "consumption at or above subsistence, weight 1/window on the latest month), "
        "months. Assumption.",
    )
    stage_recent_distress_months: int = Field(
        12,
        ge=0,
        le=1200,
        description="A distress sale within this many months keeps a household at the "
        "leverage-assets stage at best. Assumption.",
    )
    stage_acute_distress_months: int = Field(
        3,
        ge=0,
        le=1200,
        description="A distress sale within this many months puts a household at the "
        "stabilise-consumption stage. Assumption.",
    )


class Graduation(_Group):
    """BRAC-style graduation criteria, all of which must hold."""

    consumption_line: Literal["extreme", "poverty", "subsistence"] = Field(
        "extreme",
        description="Which line consumption per adult equivalent must reach: the extreme or "
        "poverty line, or the subsistence need (closer to BRAC's own food-security "
        "criterion, so graduation rates are higher). Assumption.",
    )
    min_assets_usd_ppp: float = Field(
        400.0, ge=0, le=MAX_VALUE, description="Minimum productive assets, USD PPP. Assumption."
    )
    min_savings_usd_ppp: float = Field(
        30.0, ge=0, le=MAX_VALUE, description="Minimum cash savings, USD PPP. Assumption."
    )
    min_income_sources: int = Field(
        2,
        ge=0,
        le=4,
        description="Minimum income sources. Source: BRAC graduation criteria (two or more).",
    )
    income_source_min_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of earned income a source must provide to count. Assumption.",
    )
    no_distress_sale_months: int = Field(
        6, ge=0, le=120, description="No distress sale in the last N months. Assumption."
    )


def _build_components(v: Any, registry: dict[str, Any], where: str, noun: str) -> list[BaseModel]:
    """Validate a list of component tables (interventions, pull actors) by their ``type``.

    Raises:
        PydanticCustomError: ``component`` errors whose context names the full key path,
            the value and what is allowed (rendered by :func:`format_error`).
    """

    def fail(key: str, value: str, allowed: str) -> PydanticCustomError:
        return PydanticCustomError(
            "component", "{where}", {"where": key, "value": value, "allowed": allowed}
        )

    if not isinstance(v, list):
        raise fail(where, _show(v), f"must be a list of {noun} tables")
    out = []
    kinds = ", ".join(sorted(registry))
    for i, item in enumerate(v):
        at = f"{where}[{i}]"
        if isinstance(item, BaseModel):
            out.append(item)
            continue
        if not isinstance(item, dict):
            raise fail(at, _show(item), "must be a table with a 'type' key")
        if "type" not in item:
            raise fail(f"{at}.type", "(missing)", f"every {noun} needs a type; allowed: {kinds}")
        kind = item["type"]
        if not isinstance(kind, str) or kind not in registry:
            raise fail(f"{at}.type", _show(kind), f"unknown {noun} type; allowed: {kinds}")
        params = registry[kind].Params
        try:
            out.append(params.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            if not key:  # a check across parameters: its message names key and value
                msg = err["msg"].removeprefix("Value error, ")
                raise fail(f"{at}.{msg}", "", "") from None
            raise fail(f"{at}.{key}", _show(err.get("input")), _allowed(err, params)) from None
    return out


class Programme(_Group):
    """The push implementer: targeting, budget, window and the interventions it delivers."""

    start_month: int = Field(
        0,
        ge=0,
        le=MAX_VALUE,
        description="The programme acts in months start+1..end. Assumption (starts at baseline).",
    )
    end_month: int = Field(
        36,
        ge=0,
        le=MAX_VALUE,
        description="Last month of the project. Assumption: a 3-year project, as in "
        "Banerjee et al. 2015 (24- and 36-month follow-ups).",
    )
    budget_usd_ppp: float | None = Field(
        None,
        ge=0,
        le=MAX_VALUE,
        description="Total push budget, USD PPP (participants served poorest first). "
        "None (omit the key) = no limit. Assumption: no limit by default.",
    )
    fixed_cost_usd_ppp: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="Fixed programme cost (set-up, staff), USD PPP. Assumption.",
    )
    eligible_share: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Share of households the proxy means test declares eligible. Assumption.",
    )
    pmt_noise_sd: float = Field(
        0.35,
        ge=0,
        le=10,
        description="Noise in the proxy means test, SD of the log score. Assumption "
        "(PMTs misclassify many; Brown, Ravallion & van de Walle 2018).",
    )
    targeting: str = Field(
        "pmt",
        description="Targeting rule, the kind of a registered targeting component: pmt "
        "(proxy means test), community (wealth ranking), random or network (through "
        "central households); `pushpull interventions` lists them. Assumption: PMT.",
    )
    targeting_options: dict[str, float | int] = Field(
        default_factory=dict,
        description="Options of the targeting rule (its parameters), e.g. "
        "elite_capture_share (community) or entry_share (network); `pushpull "
        "interventions` lists them. Assumption: none (every option at its default).",
    )
    take_up: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Share of households offered the programme who take it up. Assumption "
        "(Banerjee et al. 2015 report high take-up).",
    )
    interventions: list[Any] = Field(
        default_factory=list, description="Push interventions, each a table with a 'type'."
    )

    @field_validator("targeting")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        rules = registry("targeting")
        if v not in rules:
            raise PydanticCustomError(
                "component",
                "{where}",
                {
                    "where": "programme.targeting",
                    "value": _show(v),
                    "allowed": "unknown targeting rule; allowed: " + ", ".join(rules),
                },
            )
        return v

    @field_validator("interventions", mode="before")
    @classmethod
    def _build_interventions(cls, v: Any) -> list[Any]:
        return _build_components(v, REGISTRY, "programme.interventions", "intervention")

    @model_validator(mode="after")
    def _targeting_options(self) -> Programme:
        try:
            check_options(self.targeting, self.targeting_options)
        except ValueError as exc:
            raise PydanticCustomError(
                "targeting_options", "targeting_options.{msg}", {"msg": str(exc)}
            ) from None
        return self

    @model_validator(mode="after")
    def _budget_covers_fixed_cost(self) -> Programme:
        if self.budget_usd_ppp is not None and self.fixed_cost_usd_ppp > self.budget_usd_ppp:
            raise PydanticCustomError(
                "fixed_cost",
                "fixed_cost_usd_ppp = {fixed}: must be <= budget_usd_ppp ({budget})",
                {"fixed": self.fixed_cost_usd_ppp, "budget": self.budget_usd_ppp},
            )
        return self

    @model_validator(mode="after")
    def _one_of_each_unique_type(self) -> Programme:
        seen: set[str] = set()
        for i, p in enumerate(self.interventions):
            if p.type in seen and REGISTRY[p.type].unique:
                raise PydanticCustomError(
                    "unique",
                    "interventions[{i}].type = '{t}': at most one {t} per programme (its "
                    "households' state is shared)",
                    {"i": i, "t": p.type},
                )
            seen.add(p.type)
        return self

    @model_validator(mode="after")
    def _window(self) -> Programme:
        if self.end_month < self.start_month:
            raise PydanticCustomError(
                "window",
                "end_month = {end}: must be >= start_month ({start})",
                {"end": self.end_month, "start": self.start_month},
            )
        return self


class Pull(_Group):
    """Pull actors: commercial buyers, agents and lenders (Mesa agents with their own books)."""

    actors: list[Any] = Field(
        default_factory=list,
        description="Pull actors, each a table with a 'type' (see pushpull_sim.pull). "
        "Assumption: none.",
    )

    @field_validator("actors", mode="before")
    @classmethod
    def _build_actors(cls, v: Any) -> list[Any]:
        from pushpull_sim.pull import PULL_REGISTRY  # the pull package imports this module

        return _build_components(v, PULL_REGISTRY, "pull.actors", "pull actor")


class _StrategyTable(_Group):
    """How push and pull are integrated: a named bundle of disconnect levers.

    ``name`` picks a bundle of :data:`pushpull_sim.levers.STRATEGIES` (``custom``, the
    default, leaves every component exactly as written); any other key set here overrides
    that lever of the bundle. Unset keys (None) take the bundle's value; the resolved
    values are :attr:`Scenario.levers`. Every key after ``name`` is declared in
    :data:`pushpull_sim.levers.LEVERS` (with the table of mechanisms and levers); every
    bundle value is an Assumption.
    """

    def resolved(self) -> dict[str, Any]:
        """Every lever's value: the bundle's, overridden by the keys set here.

        Returns:
            dict: ``{lever: value}``, keys of :data:`pushpull_sim.levers.CUSTOM` plus
            the settings (costs and the readiness rule); see
            :func:`pushpull_sim.levers.resolve`.
        """
        return resolve_levers(self.model_dump())


#: The ``[strategy]`` table: ``name`` and one field per entry of
#: :data:`pushpull_sim.levers.LEVERS`, generated from those declarations.
Strategy = create_model(
    "Strategy",
    __base__=_StrategyTable,
    __module__=__name__,
    __doc__=_StrategyTable.__doc__,
    name=(
        Literal[BUNDLES],  # type: ignore[valid-type]
        Field(
            "custom",
            description="Strategy bundle: custom (components as written), none, push_only, "
            "pull_only, siloed, sequenced or layered. Assumption: custom.",
        ),
    ),
    **{lever.name: lever.field() for lever in LEVERS},
)


class RCT(_Group):
    """The virtual randomised controlled trial."""

    unit: Literal["household", "village"] = Field(
        "household",
        description="Unit of randomisation. Assumption (household); Source for village: "
        "Bandiera et al. 2017 randomised by area.",
    )
    treatment_share: float = Field(
        0.5, gt=0, lt=1, description="Share of eligible units assigned to treatment. Assumption."
    )
    itt_months: list[int] = Field(
        [24, 36],
        description="Months after programme start at which ITT effects are estimated "
        "(Source: Banerjee et al. 2015 report 24 and 36).",
    )

    @field_validator("itt_months")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if not v or any(m < 1 for m in v):
            raise PydanticCustomError("itt_months", "must be a non-empty list of months >= 1")
        return sorted(set(v))


class Output(_Group):
    """What is recorded."""

    household_months: list[int] = Field(
        [0, 12, 24, 36, 60, 120],
        description="Months at which the household panel is recorded (0 = baseline survey). "
        "Assumption.",
    )

    record_every_months: int = Field(
        1,
        ge=1,
        le=1200,
        description="Monthly aggregates are recorded every this many months, plus month 0 and "
        "the horizon (1 = every month). Assumption.",
    )

    @field_validator("household_months")
    @classmethod
    def _nonneg(cls, v: list[int]) -> list[int]:
        if any(m < 0 for m in v):
            raise PydanticCustomError("months", "must be a list of months >= 0")
        return sorted(set(v))


class Scenario(_Group):
    """A complete scenario.

    Attributes:
        name: Short name, used in run directory names.
        description: Free text.
        run, population, livelihood, enterprise, short_cycle, behaviour, shocks, network,
        poverty, graduation, status, programme, pull, strategy, rct, output: Parameter
        groups (see each class).

    Raises:
        pydantic.ValidationError: On construction from Python with bad values; use
            :func:`load_scenario` / :func:`scenario_from_dict` for one-line errors.
    """

    name: str = Field("scenario", min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    run: RunSettings = RunSettings()
    population: Population = Population()
    livelihood: Livelihood = Livelihood()
    enterprise: Enterprise = Enterprise()
    short_cycle: ShortCycle = ShortCycle()
    behaviour: Behaviour = Behaviour()
    shocks: Shocks = Shocks()
    network: Network = Network()
    poverty: Poverty = Poverty()
    graduation: Graduation = Graduation()
    status: Status = Status()
    programme: Programme = Programme()
    pull: Pull = Field(default_factory=Pull)  # built on use: the pull package loads Mesa
    strategy: Strategy = Strategy()
    rct: RCT = RCT()
    output: Output = Output()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        p = self.population
        if p.villages > p.households:
            raise PydanticCustomError(
                "villages",
                "population.villages = {v}: must be <= population.households ({h})",
                {"v": p.villages, "h": p.households},
            )
        prog = self.programme
        for where, family, items in (
            ("programme.interventions", "intervention", prog.interventions),
            ("pull.actors", "pull_actor", self.pull.actors),
        ):
            types = registry(family)
            for i, params in enumerate(items):
                problem = types[params.type].check_scenario(params, self)
                if problem:
                    raise PydanticCustomError(
                        "villages", "{where}[{i}]: {msg}", {"where": where, "i": i, "msg": problem}
                    )
        for i, actor in enumerate(self.pull.actors):
            if actor.count > p.villages:
                raise PydanticCustomError(
                    "villages",
                    "pull.actors[{i}].count = {c}: must be <= population.villages ({v}); "
                    "each actor serves at least one village",
                    {"i": i, "c": actor.count, "v": p.villages},
                )
        levers = self.levers
        window = prog.end_month - prog.start_month
        if levers["transition"] == "fixed" and levers["switch_month"] > window:
            raise PydanticCustomError(
                "villages",
                "strategy.switch_month = {s}: must be <= the programme window ({w} months)",
                {"s": levers["switch_month"], "w": window},
            )
        if prog.budget_usd_ppp is not None:
            left = push_budget_of(prog.budget_usd_ppp, prog.fixed_cost_usd_ppp, window, levers)
            if left < 0:
                raise PydanticCustomError(
                    "villages",
                    "programme.budget_usd_ppp = {b}: must cover the pull share, the "
                    "integration lead and the fixed cost (short by {s})",
                    {"b": prog.budget_usd_ppp, "s": f"{-left:,.0f}"},
                )
        if self.network.mean_degree >= p.households // p.villages:
            raise PydanticCustomError(
                "degree",
                "network.mean_degree = {d}: must be < households per village ({n})",
                {"d": self.network.mean_degree, "n": p.households // p.villages},
            )
        return self

    @property
    def levers(self) -> dict[str, Any]:
        """The strategy's resolved lever values (see :meth:`Strategy.resolved`); an unset
        ``switch_month`` is half the programme window (at least 1)."""
        values = self.strategy.resolved()
        if values["switch_month"] is None:
            window = self.programme.end_month - self.programme.start_month
            values["switch_month"] = max(window // 2, 1)
        return values

    def with_overrides(self, **groups: dict[str, Any]) -> Scenario:
        """Return a copy with some parameters replaced (a variant = base + small update).

        Args:
            **groups: ``group_name={"param": value, ...}``, or ``name=...``.

        Returns:
            Scenario: A new, validated scenario.

        Raises:
            ScenarioError: If the result is invalid.
        """
        data = self.to_dict()
        for group, values in groups.items():
            if isinstance(values, dict) and isinstance(data.get(group), dict):
                data[group].update(values)
            else:
                data[group] = values
        return scenario_from_dict(data, source="<overrides>")

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain data (TOML-ready; unset optional values omitted)."""
        return self.model_dump(mode="json", exclude_none=True)


def _show_key(part: Any) -> str:
    text = str(part)
    return text if text.isprintable() else repr(text)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{...}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed(err: dict[str, Any], model: type[BaseModel] | None) -> str:
    """Turn one pydantic error into 'what is allowed'."""
    kind = err["type"]
    if kind == "extra_forbidden" and model is not None:
        return "unknown key; allowed: " + ", ".join(model.model_fields)
    ctx = err.get("ctx") or {}
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}"
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else msg


def _submodel(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return None
    return model


def format_error(source: str, exc: ValidationError) -> str:
    """Render the first error of a validation failure as one line.

    Args:
        source: The scenario file's path (or a label).
        exc: The validation error.

    Returns:
        str: ``"<source>: <key> = <value>: <what is allowed>"``.
    """
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if err["type"] == "component":
        ctx = err["ctx"]
        if not ctx["allowed"]:
            return f"{source}: {ctx['where']}"
        return f"{source}: {ctx['where']} = {ctx['value']}: {ctx['allowed']}"
    programme_level = {"window", "targeting_options", "fixed_cost", "unique"}
    if err["type"] in {"villages", "degree"} | programme_level:
        prefix = "programme." if err["type"] in programme_level else ""
        return f"{source}: {prefix}{err['msg']}"
    key = ".".join(_show_key(p) for p in loc) or "(top level)"
    value = _show(err.get("input"))
    return f"{source}: {key} = {value}: {_allowed(err, _submodel(loc))}"


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
        raise ScenarioError(format_error(source, exc)) from None


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
    if path.is_dir():
        raise ScenarioError(f"{path}: is a directory, not a scenario file")
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
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
