"""Funnel data: simulate_pipeline, simulate_leads and the sample's deals and leads."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.datasets import Sample, load_sample, simulate_leads, simulate_pipeline
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import StageHistory, fit_logistic_scorer, fit_markov_pipeline
from crmkit.lifecycle import CUSTOMER_LIFECYCLE, SALES_PIPELINE, TOP_IN_BEST_WIN, StateMachine

OPEN = SALES_PIPELINE.stages[:4]
# The simulator's defaults, per open stage of SALES_PIPELINE.
ADVANCE = np.array([0.55, 0.6, 0.55, 0.0])
WIN = np.array([0.0, 0.0, 0.1, 0.6])
MEAN_DAYS = np.array([14.0, 21.0, 30.0, 25.0])
# negotiation 0.6, proposal 0.1 + 0.55 x 0.6, needs_confirmed 0.6 x 0.43, initial 0.55 x 0.258
WIN_PROBABILITY = np.array([0.55 * 0.258, 0.6 * 0.43, 0.1 + 0.55 * 0.6, 0.6])

LEAD_COLUMNS = [
    "lead_id",
    "company_size",
    "industry",
    "decision_level",
    "site_visits",
    "downloads",
    "email_opens",
    "stage",
    "won",
]
FEATURES = LEAD_COLUMNS[1:7]
# The simulator's documented log-odds: each effect against the attribute's first (and most
# common) value, which is also the logistic fit's reference level.
LEAD_EFFECTS = {
    "intercept": -2.6,
    "company_size=50-249": 0.3,
    "company_size=250-999": 0.6,
    "company_size=1000+": 0.9,
    "industry=manufacturing": 0.2,
    "industry=software": 0.7,
    "industry=finance": 0.4,
    "industry=education": -0.3,
    "decision_level=manager": 0.4,
    "decision_level=director": 0.8,
    "decision_level=c_level": 1.1,
    "site_visits": 0.15,
    "downloads": 0.35,
    "email_opens": 0.05,
}
REFERENCE = {"company_size": "1-49", "industry": "retail", "decision_level": "staff"}


def win_probability_errors(leaving: np.ndarray) -> np.ndarray:
    """Standard errors of the fitted win probabilities (delta method), from the true
    moves and the number of deals that left each open stage.

    p_j = win_j + advance_j x p_(j+1) is a mean over the deals leaving stage j of a value
    that is p_(j+1) if they advance, 1 if they win and 0 if lost, so its variance is
    (advance_j p_(j+1)^2 + win_j - p_j^2) / n_j + advance_j^2 var(p_(j+1)).
    """
    variance = np.zeros(4)
    for j in (3, 2, 1, 0):
        following = WIN_PROBABILITY[j + 1] if j < 3 else 0.0
        carried = variance[j + 1] if j < 3 else 0.0
        spread = ADVANCE[j] * following**2 + WIN[j] - WIN_PROBABILITY[j] ** 2
        variance[j] = spread / leaving[j] + ADVANCE[j] ** 2 * carried
    return np.sqrt(variance)


def first_rows(history: StageHistory) -> np.ndarray:
    """Position of each opportunity's first row."""
    return np.append(0, np.flatnonzero(np.diff(history.opportunity_index)) + 1)


def moves_are_allowed(history: StageHistory, pipeline: StateMachine) -> bool:
    """Every consecutive pair of one deal's rows is a transition of the pipeline."""
    allowed = {(source, t.target) for t in pipeline.transitions for source in t.sources}
    same_deal = np.diff(history.opportunity_index) == 0
    names = np.asarray(pipeline.stages)[history.stage_code]
    pairs = zip(names[:-1][same_deal].tolist(), names[1:][same_deal].tolist(), strict=True)
    return all(pair in allowed for pair in pairs)


