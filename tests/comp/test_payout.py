"""Hand-computed statements for each plan shape, to the cent.

Unless a test says otherwise: OTE 100,000 at a 50/50 mix → 50,000 variable a year → a target
incentive (TI) of 12,500.00 per quarter for a component of weight 100; each AM's quota is
100,000.00 per quarter. Attainment A = credit / quota.
"""

from __future__ import annotations

from decimal import Decimal

from salesorg.comp.credit import set_splits
from salesorg.comp.payout import payouts
from salesorg.store import Store

from .conftest import add_deal, put_plan

D = Decimal


def _line(run, person: str, component: str = "bookings", period: str | None = None):
    for st in run.statements:
        if st.person_id == person and (period is None or st.period.label == period):
            for ln in st.lines:
                if ln.component.id == component:
                    return st, ln
    raise AssertionError(f"no line for {person} {component}")


def _money(cents: int) -> Decimal:
    return D(cents) / 100


def test_flat_rate_pays_a_percentage_of_bookings(company: Store) -> None:
    put_plan(company, '[[components]]\nid = "bookings"\nweight = 100\ncommission_rate = 5\n')
    add_deal(company, "O1", "A1", "12345.67", "2026-07-10")
    add_deal(company, "O2", "A1", "1000.01", "2026-08-10")
    # 5 % of (12,345.67 + 1,000.01 = 13,345.68) = 667.284 → 667.28
    st, ln = _line(payouts(company, "2026Q3"), "A1")
    assert _money(ln.credit_cents) == D("13345.68")
    assert _money(ln.payout_cents) == D("667.28")
    assert [d["opportunity_id"] for d in ln.deals] == ["O1", "O2"]
    assert _money(st.payable_cents) == D("667.28")


def test_linear_tier_pays_target_times_attainment(company: Store) -> None:
    put_plan(
        company, '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n'
    )
    add_deal(company, "O1", "A1", "87654.32", "2026-09-30")
    # A = 0.8765432; 12,500 × 0.8765432 = 10,956.79
    _, ln = _line(payouts(company, "2026Q3"), "A1")
    assert ln.attainment == D("0.8765")
    assert _money(ln.payout_cents) == D("10956.79")


def test_accelerator_doubles_the_rate_above_quota_and_rounds_half_up(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\n'
        "tiers = [{from = 0, rate = 1}, {from = 100, rate = 2}]\n",
    )
    add_deal(company, "O1", "A1", "123456.78", "2026-08-01")
    # A = 1.2345678; f = 1 + 2 × 0.2345678 = 1.4691356; 12,500 × f = 18,364.195 → 18,364.20
    _, ln = _line(payouts(company, "2026Q3"), "A1")
    assert _money(ln.payout_cents) == D("18364.20")


def test_decelerator_pays_half_rate_below_half_of_quota(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\n'
        "tiers = [{from = 0, rate = 0.5}, {from = 50, rate = 1}]\n",
        people=("A1", "A2"),
    )
    add_deal(company, "O1", "A1", "40000.00", "2026-08-01")
    add_deal(company, "O2", "A2", "70000.00", "2026-08-01")
    run = payouts(company, "2026Q3")
    # A1: A = 0.4; f = 0.5 × 0.4 = 0.2; 12,500 × 0.2 = 2,500.00
    assert _money(_line(run, "A1")[1].payout_cents) == D("2500.00")
    # A2: A = 0.7; f = 0.5 × 0.5 + 1 × 0.2 = 0.45; 12,500 × 0.45 = 5,625.00
    assert _money(_line(run, "A2")[1].payout_cents) == D("5625.00")


def test_threshold_gate_pays_nothing_below_it(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\nthreshold = 50\n',
        people=("A1", "A2"),
    )
    add_deal(company, "O1", "A1", "49999.99", "2026-08-01")
    add_deal(company, "O2", "A2", "50000.00", "2026-08-01")
    run = payouts(company, "2026Q3")
    # A1: A just under 0.5 → 0; A2: A = 0.5 → 12,500 × 0.5 = 6,250.00
    assert _line(run, "A1")[1].payout_cents == 0
    assert _money(_line(run, "A2")[1].payout_cents) == D("6250.00")


def test_cap_limits_payout_to_a_multiple_of_target(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\n'
        "tiers = [{from = 0, rate = 1}, {from = 100, rate = 3}]\ncap = 200\n",
        people=("A1", "A2"),
    )
    add_deal(company, "O1", "A1", "150000.00", "2026-08-01")
    add_deal(company, "O2", "A2", "120000.00", "2026-08-01")
    run = payouts(company, "2026Q3")
    # A1: f = 1 + 3 × 0.5 = 2.5 → capped at 2.0 → 25,000.00
    assert _money(_line(run, "A1")[1].payout_cents) == D("25000.00")
    # A2: f = 1 + 3 × 0.2 = 1.6 (under the cap) → 20,000.00
    assert _money(_line(run, "A2")[1].payout_cents) == D("20000.00")


