"""The main job: a readable analysis of a transaction log (private).

The report is a list of sections, each built by a pure function from the
report's data (transactions, and survey answers when there are any) and
`as_of`; the CLI only prints them. Each area adds its section
to `SECTIONS` (segments, lifecycle stages, CLV, NPS, loyalty, pipeline); a
section without data to speak of returns None and is left out.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from attrs import frozen

from crmkit import _columns
from crmkit import _validation as v
from crmkit._calendar import add_months
from crmkit.errors import ConvergenceError, CrmkitWarning, InvalidInputError
from crmkit.funnel import (
    MarkovPipelineFit,
    StageHistory,
    fit_markov_pipeline,
    forecast_distribution,
    weighted_pipeline,
)
from crmkit.lifecycle import SALES_PIPELINE, churn_risk, classify_stages, intervention_plan
from crmkit.loyalty import (
    Breakage,
    Ledger,
    Program,
    balance,
    estimate_breakage,
    evaluate_tier,
    liability,
    replay_events,
)
from crmkit.metrics import (
    cohort_retention,
    compare_nps,
    csat_score,
    customer_tenure,
    net_promoter_score,
)
from crmkit.metrics.clv import (
    ClvResult,
    btyd_summary,
    customer_lifetime_value,
    fit_bg_nbd,
    fit_gamma_gamma,
)
from crmkit.rules import apply_rules
from crmkit.segmentation import (
    B2C_RULES,
    STANDARD_SEGMENTS,
    assign_segments,
    customer_features,
    gini_coefficient,
    pareto_abc,
    rfm_summary,
    score_rfm,
)
from crmkit.surveys import SurveyResponses
from crmkit.transactions import Transactions

_LABEL_WIDTH = 24
_POINT_COST = Decimal("0.01")  # what redeeming a point costs the sample shop
_ASSUMED_BREAKAGE = 0.2  # used when the history is too short to estimate breakage
_BREAKAGE_SE_LIMIT = 0.05


@frozen(kw_only=True)
class ReportData:
    """What the report is about: purchases, and survey answers and deals if there are any."""

    transactions: Transactions
    nps: SurveyResponses | None = None
    csat: SurveyResponses | None = None
    pipeline_history: StageHistory | None = None
    loyalty_program: Program | None = None
    loyalty_events: Mapping[str, Any] | None = None


@frozen
class Section:
    """One titled block of the report, as (label, value) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]

    def render(self) -> str:
        lines = [self.title] + [f"  {label:<{_LABEL_WIDTH}}{value}" for label, value in self.rows]
        return "\n".join(lines)


def data_overview(data: ReportData, as_of: date) -> Section:
    """Customers, orders, dates and revenue up to `as_of`."""
    txns = data.transactions.until(as_of)
    unit = f" {txns.currency}" if txns.currency else ""
    if not len(txns):
        return Section("Data", (("transactions", f"none on or before {as_of}"),))
    orders = np.bincount(txns.customer_index)
    revenue = float(txns.amount.sum())
    first, last = (str(x.astype("datetime64[D]")) for x in (txns.at.min(), txns.at.max()))
    return Section(
        "Data",
        (
            ("customers", f"{txns.n_customers:,}"),
            ("transactions", f"{len(txns):,}"),
            ("date range", f"{first} to {last}"),
            ("revenue", f"{revenue:,.2f}{unit}"),
            ("orders per customer", f"mean {orders.mean():.1f}, median {np.median(orders):g}"),
            ("average order value", f"{revenue / len(txns):,.2f}{unit}"),
        ),
    )


