"""Credit providers: commercial screening, take-up, books, defaults and exit."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.pull import Lender
from pushpull_sim.scenario import ScenarioError, scenario_from_dict


def lending(months=24, interventions=(), **lender):
    return small(
        run={"months": months},
        programme={"interventions": list(interventions)},
        pull={"actors": [{"type": "lender", "count": 2, **lender}]},
    )


def ever_borrowed(model):
    out = np.zeros(model.hh.n, bool)
    for a in model.pull_actors:
        out |= a.ever_borrowed
    return out


def test_pull_only_credit_reaches_few_of_the_very_poor_and_barely_moves_income():
    """Banerjee, Karlan & Zinman (2015): take-up 13-31 %, no significant income effect."""
    sc = scenario_from_dict(
        {
            "run": {"months": 24},
            "programme": {"interventions": []},
            "pull": {"actors": [{"type": "lender", "count": 2}]},
        }
    )
    with_credit = GraduationModel(sc).run()
    without = GraduationModel(sc.with_overrides(pull={"actors": []})).run()
    borrowed = ever_borrowed(with_credit)
    assert 0.13 <= borrowed.mean() <= 0.31
    # borrowers set their instalments aside and loans are sized to their income, so few
    # default: microlenders report repayment rates of 95 % and more
    defaulted = np.zeros(with_credit.hh.n, bool)
    for a in with_credit.pull_actors:
        defaulted |= a.excluded
    assert defaulted.sum() < 0.05 * borrowed.sum()
    very_poor = with_credit.hh.eligible
    assert borrowed[very_poor].mean() < 0.5 * borrowed[~very_poor].mean()
    change = with_credit.hh.income_12m.mean() / without.hh.income_12m.mean() - 1
    assert abs(change) < 0.03


def test_tiny_loans_do_not_pay_so_the_very_poor_are_excluded_by_the_fixed_cost():
    open_door = {"min_assets_usd_ppp": 0.0, "min_savings_usd_ppp": 0.0}
    costly = GraduationModel(lending(**open_door)).run()
    lender = costly.pull_actors[0]
    p = lender.params
    spread = (p.interest_rate_yearly - p.cost_of_funds_yearly) / 12
    break_even = p.fixed_cost_per_loan_usd_ppp / (
        spread * (p.term_months + 1) / 2 - p.expected_default_rate
    )
    assert lender.minimum_profitable_loan() == pytest.approx(break_even)
    for a in costly.pull_actors:
        assert a.ever_borrowed.any()
        assert a.principal[a.ever_borrowed].min() >= break_even
    free = GraduationModel(lending(fixed_cost_per_loan_usd_ppp=0.0, **open_door)).run()
    poor = free.hh.eligible
    assert ever_borrowed(free)[poor].mean() > ever_borrowed(costly)[poor].mean() + 0.1


def test_every_payment_appears_on_both_books():
    m = GraduationModel(lending(months=30))
    paid = 0.0
    for _ in range(30):
        m.step()
        paid += m.hh.interest_paid.sum()
        assert np.abs(m.hh.accounting_residual()).max() < 1e-8
        owed = sum(a.balance for a in m.pull_actors)
        np.testing.assert_allclose(m.hh.debt, owed, atol=1e-8)
    revenue = sum(a.revenue_usd_ppp for a in m.pull_actors)
    assert paid == pytest.approx(revenue)
    assert revenue == pytest.approx(sum(a.interest_paid_total.sum() for a in m.pull_actors))
    books = m.pull_records()
    assert books["revenue_usd_ppp"].sum() == pytest.approx(revenue)
    assert set(books.columns) >= {
        "month",
        "actor",
        "kind",
        "profit_usd_ppp",
        "clients",
        "clients_extreme_poor",
        "loans_made",
    }


def test_default_seizes_assets_writes_off_the_rest_and_excludes():
    m = GraduationModel(lending(months=12))
    lender: Lender = m.pull_actors[0]
    hh = m.hh
    i = int(np.flatnonzero(lender.in_footprint(m))[0])
    lender.balance[i] = 1000.0
    lender.months_left[i] = 6
    lender.arrears[i] = lender.params.default_after_months - 1
    hh.debt[i] += 1000.0
    hh.lender[i] = lender.unique_id
    hh.assets[i] = 300.0
    hh.savings[i] = 0.0
    hh.begin_month()
    lender.settle(m)
    value = 1 - lender.params.seizure_discount
    assert lender.excluded[i] and lender.balance[i] == 0.0
    assert hh.assets[i] == pytest.approx(0.0)
    assert hh.debt_written_off[i] == pytest.approx(1000.0 - 300.0 * value)
    assert hh.asset_losses[i] == pytest.approx(300.0 * (1 - value))
    assert abs(hh.accounting_residual()[i]) < 1e-9


def test_an_unprofitable_lender_leaves_the_market():
    m = GraduationModel(lending(months=30, operating_cost_usd_ppp_per_month=1e6))
    m.run()
    assert all(not a.active for a in m.pull_actors)
    assert all(a.exited_month == 12 for a in m.pull_actors)
    made_after = m.pull_records().query("month > 12")["loans_made"].sum()
    assert made_after == 0


def test_a_savings_group_record_opens_credit_to_poor_members():
    groups = [{"type": "savings_group"}]
    terms = {
        "min_assets_usd_ppp": 5000.0,  # assets alone qualify almost no member
        "fixed_cost_per_loan_usd_ppp": 1.0,  # small loans pay
        "application_prob_monthly": 0.2,
        "group_record_min_repayment": 0.5,
        "exit_after_loss_months": 0,  # stays while members build a record
    }
    on = GraduationModel(
        lending(months=40, interventions=groups, accepts_group_record=True, **terms)
    ).run()
    strict = GraduationModel(lending(months=40, interventions=groups, **terms)).run()
    members = on.interventions[0].ever_member
    assert ever_borrowed(on)[members].sum() >= ever_borrowed(strict)[members].sum() + 5
    assert strict.pull_actors[0].params.accepts_group_record is False


def test_unknown_pull_actor_type_is_a_one_line_error():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"pull": {"actors": [{"type": "bank"}]}}, source="s.toml")
    msg = str(info.value)
    assert msg.startswith("s.toml: pull.actors[0].type = 'bank': unknown pull actor type; ")
    assert "allowed: " in msg and "lender" in msg and "buyer" in msg and "\n" not in msg
    with pytest.raises(ScenarioError, match=r"pull.actors\[0\].interest_rate_yearly = 9.0"):
        scenario_from_dict({"pull": {"actors": [{"type": "lender", "interest_rate_yearly": 9.0}]}})


def test_run_outputs_report_pull_actors(tmp_path, capsys):
    import json

    import pandas as pd

    from pushpull_sim.cli import main

    path = tmp_path / "credit.toml"
    path.write_text(
        'name = "credit"\n[run]\nmonths = 30\nreplications = 2\n'
        "[population]\nhouseholds = 400\nvillages = 4\nburn_in_months = 12\n"
        '[[pull.actors]]\ntype = "lender"\ncount = 2\noperating_cost_usd_ppp_per_month = 20.0\n'
    )
    out = tmp_path / "o"
    assert main(["run", str(path), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Pull actors still in the market at the horizon" in printed
    s = json.loads((out / "summary.json").read_text())
    assert s["pull_actors_viable_at_horizon"] == {"lender": 2.0}
    assert 0 < s["credit_take_up"]["all"] < 1
    books = pd.read_parquet(out / "pull_actors.parquet")
    assert set(books["replication"]) == {0, 1}
    assert books.groupby(["replication", "actor"]).size().eq(30).all()  # months 1..30


def test_a_lender_that_left_pays_no_running_cost_and_start_up_losses_do_not_end_it():
    gone = GraduationModel(lending(months=30, operating_cost_usd_ppp_per_month=1e6)).run()
    after = gone.pull_records().query("month > 12")
    assert (after["cost_usd_ppp"] < 1e6).all() and not after["active"].any()
    # the default lender loses money in its first months (fixed costs before interest
    # comes in) but stays: exit needs a loss in every one of 12 consecutive months
    stays = GraduationModel(lending(months=36, operating_cost_usd_ppp_per_month=50.0)).run()
    books = stays.pull_records()
    first = books.query("actor == @stays.pull_actors[0].unique_id")
    assert (first["profit_usd_ppp"].iloc[:3] < 0).any()
    assert all(a.active for a in stays.pull_actors)


def test_each_lender_needs_a_village():
    with pytest.raises(ScenarioError, match=r"pull.actors\[0\].count = 5: must be <= "):
        scenario_from_dict(
            {
                "population": {"households": 200, "villages": 4},
                "network": {"mean_degree": 6},
                "pull": {"actors": [{"type": "lender", "count": 5}]},
            }
        )


def test_a_zero_loan_is_never_made():
    m = GraduationModel(
        lending(
            months=6,
            max_loan_usd_ppp=0.0,
            fixed_cost_per_loan_usd_ppp=0.0,
            min_assets_usd_ppp=0.0,
            min_savings_usd_ppp=0.0,
            application_prob_monthly=0.5,
        )
    ).run()
    assert not any(a.ever_borrowed.any() for a in m.pull_actors)
    assert (m.hh.lender == -1).all()
    assert m.pull_records()["loans_made"].sum() == 0


def test_implementer_window_is_checked_against_the_programme_window():
    with pytest.raises(ScenarioError, match=r"pull.actors\[0\]: support window ends \(month 36\)"):
        scenario_from_dict({"pull": {"actors": [{"type": "implementer", "start_month": 40}]}})


def test_a_guarantee_pays_its_share_of_a_defaulted_loan_from_the_project_budget():
    sc = small(
        run={"months": 12},
        programme={"interventions": []},
        pull={
            "actors": [
                {"type": "implementer", "lender_guarantee_share": 0.8, "budget_usd_ppp": 500.0},
                {"type": "lender"},
            ]
        },
    )
    m = GraduationModel(sc)
    m.step()  # the project sets its support: the guarantee and who pays it
    project, lender = m.pull_actors
    assert lender.support["guarantor"] is project and lender.support["guarantee_share"] == 0.8
    hh = m.hh
    poor = np.flatnonzero(m.pull_list & lender.in_footprint(m) & (hh.lender < 0))
    i, j = int(poor[0]), int(poor[1])
    for k, share in ((i, 0.8), (j, 0.0)):  # one guaranteed loan, one not
        lender.balance[k] = 1000.0
        lender.months_left[k] = 6
        lender.arrears[k] = lender.params.default_after_months - 1
        lender.guaranteed[k] = share
        hh.debt[k] += 1000.0
        hh.lender[k] = lender.unique_id
        hh.assets[k] = 0.0
        hh.savings[k] = 0.0
    lender.guarantor = project
    cost_before = m.costs["pull_implementer"].sum()
    spent_before = project.spent_usd_ppp
    hh.begin_month()
    lender.settle(m)
    claim = 0.8 * 1000.0
    paid = min(claim, 500.0 - spent_before)  # no more than the budget left
    assert lender.claims_paid_usd_ppp == pytest.approx(paid)
    assert project.spent_usd_ppp == pytest.approx(spent_before + paid)
    assert m.costs["pull_implementer"].sum() == pytest.approx(cost_before + paid)
    assert lender.records[-1]["revenue_usd_ppp"] >= paid  # the claim is the lender's revenue
    assert lender.guaranteed[i] == 0.0 and lender.excluded[i] and lender.excluded[j]
    # the project books the claim in its next month's record
    m.step()
    assert project.records[-1]["guarantee_claims_usd_ppp"] == pytest.approx(paid)