class TestSimulatePipeline:
    def test_the_same_seed_gives_the_same_deals_and_another_seed_others(self) -> None:
        """Seed 7 twice is identical; seed 8 differs; a Generator works like its seed."""
        first = simulate_pipeline(300, seed=7)

        assert first == simulate_pipeline(300, seed=7)
        assert first != simulate_pipeline(300, seed=8)
        assert first == simulate_pipeline(300, seed=np.random.default_rng(7))

    def test_every_deal_is_there_and_starts_at_the_first_stage_in_the_window(self) -> None:
        """300 deals O001..O300, each entering initial_contact first, every entry between
        start and the end of the end date."""
        history = simulate_pipeline(300, start=date(2024, 1, 1), end=date(2024, 3, 31), seed=1)

        assert 300 == history.n_opportunities
        assert ["O001", "O002"] == history.opportunity_ids[:2].tolist()
        assert "O300" == history.opportunity_ids[-1]
        assert {0} == set(history.stage_code[first_rows(history)].tolist())
        assert history.entered_at.min() >= np.datetime64("2024-01-01")
        assert history.entered_at.max() < np.datetime64("2024-04-01")

    def test_deals_still_moving_at_the_end_are_open(self) -> None:
        """Deals created late in the year have not closed by 31 December: some are open
        (in open stages only), most are closed."""
        history = simulate_pipeline(1000, seed=2)

        is_open = history.is_open
        assert 0 < int(is_open.sum()) < 500
        assert set(history.current_stage[is_open].tolist()) <= set(OPEN)
        assert set(history.current_stage[~is_open].tolist()) == {"won", "lost"}

    def test_amounts_and_close_dates(self) -> None:
        """Amounts are positive multiples of 100; each deal is expected to close 60 to 120
        days after it was created."""
        history = simulate_pipeline(500, seed=3)
        created = history.entered_at[first_rows(history)].astype("datetime64[D]")

        after = (history.expected_close - created).astype(int)
        assert (history.amount >= 0).all()
        assert (history.amount % 100 == 0).all()
        assert after.min() >= 60
        assert after.max() <= 120

    @settings(max_examples=25, deadline=None)
    @given(st.integers(1, 60), st.integers(0, 2**32 - 1))
    def test_every_stage_and_move_is_one_the_pipeline_allows(self, n: int, seed: int) -> None:
        """Whatever the seed and size: n deals, every move a transition of SALES_PIPELINE,
        nothing after won or lost."""
        history = simulate_pipeline(n, seed=seed)

        assert n == history.n_opportunities
        assert moves_are_allowed(history, SALES_PIPELINE)

    def test_another_pipeline_of_the_same_shape(self) -> None:
        """TOP_IN_BEST_WIN (prospect, top, in, best; win from in or best) takes the defaults."""
        history = simulate_pipeline(300, seed=4, pipeline=TOP_IN_BEST_WIN)

        assert set(history.current_stage.tolist()) <= set(TOP_IN_BEST_WIN.stages)
        assert moves_are_allowed(history, TOP_IN_BEST_WIN)

    def test_a_markov_fit_recovers_the_win_probabilities(self) -> None:
        """On 100,000 simulated deals the fitted win probability of every open stage is
        within 4 standard errors of the documented one: 0.6 in negotiation, 0.43 in
        proposal, 0.258 in needs_confirmed and 0.142 at initial contact (censoring by the
        end date drops unfinished stays, which does not bias where a stay goes)."""
        fit = fit_markov_pipeline(simulate_pipeline(100_000, seed=5), SALES_PIPELINE)
        leaving = fit.transition_counts.sum(axis=1)[:4]

        errors = win_probability_errors(leaving)
        assert (np.abs(fit.win_probability[:4] - WIN_PROBABILITY) < 4 * errors).all()
        assert (errors < 0.01).all()

    def test_mean_days_in_stage_match_the_simulated_means(self) -> None:
        """Over five years, the deals created before the last year have all closed (no stay
        is cut by the end date, so picking them by creation day biases nothing); their mean
        days per stage are within 4 standard errors (Gamma(2): sd = mean / sqrt(2)) of
        14, 21, 30 and 25."""
        history = simulate_pipeline(
            100_000, start=date(2020, 1, 1), end=date(2024, 12, 31), seed=6
        )
        early = history.entered_at[first_rows(history)] < np.datetime64("2024-01-01")
        rows = early[history.opportunity_index]
        closed = StageHistory.from_arrays(
            opportunity_id=history.opportunity_ids[history.opportunity_index[rows]],
            stage=np.asarray(SALES_PIPELINE.stages)[history.stage_code[rows]],
            entered_at=history.entered_at[rows],
            pipeline=SALES_PIPELINE,
        )

        fit = fit_markov_pipeline(closed, SALES_PIPELINE)

        leaving = fit.transition_counts.sum(axis=1)[:4]
        errors = MEAN_DAYS / np.sqrt(2) / np.sqrt(leaving)
        assert 0 == int(closed.is_open.sum())
        assert (np.abs(fit.mean_days_in_stage[:4] - MEAN_DAYS) < 4 * errors).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"win": [0.0, 0.0, 0.5, 0.6]},
                InvalidInputError,
                r"'win' must be at most 1 - advance at every stage; "
                r"got \[0\.0, 0\.0, 0\.5, 0\.6\]",
            ),
            (
                {"advance": [0.55, 0.6, 0.55]},
                InvalidInputError,
                r"'advance' must be 4 probabilities in \[0, 1\], one per open stage; "
                r"got \[0\.55, 0\.6, 0\.55\]",
            ),
            (
                {"win": [0.0, 0.0, 0.1, 0.6, 0.0]},
                InvalidInputError,
                r"'win' must be 4 probabilities in \[0, 1\], one per open stage",
            ),
            (
                {"advance": [1.5, 0.6, 0.55, 0.0]},
                InvalidInputError,
                r"'advance' must be 4 probabilities in \[0, 1\].*got \[1\.5, 0\.6, 0\.55, 0\.0\]",
            ),
            (
                {"advance": [0.55, 0.6, 0.55, -0.1]},
                InvalidInputError,
                r"'advance' must be finite numbers of at least 0; got -0\.1 at index 3",
            ),
            (
                {"mean_days": [14.0, 21.0, 30.0]},
                InvalidInputError,
                r"'mean_days' must be 4 numbers, one per open stage; got \[14\.0, 21\.0, 30\.0\]",
            ),
            (
                {"mean_days": [14.0, 21.0, 30.0, 0.0]},
                InvalidInputError,
                r"'mean_days' must be finite numbers above 0; got 0\.0 at index 3",
            ),
            (
                {"win": [0.1, 0.0, 0.1, 0.6]},
                InvalidInputError,
                r"'pipeline' must be a transition from 'initial_contact' to 'won'; "
                r"got 'sales_pipeline'",
            ),
            (
                {"advance": [0.55, 0.6, 0.55, 0.1]},
                InvalidInputError,
                r"'pipeline' must be a transition from 'negotiation' to 'a next open stage'",
            ),
            (
                {"n_opportunities": 0},
                InvalidInputError,
                r"'n_opportunities' must be an integer of at least 1; got 0",
            ),
            (
                {"n_opportunities": 2.5},
                InvalidTypeError,
                r"'n_opportunities' must be an integer; got float 2\.5",
            ),
            (
                {"start": date(2025, 1, 2), "end": date(2025, 1, 1)},
                InvalidInputError,
                r"'end' must be on or after start \(2025-01-02\); "
                r"got datetime\.date\(2025, 1, 1\)",
            ),
            (
                {"pipeline": "sales"},
                InvalidTypeError,
                r"'pipeline' must be a StateMachine \(a pipeline definition\); got str 'sales'",
            ),
            ({"seed": "a"}, InvalidTypeError, r"'seed' must be an integer; got str 'a'"),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Probabilities per open stage that add up to at most 1, moves the pipeline has,
        at least one deal and an end on or after the start."""
        refused(simulate_pipeline, {"n_opportunities": 10, "seed": 1, **kwargs}, error, match)

    def test_a_pipeline_without_a_won_stage_is_refused(self) -> None:
        """CUSTOMER_LIFECYCLE has no terminal stage with probability 1: refused as a crmkit
        error naming 'pipeline', not a bare StopIteration."""
        refused(
            simulate_pipeline,
            {
                "n_opportunities": 10,
                "seed": 1,
                "pipeline": CUSTOMER_LIFECYCLE,
                "advance": [0.5] * 7,
                "win": [0.0] * 7,
                "mean_days": [10.0] * 7,
            },
            InvalidInputError,
            r"'pipeline' must",
        )


class TestSimulateLeads:
    def test_columns_and_types(self) -> None:
        """The documented columns, text attributes, whole-number counts and a bool outcome,
        one row per lead with ids L001..L500."""
        leads = simulate_leads(500, seed=1)

        assert LEAD_COLUMNS == list(leads)
        assert {500} == {column.size for column in leads.values()}
        assert ["L001", "L500"] == [leads["lead_id"][0], leads["lead_id"][-1]]
        for name in ("company_size", "industry", "decision_level", "stage"):
            assert "U" == leads[name].dtype.kind
        for name in ("site_visits", "downloads", "email_opens"):
            assert np.int64 == leads[name].dtype
            assert leads[name].min() >= 0
        assert np.bool_ == leads["won"].dtype

    def test_the_same_seed_gives_the_same_leads_and_another_seed_others(self) -> None:
        """Seed 7 twice is identical column by column; seed 8 differs."""
        first, again, other = (simulate_leads(300, seed=s) for s in (7, 7, 8))

        assert all(np.array_equal(first[name], again[name]) for name in LEAD_COLUMNS)
        assert not np.array_equal(first["won"], other["won"])

    def test_about_a_third_are_won_and_the_lost_ones_stop_at_open_stages(self) -> None:
        """Of 20,000 leads about a third win (the model gives 0.345); won leads have stage
        "won", lost ones are lost at the open stages 45 / 30 / 15 / 10% of the time."""
        leads = simulate_leads(20_000, seed=2)
        won = leads["won"]
        lost_at = leads["stage"][~won]

        assert 0.31 < won.mean() < 0.38
        assert {"won"} == set(leads["stage"][won].tolist())
        shares = [float(np.mean(lost_at == stage)) for stage in OPEN]
        assert np.allclose([0.45, 0.30, 0.15, 0.10], shares, atol=0.02)

    def test_a_logistic_fit_recovers_the_effects(self) -> None:
        """An unpenalised logistic fit on 20,000 leads finds every documented effect within
        3 standard errors: intercept -2.6 against each attribute's first value (1-49,
        retail, staff: also the most common, hence the fit's reference level), +1.1 for a
        C-level contact, +0.35 per download..."""
        leads = simulate_leads(20_000, seed=3)

        scorer = fit_logistic_scorer({name: leads[name] for name in FEATURES}, leads["won"], l2=0)

        estimates = dict(zip(scorer.terms, scorer.coefficients, strict=True))
        errors = scorer.standard_errors
        assert set(LEAD_EFFECTS) == set(estimates)
        for name, level in REFERENCE.items():
            assert f"{name}={level}" not in estimates
        for term, effect in LEAD_EFFECTS.items():
            assert abs(estimates[term] - effect) < 3 * errors[term], term

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"n_leads": 0},
                InvalidInputError,
                r"'n_leads' must be an integer of at least 1; got 0",
            ),
            ({"n_leads": 2.5}, InvalidTypeError, r"'n_leads' must be an integer; got float 2\.5"),
            ({"seed": 1.5}, InvalidTypeError, r"'seed' must be an integer; got float 1\.5"),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """At least one lead, and a whole-number seed."""
        refused(simulate_leads, {"n_leads": 10, "seed": 1, **kwargs}, error, match)


class TestSampleFunnelData:
    def test_the_pipeline_history_has_2000_deals_of_2024(self, sample: Sample) -> None:
        """2,000 deals entering stages in 2024, with amounts and close dates for each, some
        still open at the end of the year, every move allowed by SALES_PIPELINE."""
        history = sample.pipeline_history

        assert 2000 == history.n_opportunities
        assert history.stages == SALES_PIPELINE.stages
        assert 2000 == history.amount.size == history.expected_close.size
        assert not np.isnat(history.expected_close).any()
        assert np.datetime64("2024-01-01") <= history.entered_at.min()
        assert history.entered_at.max() < np.datetime64("2025-01-01")
        assert 0 < int(history.is_open.sum()) < 2000
        assert moves_are_allowed(history, SALES_PIPELINE)

    def test_the_leads_are_3000_read_only_columns(self, sample: Sample) -> None:
        """3,000 leads in the simulator's columns and types; neither a column nor the
        mapping can be changed."""
        leads = sample.leads

        assert LEAD_COLUMNS == list(leads)
        assert {3000} == {column.size for column in leads.values()}
        assert np.bool_ == leads["won"].dtype
        assert np.int64 == leads["downloads"].dtype
        assert not any(column.flags.writeable for column in leads.values())
        with pytest.raises(ValueError, match="read-only"):
            leads["won"][0] = True
        with pytest.raises(TypeError):
            leads["won"] = leads["won"]  # type: ignore[index]

    def test_two_loads_give_equal_deals_and_leads(self, sample: Sample) -> None:
        """Each load reads the same history and the same leads."""
        again = load_sample()

        assert sample.pipeline_history == again.pipeline_history
        assert all(np.array_equal(sample.leads[c], again.leads[c]) for c in LEAD_COLUMNS)
        assert sample == again