def segments(data: ReportData, as_of: date) -> Section:
    """RFM segments with customer and revenue shares, the Pareto check and B2C rules."""
    txns = data.transactions.until(as_of)
    if not len(txns):
        return Section("Segments", (("segments", "no customers to segment"),))
    summary = rfm_summary(txns, as_of=as_of)
    result = assign_segments(score_rfm(summary), scheme=STANDARD_SEGMENTS)
    rows = [
        (
            name,
            f"{count:>6,} customers {result.customer_share[name]:6.1%}"
            f"   revenue {result.revenue_share[name]:6.1%}",
        )
        for name, count in result.counts.items()
    ]
    # Net refunds can make a customer's revenue negative; they hold no share of value.
    value = np.maximum(summary.revenue, 0.0)
    if value.sum() > 0:
        pareto = pareto_abc(value)
        rows.append(("top 20% of customers", f"hold {pareto.top_20_share:.1%} of revenue"))
        rows.append(("Gini of revenue", f"{gini_coefficient(value):.3f}"))
    b2c = apply_rules(customer_features(txns, as_of=as_of), B2C_RULES)
    rows.append(("B2C rules", ", ".join(f"{k} {c:,}" for k, c in b2c.counts.items())))
    return Section("Segments (RFM, standard scheme)", tuple(rows))


def survey_scores(data: ReportData, as_of: date) -> Section:
    """NPS and CSAT with their intervals, and the NPS change between the two halves."""
    end = np.datetime64(as_of, "D") + np.timedelta64(1, "D")  # as_of counts its whole day
    rows: list[tuple[str, str]] = []
    for name, answers in (("NPS", data.nps), ("CSAT", data.csat)):
        if answers is None or not np.any(answers.at < end):
            rows.append((name, "no survey answers"))
            continue
        scores = answers.score[answers.at < end]
        if name == "NPS":
            nps = net_promoter_score(scores)
            rows.append(
                (
                    "NPS",
                    f"{nps.score:+.1f} (95% CI {nps.ci_low:+.1f} to "
                    f"{nps.ci_high:+.1f}, n={nps.n_responses:,})",
                )
            )
            rows.extend(_nps_change(answers, end))
        else:
            csat = csat_score(scores)
            rows.append(
                (
                    "CSAT",
                    f"{csat.satisfied_share:.1%} satisfied (95% CI "
                    f"{csat.ci_low:.1%} to {csat.ci_high:.1%}, n={csat.n_responses:,})",
                )
            )
    return Section("Survey scores", tuple(rows))


def _nps_change(answers: SurveyResponses, end: np.datetime64) -> list[tuple[str, str]]:
    times = answers.at[answers.at < end]
    middle = times.min() + (times.max() - times.min()) / 2
    first, second = (
        answers.score[answers.at < middle],
        answers.score[(answers.at >= middle) & (answers.at < end)],
    )
    if not (first.size and second.size):
        return []
    change = compare_nps(first, second)
    return [
        (
            "NPS, 2nd vs 1st half",
            f"{change.difference:+.1f} points ({_p_value(change.p_value)})",
        )
    ]


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def retention(data: ReportData, as_of: date) -> Section:
    """Monthly cohort retention (the table's head) and the 12-month retention rate."""
    txns = data.transactions.until(as_of)
    if not len(txns):
        return Section("Retention", (("retention", "no purchases"),))
    matrix = cohort_retention(txns, period="M")
    rows = []
    shown = range(min(4, matrix.rates.shape[1]))
    rows.append(("cohort (size)", "  ".join(f"{f'M+{k}':>6}" for k in shown)))
    for i in range(min(4, matrix.rates.shape[0])):
        label = f"{str(matrix.cohort_start[i])[:7]} ({matrix.size[i]:,})"
        cells = "  ".join(
            f"{'':>6}" if np.isnan(matrix.rates[i, k]) else f"{matrix.rates[i, k]:>6.1%}"
            for k in shown
        )
        rows.append((label, cells))
    if matrix.rates.shape[1] > 12:
        rows.append(
            (
                "12-month retention",
                f"{matrix.retention_at(12):.1%} of customers bought again in their 13th month",
            )
        )
    tenure = customer_tenure(txns, as_of=as_of, churn_after_days=180)
    survival = float(tenure.kaplan_meier().survival_at([365.0])[0])
    rows.append(
        (
            "active after 1 year",
            f"{survival:.1%} (Kaplan-Meier, churn = 180 days without a purchase)",
        )
    )
    return Section("Retention", tuple(rows))