def test_cap_amount_limits_payout_in_money(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\ncap_amount = 15000\n',
    )
    add_deal(company, "O1", "A1", "130000.00", "2026-08-01")
    # 12,500 × 1.3 = 16,250 → capped at 15,000.00
    assert _money(_line(payouts(company, "2026Q3"), "A1")[1].payout_cents) == D("15000.00")


def test_split_credit_allocates_whole_cents_that_add_up(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ncommission_rate = 10\n',
        people=("A1", "A2"),
    )
    add_deal(company, "O1", "A1", "10000.01", "2026-08-01")
    set_splits(company, "O1", {"A1": D("0.3333"), "A2": D("0.6667")})
    run = payouts(company, "2026Q3")
    a1, a2 = _line(run, "A1")[1], _line(run, "A2")[1]
    # 1,000,001 cents × 0.3333 = 333,300.3333 → 333,300; × 0.6667 = 666,700.6667 → 666,700;
    # one cent left goes to the larger remainder (A2): 3,333.00 and 6,667.01 (sum 10,000.01).
    assert (_money(a1.credit_cents), _money(a2.credit_cents)) == (D("3333.00"), D("6667.01"))
    # 10 %: 333.30 and 666.701 → 666.70
    assert (_money(a1.payout_cents), _money(a2.payout_cents)) == (D("333.30"), D("666.70"))


def test_clawback_recovers_what_a_cancelled_deal_earned(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n'
        "[clawback]\nwindow_days = 90\n",
    )
    add_deal(company, "D1", "A1", "20000.00", "2026-05-10", lost_on="2026-07-15")
    add_deal(company, "D2", "A1", "30000.00", "2026-05-20")
    add_deal(company, "D3", "A1", "10000.00", "2026-02-01", lost_on="2026-07-20")
    add_deal(company, "D4", "A1", "40000.00", "2026-08-01")
    q2 = payouts(company, "2026Q2")
    # Q2 as known at its end: 50,000 → A = 0.5 → 6,250.00
    assert _money(q2.statements[0].payable_cents) == D("6250.00")
    st = payouts(company, "2026Q3").statements[0]
    # Q3 earned: 40,000 → 5,000.00. D1 lost 66 days after winning (within 90): Q2 would have
    # paid 12,500 × 0.3 = 3,750.00 without it → clawback 6,250 − 3,750 = 2,500.00.
    # D3 lost 169 days after winning: outside the window, nothing clawed back.
    assert _money(st.earned_cents) == D("5000.00")
    assert _money(st.clawback_cents) == D("2500.00")
    assert [c["opportunity_id"] for c in st.clawbacks] == ["D1"]
    assert _money(st.payable_cents) == D("2500.00")


def _draw_setup(store: Store, recoverable: bool) -> None:
    put_plan(
        store,
        '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n'
        f"[draw]\namount = 5000\nrecoverable = {str(recoverable).lower()}\n",
    )
    add_deal(store, "Q1", "A1", "16000.00", "2026-02-01")  # earns 2,000.00
    add_deal(store, "Q2", "A1", "56000.00", "2026-05-01")  # earns 7,000.00
    add_deal(store, "Q3", "A1", "80000.00", "2026-08-01")  # earns 10,000.00


def test_recoverable_draw_is_repaid_from_later_earnings(company: Store) -> None:
    _draw_setup(company, recoverable=True)
    run = payouts(company, "2026")
    got = {
        st.period.label: (_money(st.payable_cents), _money(st.draw_balance_cents))
        for st in run.statements
    }
    # Q1: earned 2,000 < draw → paid 5,000, balance 3,000
    # Q2: earned 7,000: recover min(3,000, 7,000 − 5,000) = 2,000 → paid 5,000, balance 1,000
    # Q3: earned 10,000: recover min(1,000, 5,000) = 1,000 → paid 9,000, balance 0
    # Q4: earned 0 → paid 5,000, balance 5,000
    assert got == {
        "2026Q1": (D("5000.00"), D("3000.00")),
        "2026Q2": (D("5000.00"), D("1000.00")),
        "2026Q3": (D("9000.00"), D("0.00")),
        "2026Q4": (D("5000.00"), D("5000.00")),
    }


def test_non_recoverable_draw_is_a_guaranteed_minimum(company: Store) -> None:
    _draw_setup(company, recoverable=False)
    run = payouts(company, "2026")
    got = {st.period.label: _money(st.payable_cents) for st in run.statements}
    assert got == {
        "2026Q1": D("5000.00"),
        "2026Q2": D("7000.00"),
        "2026Q3": D("10000.00"),
        "2026Q4": D("5000.00"),
    }


