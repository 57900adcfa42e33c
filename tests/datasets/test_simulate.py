"""crmkit.datasets simulators: seeded, shaped as documented, and checked at the boundary."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmkit.datasets import simulate_survey_responses, simulate_transactions
from crmkit.errors import InvalidInputError, InvalidTypeError


class TestSimulateTransactions:
    def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(self) -> None:
        """Seed 7 twice is identical; seed 8 differs."""
        first = simulate_transactions(n_customers=200, seed=7)

        assert first == simulate_transactions(n_customers=200, seed=7)
        assert first != simulate_transactions(n_customers=200, seed=8)

    def test_a_generator_can_be_passed_as_the_seed(self) -> None:
        """A Generator in a known state gives the same data as its integer seed."""
        assert simulate_transactions(n_customers=50, seed=np.random.default_rng(3)) == (
            simulate_transactions(n_customers=50, seed=3)
        )

    def test_every_customer_buys_inside_the_period(self) -> None:
        """All ids appear, every purchase is between start and the end of end, amounts positive."""
        txns = simulate_transactions(
            n_customers=300, start=date(2024, 1, 1), end=date(2024, 3, 31), seed=1
        )

        assert 300 == txns.n_customers
        assert txns.at.min() >= np.datetime64("2024-01-01")
        assert txns.at.max() < np.datetime64("2024-04-01")
        assert (txns.amount > 0).all()
        assert {"C001", "C300"} <= set(txns.customer_ids.tolist())

    def test_large_samples_match_the_process_means(self) -> None:
        """Mean spend is about spend_p * spend_gamma / (spend_q - 1) = 6 * 120 / 3 = 240.

        The per-customer mean spend p / nu has expectation p * gamma / (q - 1); with
        20,000 customers the sample mean lies within a few percent of it.
        """
        txns = simulate_transactions(n_customers=20_000, seed=11)
        per_customer = np.bincount(txns.customer_index, weights=txns.amount) / np.bincount(
            txns.customer_index
        )

        assert abs(per_customer.mean() - 240.0) / 240.0 < 0.05

    @settings(max_examples=20, deadline=None)
    @given(st.integers(1, 40), st.integers(0, 2**32))
    def test_any_small_population_is_valid(self, n: int, seed: int) -> None:
        """Every customer makes at least the first purchase; rows are sorted."""
        txns = simulate_transactions(n_customers=n, seed=seed)

        assert n == txns.n_customers
        assert len(txns) >= n

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"n_customers": 0},
                InvalidInputError,
                r"'n_customers' must be an integer of at least 1; got 0",
            ),
            ({"n_customers": 2.5}, InvalidTypeError, r"'n_customers' must be an integer"),
            ({"r": 0.0}, InvalidInputError, r"'r' must be a finite number above 0; got 0\.0"),
            ({"alpha": float("nan")}, InvalidInputError, r"'alpha'"),
            ({"b": -1}, InvalidInputError, r"'b'.*got -1"),
            (
                {"start": date(2025, 1, 2), "end": date(2025, 1, 1)},
                InvalidInputError,
                r"'end' must be on or after start",
            ),
            ({"start": "2025-01-01"}, InvalidTypeError, r"'start' must be a date"),
            ({"seed": -1}, InvalidInputError, r"'seed'.*got -1"),
            ({"seed": "abc"}, InvalidTypeError, r"'seed' must be an integer"),
            ({"currency": "yuan"}, InvalidInputError, r"'currency'"),
        ],
    )
    def test_bad_input_is_named(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Counts, parameters, dates and seeds are checked before anything is drawn."""
        with pytest.raises(error, match=match):
            simulate_transactions(**{"n_customers": 5, "seed": 1, **kwargs})


class TestSimulateSurveyResponses:
    def test_shares_shape_the_answers(self) -> None:
        """All the weight on 10 gives only 10s; the default kind is NPS."""
        shares = [0.0] * 10 + [1.0]

        responses = simulate_survey_responses(50, shares=shares, seed=1)

        assert {10} == set(responses.score.tolist())
        assert (0, 10) == responses.scale

    def test_answers_are_seeded_in_time_order_and_on_the_scale(self) -> None:
        """CES answers lie in 1..7, sorted by time, identical for the same seed."""
        responses = simulate_survey_responses(300, kind="ces", seed=4)

        assert responses == simulate_survey_responses(300, kind="ces", seed=4)
        assert 1 == responses.score.min()
        assert 7 == responses.score.max()
        assert (np.diff(responses.at) >= np.timedelta64(0)).all()

    def test_each_customer_answers_once_when_the_base_is_large_enough(self) -> None:
        """With n_customers >= n_responses nobody answers twice."""
        responses = simulate_survey_responses(100, n_customers=100, seed=2)

        assert 100 == len(set(responses.customer_id.tolist()))

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            (
                {"shares": [0.5, 0.5]},
                r"'shares' must be 11 values, one per score on the nps scale; got 2 values",
            ),
            ({"shares": [0.2] * 11}, r"'shares' must be probabilities summing to 1; got 2\.2"),
            ({"shares": [-0.1, 1.1] + [0.0] * 9}, r"'shares'.*-0\.1 at index 0"),
            ({"kind": "stars"}, r"'kind' must be one of 'nps', 'csat', 'ces'; got 'stars'"),
            ({"n_responses": 0}, r"'n_responses' must be an integer of at least 1; got 0"),
        ],
    )
    def test_bad_input_is_named(self, kwargs: dict[str, object], match: str) -> None:
        """Shares, kinds and counts are checked and named."""
        with pytest.raises(InvalidInputError, match=match):
            simulate_survey_responses(**{"n_responses": 10, "seed": 1, **kwargs})