def lifecycle(data: ReportData, as_of: date) -> Section:
    """Customers per lifecycle stage, at-risk high-value customers and the intervention plan."""
    txns = data.transactions.until(as_of)
    try:
        stages = classify_stages(txns, as_of=as_of)
    except InvalidInputError as error:  # e.g. nobody bought twice: no gaps to learn from
        return Section("Lifecycle", (("stages", str(error).splitlines()[0]),))
    rows = [(stage, f"{count:,} customers") for stage, count in stages.counts.items()]
    risk = churn_risk(stages)
    summary = rfm_summary(txns, as_of=as_of)  # the same customers, in the same order
    value = np.maximum(summary.revenue, 0.0)
    tier = (
        np.array(["high", "medium", "low"])[
            np.searchsorted(np.array(["A", "B", "C"]), pareto_abc(value).abc_class)
        ]
        if value.sum() > 0
        else np.full(value.size, "low")
    )
    at_risk_high_value = int(np.sum((tier == "high") & np.isin(risk.tier, ("medium", "high"))))
    rows.append(
        ("at-risk high-value", f"{at_risk_high_value:,} (A-class revenue, risk medium or high)")
    )
    plan = intervention_plan(tier, risk.tier)
    rows.append(("intervention plan", ", ".join(f"{a} {n:,}" for a, n in plan.counts.items())))
    return Section("Lifecycle", tuple(rows))


_CLV_DISCOUNT = 0.10  # a year; the report's assumption, printed with it
_TOP = 5


def clv(data: ReportData, as_of: date) -> Section:
    """BG/NBD and Gamma-Gamma on weekly data, P(alive), and the top customers' 12-month CLV."""
    txns = data.transactions.until(as_of)
    if not len(txns):
        return Section("Customer lifetime value", (("models", "no purchases"),))
    summary = btyd_summary(txns, calibration_end=as_of, period="W")
    history: dict[str, Any] = {
        "frequency": summary.frequency,
        "recency": summary.recency,
        "T": summary.T,
    }
    try:
        with warnings.catch_warnings():
            # Too little data for standard errors: say so below instead of warning.
            warnings.simplefilter("ignore", CrmkitWarning)
            purchases = fit_bg_nbd(**history, period=summary.period_days)
            spend = fit_gamma_gamma(summary.frequency, summary.monetary_value)
        known = purchases.covariance is not None and spend.covariance is not None
        value = customer_lifetime_value(
            purchases,
            spend,
            **history,
            monetary_value=summary.monetary_value,
            horizon=timedelta(days=365),
            discount_rate=_CLV_DISCOUNT,
            confidence=0.9 if known else None,
        )
    except (ConvergenceError, InvalidInputError) as error:
        return Section("Customer lifetime value", (("models", str(error).splitlines()[0]),))
    alive = np.asarray(purchases.probability_alive(**history))
    unit = f" {txns.currency}" if txns.currency else ""
    rows = [
        ("BG/NBD (weekly)", _with_errors(purchases.params, purchases.standard_errors)),
        ("Gamma-Gamma (spend)", _with_errors(spend.params, spend.standard_errors)),
        ("P(alive) < 0.5", f"{np.mean(alive < 0.5):.1%} of {alive.size:,} customers"),
        (
            "12-month CLV, total",
            f"{value.value.sum():,.0f}{unit} (revenue, {_CLV_DISCOUNT:.0%} a year discount)",
        ),
    ]
    rows.extend(
        (
            f"customer {summary.customer_id[i]}",
            f"{value.value[i]:,.0f}{unit} ({_interval(value, i)}), P(alive) {alive[i]:.2f}",
        )
        for i in np.argsort(-value.value, kind="stable")[:_TOP]
    )
    return Section("Customer lifetime value", tuple(rows))