def test_team_component_measures_the_unit_against_its_team_quota(company: Store) -> None:
    import datetime as dt

    import pandas as pd

    company.insert_frame(
        "quotas",
        pd.DataFrame(
            [
                {
                    "holder_id": "T1",
                    "period_start": dt.date(2026, 7, 1),
                    "period_end": dt.date(2026, 9, 30),
                    "amount": D("200000.00"),
                    "currency": "EUR",
                    "kind": "team",
                }
            ]
        ),
    )
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 75\ntiers = [{from = 0, rate = 1}]\n'
        '[[components]]\nid = "team"\nmeasure = "team_bookings"\nweight = 25\n'
        "tiers = [{from = 0, rate = 1}]\n",
    )
    add_deal(company, "O1", "A1", "60000.00", "2026-08-01")
    add_deal(company, "O2", "A2", "90000.00", "2026-08-01")
    add_deal(company, "O3", "A3", "99000.00", "2026-08-01")  # other unit: not in T1's team credit
    run = payouts(company, "2026Q3")
    st, ind = _line(run, "A1", "bookings")
    _, team = _line(run, "A1", "team")
    # individual: TI 12,500 × 0.75 = 9,375; A = 0.6 → 5,625.00
    # team: TI 3,125; T1 credit 150,000 / team quota 200,000 = 0.75 → 2,343.75
    assert _money(ind.payout_cents) == D("5625.00")
    assert _money(team.credit_cents) == D("150000.00")
    assert _money(team.payout_cents) == D("2343.75")
    assert _money(st.payable_cents) == D("7968.75")


def test_monthly_plan_prorates_a_quarterly_quota_by_days(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n',
        period="month",
    )
    add_deal(company, "O1", "A1", "33706.52", "2026-07-15")
    run = payouts(company, "2026-07")
    _, ln = _line(run, "A1")
    # quota: 100,000 × 31 / 92 days = 33,695.652… → 33,695.65
    # TI: 50,000 / 12 = 4,166.666…; A = 33,706.52 / 33,695.65 → payout 4,166.67 × A, exact:
    # 4,166.666… × 33,706.52 / 33,695.65 = 4,168.0108… → 4,168.01
    assert _money(ln.quota_cents) == D("33695.65")
    assert _money(ln.payout_cents) == D("4168.01")


def test_cost_of_sales_adds_fixed_cost_pro_rata_to_variable_pay(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 100\ncommission_rate = 10\n',
        people=("A1", "A2"),
    )
    add_deal(company, "O1", "A1", "100000.00", "2026-08-01")
    run = payouts(company, "2026Q3")
    t1 = next(u for u in run.units if u["unit_id"] == "T1")
    # T1 = M1, A1, A2 at 100,000 a year each; Q3 has 92 of 365 days:
    # 3 × 100,000 × 92 / 365 = 75,616.438… → 75,616.44; variable 10,000.00; bookings 100,000.00
    # cost of sales = 85,616.44 / 100,000 = 0.8562 (shown to 4 decimals)
    assert t1["fixed_cost"] == D("75616.44")
    assert t1["variable_pay"] == D("10000.00")
    assert t1["cost_of_sales"] == D("0.8562")


def test_statement_bookings_count_each_deal_once_across_components(company: Store) -> None:
    put_plan(
        company,
        '[[components]]\nid = "bookings"\nweight = 80\ncommission_rate = 1\n'
        '[[components]]\nid = "solution"\nweight = 20\ndeal_types = ["solution"]\ncommission_rate = 1\n',
    )
    add_deal(company, "O1", "A1", "1000.00", "2026-08-01", deal_type="solution")
    add_deal(company, "O2", "A1", "500.00", "2026-08-02")
    st = payouts(company, "2026Q3").statements[0]
    # O1 earns in both components but is booked once: 1,000 + 500
    assert _money(st.bookings_cents) == D("1500.00")
    assert [len(ln.deals) for ln in st.lines] == [2, 1]


def test_a_quota_in_another_currency_converts_at_the_rate_known_at_period_end(
    company: Store,
) -> None:
    import datetime as dt

    import pandas as pd

    company.con.execute("UPDATE quotas SET currency = 'CHF' WHERE holder_id = 'A1'")
    company.insert_frame(
        "fx_rates",
        pd.DataFrame(
            {
                "date": [dt.date(2026, 1, 1), dt.date(2026, 10, 1)],
                "currency": ["CHF"] * 2,
                "rate": [1.05, 2.0],
            }
        ),
    )
    put_plan(
        company, '[[components]]\nid = "bookings"\nweight = 100\ntiers = [{from = 0, rate = 1}]\n'
    )
    add_deal(company, "O1", "A1", "52500.00", "2026-08-01")
    _, ln = _line(payouts(company, "2026Q3"), "A1")
    # 100,000 CHF × 1.05 (the rate of 2026-01-01; 2026-10-01 is after the period) = 105,000 EUR;
    # A = 52,500 / 105,000 = 0.5 → 6,250.00
    assert _money(ln.quota_cents) == D("105000.00")
    assert _money(ln.payout_cents) == D("6250.00")
