"""The scenario's parameter groups that hold no components: one pydantic model per concern.

Every parameter declares its unit and its source, or the word "assumption". Money is USD
at 2021 purchasing-power parity (USD PPP), per household unless the name says otherwise;
time is in months.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from pushpull_sim.units import MAX_VALUE  # bound of open-ended parameters


class _Group(BaseModel):
    """Base of every group: unknown keys are errors, values are strict and validated,
    defaults included, and a scenario is frozen once validated."""

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
    initial_durables_median_usd_ppp: float = Field(
        60.0,
        ge=0,
        le=MAX_VALUE,
        description="Median value of household durable goods (bedding, pots, a radio or "
        "phone, a bicycle) at baseline, USD PPP. Assumption: the ultra-poor own few "
        "durables; the six-country trial counts them in its asset index (household asset "
        "value beside productive asset value, Banerjee et al. 2015).",
    )
    initial_durables_sigma: float = Field(
        0.8, ge=0, le=5, description="Log-sd of baseline durables. Assumption."
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
    casual_work_concentration: float = Field(
        0.0,
        ge=0,
        le=1e6,
        description="How unevenly casual work is shared: each household's most casual work, "
        "as a share of its labour days, is drawn from a beta distribution with mean "
        "livelihood.employment_rate and this concentration (6: SD about 0.18 around 0.65; "
        "larger, more even); 0 = every household finds exactly the mean. Assumption: 0 "
        "(no published figure for the spread); some households have regular employers, "
        "others rarely find work.",
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
        description="Most casual work a household finds, as a share of its labour days, on "
        "average (seasonal, rationed demand; population.casual_work_concentration spreads "
        "it across households): days beyond it are idle, and own production takes its days "
        "from idle time before it displaces casual work. Assumption; the poorest women in "
        "Bandiera et al. 2017 worked about two months a year less than others.",
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
    labour_days_per_1000_usd_ppp: float = Field(
        9.5,
        ge=0,
        le=MAX_VALUE,
        description="Days of household labour a month that each USD 1,000 of livestock "
        "takes (grazing, fodder, water, milking), taken first from the days casual work "
        "does not absorb. Assumption: about 2 hours a day for a head of cattle worth about "
        "USD 800; livestock care is labour the six-country trial's time-use index counts "
        "(Banerjee et al. 2015) and that Anagol, Etang & Karlan (2017) cost at the wage.",
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
    outbreak_exposed: bool = Field(
        False,
        description="Whether regional outbreaks (shocks.outbreak_*) destroy this activity's "
        "units. Assumption: a shop's stock does not catch a livestock disease.",
    )
    labour_days_per_1000_usd_ppp: float = Field(
        20.0,
        ge=0,
        le=MAX_VALUE,
        description="Days of household labour a month that each USD 1,000 of stock takes "
        "(buying, selling, keeping shop). Assumption: petty trade is time-intensive.",
    )


class ShortCycle(Enterprise):
    """A less risky entry point (the LEO call's pull option): a low-input, short-season
    product that buyers also purchase (vegetables, poultry). Lower returns, a low
    threshold, little exposure to drought; outbreaks (poultry disease, pests) still
    strike it."""

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
    outbreak_exposed: bool = Field(
        True,
        description="Whether regional outbreaks destroy this activity's units. Assumption: "
        "poultry disease and crop pests strike short-cycle products too.",
    )
    labour_days_per_1000_usd_ppp: float = Field(
        15.0,
        ge=0,
        le=MAX_VALUE,
        description="Days of household labour a month that each USD 1,000 of the "
        "short-cycle activity takes (tending poultry or a vegetable plot). Assumption.",
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
    durables_share_of_surplus: float = Field(
        0.12,
        ge=0,
        le=1,
        description="Share of spending above subsistence that buys household durable goods "
        "(the rest is non-durable consumption). Assumption: durables are a small share of "
        "the very poor's budget that rises with income (Engel's law for necessities).",
    )
    durables_depreciation_monthly: float = Field(
        0.015,
        ge=0,
        le=1,
        description="Monthly depreciation of household durables (about 17 % a year). Assumption.",
    )
    distress_sale_discount: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Discount on assets (durables first, then productive assets) sold in "
        "distress. Assumption (Fafchamps, Udry & Czukas 1998 report sharp livestock price "
        "falls in bad years).",
    )


class _Event(_Group):
    """A scheduled shock: what happens, where, and in which model month."""

    month: int = Field(
        ...,
        ge=1,
        le=1200,
        description="Model month it strikes (month 0 is the baseline survey; the "
        "programme's first month is programme.start_month + 1).",
    )


class DroughtEvent(_Event):
    """A covariate drought in given regions: lower yields, casual work and asset prices
    (the shocks.drought_* losses), for ``duration_months``."""

    type: Literal["drought"]
    duration_months: int = Field(
        6, ge=1, le=1200, description="Months the drought lasts. Assumption (one season)."
    )
    regions: list[int] | None = Field(
        None, description="Regions struck (ids from 0); omit the key for every region."
    )


class OutbreakEvent(_Event):
    """A disease outbreak (or pest, or a fire) that destroys a share of one kind of
    productive asset, e.g. the transferred animals, in given villages or arms."""

    type: Literal["outbreak"]
    share: float = Field(
        ..., gt=0, le=1, description="Share of each unit at risk that dies (per unit)."
    )
    asset_kind: Literal["livestock", "enterprise", "short_cycle", "all"] = Field(
        "livestock", description="Which kind of productive asset is struck."
    )
    villages: list[int] | None = Field(
        None, description="Villages struck (ids from 0); omit the key for every village."
    )
    arm: Literal["all", "treatment", "control", "eligible", "participants"] = Field(
        "all",
        description="Households struck within those villages: everyone, an arm of the "
        "virtual trial, the eligible, or the programme's participants.",
    )


class PriceEvent(_Event):
    """A price shock in given regions for ``duration_months``: the price of output sold,
    of inputs bought, or of assets sold moves by ``change`` (e.g. -0.3: 30 % lower)."""

    type: Literal["price"]
    what: Literal["output", "input", "asset"] = Field(
        ..., description="Which price: output sold, inputs bought, or assets sold."
    )
    change: float = Field(
        ..., gt=-1, le=10, description="Relative change of the price (-0.3 = 30 % lower)."
    )
    duration_months: int = Field(
        1, ge=1, le=1200, description="Months the price stays moved. Assumption: one."
    )
    regions: list[int] | None = Field(
        None, description="Regions struck (ids from 0); omit the key for every region."
    )


#: Scheduled shocks by ``type``.
EVENT_TYPES: dict[str, type[_Event]] = {
    "drought": DroughtEvent,
    "outbreak": OutbreakEvent,
    "price": PriceEvent,
}


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
    scheduled: list[DroughtEvent | OutbreakEvent | PriceEvent] = Field(
        default_factory=list,
        description="Shocks on a schedule, besides the random ones, to stress-test a "
        "programme ('what if the animals die in year 1?'): [[shocks.scheduled]] tables "
        "with type = 'drought', 'outbreak' or 'price' (see each). Assumption: none.",
    )

    @field_validator("scheduled", mode="before")
    @classmethod
    def _events(cls, v: Any) -> list[Any]:
        from pushpull_sim.scenario.errors import validate_tables

        return validate_tables(v, EVENT_TYPES, "shocks.scheduled", "scheduled shock")


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


class Survey(_Group):
    """The virtual trial's household survey: what it asks and over what recall period.

    The trial's outcomes are survey measures, not one month's state: consumption over the
    last month, income over the last year, assets at the survey date (Banerjee et al.
    2015, Science 348(6236), supplementary materials). The survey is taken at baseline
    (month 0) and ``rct.itt_months`` after the programme starts, among eligible
    households; see :mod:`pushpull_sim.survey`.
    """

    consumption_recall_months: int = Field(
        1,
        ge=1,
        le=24,
        description="Months of consumption the survey's consumption module covers (mean "
        "over them). Assumption: the last 30 days, as household consumption surveys ask; "
        "the six-country trial reports consumption per capita per month.",
    )
    income_recall_months: int = Field(
        12,
        ge=1,
        le=24,
        description="Months of income and revenues the survey covers (monthly mean over "
        "them). Assumption: the last 12 months, as income modules ask; the trial reports "
        "income per month.",
    )
    time_recall_days: int = Field(
        7,
        ge=1,
        le=31,
        description="Days the time-use module asks about: days worked in the last N days, "
        "each day worked with the probability the household's month implies, so a short "
        "recall reports with the sampling noise a real one has. Assumption: the last week "
        "(the six-country trial's time-use recall was not verified here).",
    )
    food_security_recall_months: int = Field(
        12,
        ge=1,
        le=24,
        description="Months the food-security questions cover (share of months without a "
        "shortfall). Assumption: the past year.",
    )
    durables_recall_months: int = Field(
        12,
        ge=1,
        le=24,
        description="Months of durable-goods purchases the consumption module covers "
        "(monthly mean over them), added to non-durable consumption over "
        "consumption_recall_months. Assumption: the last 12 months, as consumption surveys "
        "ask about infrequent purchases (Deaton & Zaidi 2002, World Bank LSMS WP 135).",
    )
    measurement_error_sd: float = Field(
        0.25,
        ge=0,
        le=3,
        description="Survey measurement error of money amounts: each reported value is the "
        "true one times a mean-one lognormal error with this log-SD, drawn per household, "
        "measure and survey round; the default of the three modules' settings below. "
        "Assumption: recall surveys of consumption and income carry large errors (Beegle et "
        "al. 2012, J. Dev. Econ. 98(1); Gibson, Beegle, De Weerdt & Friedman 2015, Oxf. "
        "Bull. Econ. Stat. 77(3)); 0 = measured exactly.",
    )
    consumption_error_sd: float | None = Field(
        None,
        ge=0,
        le=3,
        description="Log-SD of the consumption module's error (non-durable consumption, "
        "durables bought); None = measurement_error_sd. Assumption: consumption modules "
        "are the most carefully measured money amounts (Beegle et al. 2012).",
    )
    income_error_sd: float | None = Field(
        None,
        ge=0,
        le=3,
        description="Log-SD of the income module's error (livestock and crop revenue, "
        "business income, wages, earned income over a year's recall); None = "
        "measurement_error_sd. Assumption: income of self-employed rural households is "
        "measured with more error than consumption (Deaton 1997, The Analysis of "
        "Household Surveys, ch. 1).",
    )
    stock_error_sd: float | None = Field(
        None,
        ge=0,
        le=3,
        description="Log-SD of the error in reported stocks (values of productive assets "
        "and durables, savings, loans outstanding); None = measurement_error_sd. "
        "Assumption: owners value animals and goods without a recent price.",
    )

    def error_sd(self) -> dict[str, float]:
        """The log-SD of each survey module's measurement error.

        Returns:
            dict[str, float]: ``{"consumption": ..., "income": ..., "stock": ...}``.
        """
        base = self.measurement_error_sd
        return {
            "consumption": base if self.consumption_error_sd is None else self.consumption_error_sd,
            "income": base if self.income_error_sd is None else self.income_error_sd,
            "stock": base if self.stock_error_sd is None else self.stock_error_sd,
        }


class Evaluation(_Group):
    """How benefits are valued against costs (the benefit-cost ratio).

    Following the six-country trial (Banerjee et al. 2015, Science 348(6236), Table 4):
    benefits are the gains in non-durable consumption (durables bought are assets, which
    can later be consumed), costs are the programme's, both per household of the
    treatment arm and in present value at the programme's start. The persistence and
    discount settings below are our reading of that method; the paper's exact
    assumptions could not be verified here, so each is a parameter.
    """

    discount_rate_yearly: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Discount rate for benefits and costs, per year. Assumption: a common "
        "social discount rate.",
    )
    benefit_persistence_years: float | None = Field(
        None,
        ge=0,
        le=200,
        description="Years the consumption gain measured last (at the last survey round, or "
        "at the horizon for the simulated ratio) lasts after it; None (omit the key) = for "
        "good. Assumption: the trial found gains that held a year after the programme ended.",
    )
    benefit_decay_yearly: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of that gain lost each year after it is last measured. Assumption: "
        "0 (no decay).",
    )
    include_assets: bool = Field(
        False,
        description="Also count the gain in productive assets and durables at the last "
        "measurement as a one-off benefit then. Assumption: off, as the trial's ratio.",
    )


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

    events: bool = Field(
        True,
        description="Keep the household event log and the trial sample's monthly paths "
        "(events.parquet, paths.parquet; `pushpull story`, the dashboard's stories); it "
        "never changes the model's numbers. Assumption: on (its own call costs about 3 % "
        "of a month at 100,000 households, docs/performance.md).",
    )

    @field_validator("household_months")
    @classmethod
    def _nonneg(cls, v: list[int]) -> list[int]:
        if any(m < 0 for m in v):
            raise PydanticCustomError("months", "must be a list of months >= 0")
        return sorted(set(v))