def _interval(value: ClvResult, i: int) -> str:
    if value.low is None or value.high is None:
        return "too little data for an interval"
    return f"90% CI {value.low[i]:,.0f} to {value.high[i]:,.0f}"


def _with_errors(params: Mapping[str, float], errors: Mapping[str, float] | None) -> str:
    if errors is None:
        return ", ".join(f"{name} {value:.3g}" for name, value in params.items())
    return ", ".join(f"{name} {value:.3g} ({errors[name]:.2g})" for name, value in params.items())


def pipeline(data: ReportData, as_of: date) -> Section | None:
    """Open deals weighted by stage, Markov win probabilities vs stated, next quarter's range."""
    if data.pipeline_history is None:
        return None
    title = "Sales pipeline"
    if data.pipeline_history.entered_at.min() > np.datetime64(as_of + timedelta(days=1), "us"):
        return Section(title, (("deals", f"none on or before {as_of.isoformat()}"),))
    history = data.pipeline_history.until(as_of)
    fit = fit_markov_pipeline(history, SALES_PIPELINE, as_of=as_of)
    is_open = history.is_open
    amounts = np.zeros(0) if history.amount is None else history.amount[is_open]
    stages = history.current_stage[is_open]
    observed = dict(zip(fit.stages, fit.win_probability.tolist(), strict=True))
    by_stage = weighted_pipeline(amounts, stages, SALES_PIPELINE)
    markov = weighted_pipeline(amounts, stages, SALES_PIPELINE, probabilities=observed)
    rows = [
        ("open deals", f"{int(is_open.sum()):,}, {by_stage.total_amount:,.0f} in total"),
        (
            "weighted pipeline",
            f"{by_stage.total_weighted:,.0f} at stated odds, "
            f"{markov.total_weighted:,.0f} at observed odds",
        ),
    ]
    for i, stage in enumerate(by_stage.stages):
        if stage in history.terminal:
            continue
        rows.append(
            (
                stage,
                f"{by_stage.n_deals[i]:>3} deals, {by_stage.amount[i]:>10,.0f}; "
                f"win {by_stage.probability[i]:.0%} stated, {observed[stage]:.0%} observed",
            )
        )
    rows.append(_next_quarter(fit, amounts, stages, as_of))
    return Section(title, tuple(rows))


def _next_quarter(
    fit: MarkovPipelineFit, amounts: Any, stages: Any, as_of: date
) -> tuple[str, str]:
    """Revenue won from open deals by the end of the next quarter: P10 / P50 / P90."""
    quarter_start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    end = add_months(quarter_start, 6) - timedelta(days=1)
    within = fit.win_probability_within(float((end - as_of).days))
    chance = within[[fit.stages.index(stage) for stage in stages.tolist()]]
    if not amounts.size:
        return (f"won by {end.isoformat()}", "no open deals")
    forecast = forecast_distribution(amounts, chance)
    return (
        f"won by {end.isoformat()}",
        f"P10 {forecast.revenue_p10:,.0f}, P50 {forecast.revenue_p50:,.0f}, "
        f"P90 {forecast.revenue_p90:,.0f} ({forecast.expected_deals:.1f} deals expected)",
    )


def loyalty(data: ReportData, as_of: date) -> Section | None:
    """Members per tier, outstanding and expiring points, breakage and the liability."""
    if data.loyalty_program is None or data.loyalty_events is None:
        return None
    program = data.loyalty_program
    moment = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=program.zone)
    events = data.loyalty_events
    keep = _columns.timestamps("at", events["at"]) < v.utc_datetime64(moment)
    ledgers = replay_events(program, {name: np.asarray(c)[keep] for name, c in events.items()})
    if not ledgers:
        return Section("Loyalty points", (("members", f"none on or before {as_of}"),))
    balances = [
        balance(ledger, as_of=moment, expiring_within_days=90) for ledger in ledgers.values()
    ]
    tiers = Counter(evaluate_tier(led, program, as_of=moment).tier for led in ledgers.values())
    estimate = _breakage(ledgers.values(), moment)
    reliable = estimate is not None and estimate.standard_error <= _BREAKAGE_SE_LIMIT
    rate = estimate.breakage_rate if estimate is not None and reliable else _ASSUMED_BREAKAGE
    owed = liability(balances, cost_per_point=_POINT_COST, breakage_rate=rate)
    unit = f" {program.currency}"
    rows = [
        (
            "members per tier",
            ", ".join(f"{t.name} {tiers.get(t.name, 0):,}" for t in program.tiers),
        ),
        ("outstanding points", f"{owed.outstanding_points:,} (available and pending)"),
        ("expiring in 90 days", f"{sum(b.expiring for b in balances):,}"),
        ("breakage", _breakage_text(estimate, reliable)),
        ("liability", f"{owed.value:,.0f}{unit} at {_POINT_COST}{unit} a point"),
    ]
    return Section("Loyalty points", tuple(rows))


def _breakage_text(estimate: Breakage | None, reliable: bool) -> str:
    if estimate is None or not reliable:
        return f"{_ASSUMED_BREAKAGE:.0%} assumed (too little history to estimate it)"
    return (
        f"{estimate.breakage_rate:.1%} (ultimate redemption "
        f"{estimate.ultimate_redemption_rate:.1%} +- {estimate.standard_error:.1%}, "
        f"from {estimate.n_cells} cohort-months)"
    )


def _breakage(ledgers: Iterable[Ledger], moment: datetime) -> Breakage | None:
    """Cumulative share of each earning month's points redeemed by age in months."""
    last = moment.year * 12 + moment.month - 1
    earned: Counter[int] = Counter()
    redeemed: Counter[tuple[int, int]] = Counter()
    for ledger in ledgers:
        lots = {lot.id: lot for lot in ledger.lots(as_of=moment)}
        for lot in lots.values():
            earned[lot.earned_at.year * 12 + lot.earned_at.month - 1] += lot.points
        for entry in ledger.entries:
            if entry.kind != "redeem" or entry.at >= moment:
                continue
            month = entry.at.year * 12 + entry.at.month - 1
            for allocation in entry.allocations:
                if allocation.lot in lots:
                    earned_at = lots[allocation.lot].earned_at
                    start = earned_at.year * 12 + earned_at.month - 1
                    redeemed[start, month - start + 1] += -allocation.points
    cohorts = sorted(earned)
    ages = last - cohorts[0] + 1
    table = np.full((len(cohorts), ages), np.nan)
    for row, cohort in enumerate(cohorts):
        seen = last - cohort  # complete months observed
        counts = [redeemed.get((cohort, age), 0) for age in range(1, seen + 1)]
        table[row, :seen] = np.cumsum(counts)
    try:
        return estimate_breakage([earned[c] for c in cohorts], table)
    except (ConvergenceError, InvalidInputError):
        return None


SECTIONS: tuple[Callable[[ReportData, date], Section | None], ...] = (
    data_overview,
    segments,
    lifecycle,
    clv,
    survey_scores,
    retention,
    pipeline,
    loyalty,
)


def build_report(data: ReportData, *, as_of: date, title: str) -> str:
    """Render every section for *data* as of the end of *as_of*."""
    heading = f"{title} (as of {as_of.isoformat()})"
    blocks = [f"{heading}\n{'=' * len(heading)}"]
    sections = (section(data, as_of) for section in SECTIONS)
    blocks += [section.render() for section in sections if section is not None]
    return "\n\n".join(blocks) + "\n"
