"""Survival: Kaplan-Meier curves with censoring, and customer tenures from purchases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit import Transactions
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics import CustomerTenure, KaplanMeierResult, customer_tenure, kaplan_meier

DURATIONS = [1, 2, 2, 3, 4, 5, 5, 6]
OBSERVED = [1, 1, 0, 1, 0, 1, 1, 0]
"""The docstring example: eight customers, five churned, three censored."""

SHANGHAI = timezone(timedelta(hours=8))


def product_limit(
    durations: list[float], observed: list[int]
) -> tuple[list[float], list[float], list[int], list[int]]:
    """Oracle: the Kaplan-Meier estimate by its definition, one distinct time at a time.

    At each time t: n = subjects with duration >= t (censored at t still count), d = events
    at t, and S(t) = S(t-) * (1 - d / n).
    """
    times = sorted(set(durations))
    survival, at_risk, events = [], [], []
    level = 1.0
    for t in times:
        n = sum(d >= t for d in durations)
        d = sum(1 for x, e in zip(durations, observed, strict=True) if x == t and e)
        level *= 1 - d / n
        survival.append(level)
        at_risk.append(n)
        events.append(d)
    return times, survival, at_risk, events


samples = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12).map(float), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)
"""(durations, observed) pairs with many ties between events and censorings."""


# --- kaplan_meier -------------------------------------------------------------------------


class TestKaplanMeier:
    def test_docstring_example_by_hand(self) -> None:
        """Product limit: t=1: 8 at risk, 1 event, 7/8 = 0.875; t=2: 7 at risk, 1 event (the
        censored 2 still at risk), 0.875 * 6/7 = 0.75; t=3: 5, 1 -> 0.75 * 4/5 = 0.6; t=4:
        censored only, 0.6; t=5: 3 at risk, 2 events -> 0.6 * 1/3 = 0.2; t=6: censored, 0.2."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        assert [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] == km.times.tolist()
        assert pytest.approx([0.875, 0.75, 0.6, 0.6, 0.2, 0.2]) == km.survival.tolist()
        assert [8, 7, 5, 4, 3, 1] == km.at_risk.tolist()
        assert [1, 1, 1, 0, 2, 0] == km.events.tolist()
        assert 0.95 == km.confidence

    def test_repr_and_median(self) -> None:
        """Survival first drops to 0.5 or below at t = 5 (0.2)."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        assert 5.0 == km.median
        assert "KaplanMeierResult(n=8, n_events=5, median=5.0)" == repr(km)
        assert isinstance(km, KaplanMeierResult)

    def test_median_exactly_one_half(self) -> None:
        """Two events at 2 and 4: S(2) = 0.5 is 'at or below one half', so the median is 2."""
        assert 2.0 == kaplan_meier([2, 4], [1, 1]).median

    def test_median_none_when_never_reached(self) -> None:
        """One event of four, the rest censored: S stays at 0.75, no median."""
        km = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])

        assert km.median is None
        assert "KaplanMeierResult(n=4, n_events=1, median=None)" == repr(km)

    def test_survival_at(self) -> None:
        """Before the first time 1; between steps the last level; past the end the last."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        assert [1.0, 1.0, 0.875, 0.75, 0.75, 0.2] == km.survival_at(
            [0, 0.999, 1, 2, 2.5, 10]
        ).tolist()
        assert [] == km.survival_at([]).tolist()

    def test_survival_at_negative_times_is_one(self) -> None:
        """Any time before the first observation, even negative, has survival 1."""
        assert [1.0] == kaplan_meier([3], [1]).survival_at([-5]).tolist()

    def test_restricted_mean_by_hand(self) -> None:
        """Area under the docstring curve to t = 6: 1*1 + 1*0.875 + 1*0.75 + 1*0.6 + 1*0.6 +
        1*0.2 = 4.025."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        assert pytest.approx(4.025) == km.restricted_mean()

    def test_restricted_mean_horizons(self) -> None:
        """Events at 2 and 4 (S = 1, 0.5, 0): to 4 it is 1*2 + 0.5*2 = 3; to 3, 2 + 0.5 = 2.5;
        to 1, 1; to 10, still 3 (the curve is 0 after 4); to 0, 0."""
        km = kaplan_meier([2, 4], [1, 1])

        assert 3.0 == km.restricted_mean()
        assert (2.5, 1.0, 3.0, 0.0) == (
            km.restricted_mean(3),
            km.restricted_mean(1),
            km.restricted_mean(10),
            km.restricted_mean(0),
        )

    def test_restricted_mean_of_censored_tail_extends_the_last_level(self) -> None:
        """Event at 1 (S = 0.5), censored at 2: to horizon 4 the area is 1 + 0.5 * 3 = 2.5."""
        assert 2.5 == kaplan_meier([1, 2], [1, 0]).restricted_mean(4)

    def test_band_of_the_example(self) -> None:
        """The Greenwood log-log band contains the curve, lies in [0, 1], and does not
        collapse where the curve is strictly between 0 and 1."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        assert np.all(km.ci_low <= km.survival)
        assert np.all(km.survival <= km.ci_high)
        assert np.all(km.ci_low < km.ci_high)
        assert np.all((0.0 <= km.ci_low) & (km.ci_high <= 1.0))

    def test_band_narrows_with_lower_confidence(self) -> None:
        """The 80 % band lies inside the 95 % band."""
        wide = kaplan_meier(DURATIONS, OBSERVED)
        narrow = kaplan_meier(DURATIONS, OBSERVED, confidence=0.8)

        assert np.all(wide.ci_low <= narrow.ci_low + 1e-12)
        assert np.all(narrow.ci_high <= wide.ci_high + 1e-12)
        assert 0.8 == narrow.confidence

    def test_curve_reaching_zero_has_a_zero_band(self) -> None:
        """When everybody churns the curve ends at 0 and the band there is [0, 0]."""
        km = kaplan_meier([1, 2, 3], [1, 1, 1])

        assert pytest.approx([2 / 3, 1 / 3, 0.0]) == km.survival.tolist()
        assert (0.0, 0.0) == (km.ci_low[-1], km.ci_high[-1])

    def test_no_events_gives_a_curve_of_ones(self) -> None:
        """Everybody censored: survival 1 throughout, band [1, 1], no median, and the
        restricted mean is the horizon."""
        km = kaplan_meier([3, 1, 2], [0, 0, 0])

        assert [1.0, 2.0, 3.0] == km.times.tolist()
        assert [1.0, 1.0, 1.0] == km.survival.tolist()
        assert ([1.0] * 3, [1.0] * 3) == (km.ci_low.tolist(), km.ci_high.tolist())
        assert ([3, 2, 1], [0, 0, 0]) == (km.at_risk.tolist(), km.events.tolist())
        assert km.median is None
        assert 3.0 == km.restricted_mean()

    def test_single_subject(self) -> None:
        """One churn at day 3: survival 0 at 3, median 3, restricted mean 3."""
        km = kaplan_meier([3], [1])

        assert ([0.0], 3.0, 3.0) == (km.survival.tolist(), km.median, km.restricted_mean())

    def test_zero_durations(self) -> None:
        """A churn at time 0 and a censoring at 0: 2 at risk, 1 event, S(0) = 0.5."""
        km = kaplan_meier([0, 0], [1, 0])

        assert ([0.0], [0.5], [2], [1]) == (
            km.times.tolist(),
            km.survival.tolist(),
            km.at_risk.tolist(),
            km.events.tolist(),
        )

    def test_bool_and_integer_observed_agree(self) -> None:
        """True/False, 1/0 and 1.0/0.0 flags give the same curve."""
        flags = [bool(x) for x in OBSERVED]
        from_ints = kaplan_meier(DURATIONS, OBSERVED)

        for observed in (
            flags,
            np.array(flags),
            [float(x) for x in OBSERVED],
            pd.Series(OBSERVED),
        ):
            km = kaplan_meier(DURATIONS, observed)
            assert from_ints.survival.tolist() == km.survival.tolist()
            assert from_ints.events.tolist() == km.events.tolist()

    def test_input_order_does_not_matter(self) -> None:
        """Reversing the subjects gives the same curve."""
        forward = kaplan_meier(DURATIONS, OBSERVED)
        backward = kaplan_meier(DURATIONS[::-1], OBSERVED[::-1])

        assert forward.survival.tolist() == backward.survival.tolist()
        assert forward.ci_low.tolist() == backward.ci_low.tolist()

    def test_to_frame(self) -> None:
        """Columns `time, survival, ci_low, ci_high, at_risk, events`, one row per time."""
        frame = kaplan_meier([1, 2], [1, 0]).to_frame()

        assert ["time", "survival", "ci_low", "ci_high", "at_risk", "events"] == list(
            frame.columns
        )
        assert [1.0, 2.0] == frame["time"].tolist()
        assert [0.5, 0.5] == frame["survival"].tolist()

    @given(sample=samples)
    @settings(max_examples=60)
    def test_matches_an_independent_product_limit(
        self, sample: tuple[list[float], list[int]]
    ) -> None:
        """Times, survival, at-risk and event counts agree with the oracle on random data."""
        durations, observed = sample
        times, survival, at_risk, events = product_limit(durations, observed)

        km = kaplan_meier(durations, observed)

        assert times == km.times.tolist()
        assert pytest.approx(survival, abs=1e-12) == km.survival.tolist()
        assert at_risk == km.at_risk.tolist()
        assert events == km.events.tolist()

    @given(sample=samples, confidence=st.floats(0.5, 0.99))
    @settings(max_examples=60)
    def test_band_contains_the_estimate(
        self, sample: tuple[list[float], list[int]], confidence: float
    ) -> None:
        """0 <= ci_low <= survival <= ci_high <= 1 everywhere; the curve never rises."""
        km = kaplan_meier(*sample, confidence=confidence)

        assert np.all(0.0 <= km.ci_low)
        assert np.all(km.ci_low <= km.survival + 1e-12)
        assert np.all(km.survival <= km.ci_high + 1e-12)
        assert np.all(km.ci_high <= 1.0)
        assert np.all(np.diff(km.survival) <= 0)

    @given(sample=samples)
    @settings(max_examples=60)
    def test_counts_add_up(self, sample: tuple[list[float], list[int]]) -> None:
        """Everybody is at risk at the first time, and the events sum to the churned."""
        durations, observed = sample
        km = kaplan_meier(durations, observed)

        assert len(durations) == km.at_risk[0]
        assert sum(observed) == km.events.sum()

    @given(sample=samples, horizon=st.floats(0, 20))
    @settings(max_examples=60)
    def test_restricted_mean_is_the_area_under_the_steps(
        self, sample: tuple[list[float], list[int]], horizon: float
    ) -> None:
        """The restricted mean equals a fine Riemann sum of survival_at, lies in
        [0, horizon], and matches the Riemann sum of the oracle."""
        km = kaplan_meier(*sample)
        grid = np.linspace(0, horizon, 20_001)
        riemann = float(np.sum(km.survival_at(grid[:-1]) * np.diff(grid)))

        area = km.restricted_mean(horizon)

        assert 0.0 <= area <= horizon + 1e-12
        assert pytest.approx(riemann, abs=horizon * 2e-4 + 1e-12) == area

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"durations": [-1, 2]},
                InvalidInputError,
                r"'durations' must be finite numbers of at least 0; "
                r"got -1\.0 at index 0 \(1 of 2 rows\)",
            ),
            (
                {"durations": [1, float("nan")]},
                InvalidInputError,
                r"'durations' must be finite numbers of at least 0; got nan at index 1",
            ),
            (
                {"durations": [float("inf"), 2]},
                InvalidInputError,
                r"'durations' must be finite numbers of at least 0; got inf at index 0",
            ),
            (
                {"durations": [], "observed": []},
                InvalidInputError,
                r"'durations' must be non-empty; got an empty array",
            ),
            (
                {"durations": ["a", "b"]},
                InvalidTypeError,
                r"'durations' must be an array of numbers; got an array of dtype <U1",
            ),
            (
                {"durations": [[1, 2]]},
                InvalidInputError,
                r"'durations' must be one-dimensional; got an array of shape \(1, 2\)",
            ),
            (
                {"observed": [2, 1]},
                InvalidInputError,
                r"'observed' must be whole numbers from 0 to 1; got 2 at index 0",
            ),
            (
                {"observed": [1, 0.5]},
                InvalidInputError,
                r"'observed' must be whole numbers from 0 to 1; got 0\.5 at index 1",
            ),
            (
                {"observed": [1, -1]},
                InvalidInputError,
                r"'observed' must be whole numbers from 0 to 1; got -1 at index 1",
            ),
            (
                {"observed": [1]},
                InvalidInputError,
                r"'observed' must be the same length as 'durations' \(2\); got length 1",
            ),
            (
                {"observed": [1, 0, 1]},
                InvalidInputError,
                r"'observed' must be the same length as 'durations' \(2\); got length 3",
            ),
            (
                {"confidence": 1.5},
                InvalidInputError,
                r"'confidence' must be a finite number in \(0, 1\); got 1\.5",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Negative or non-finite durations, flags other than 0/1, mismatched lengths, empty
        samples and a bad confidence are refused."""
        refused(kaplan_meier, {"durations": [1, 2], "observed": [1, 0], **kwargs}, error, match)

    @pytest.mark.parametrize(
        ("method", "kwargs", "match"),
        [
            (
                "restricted_mean",
                {"horizon": -1},
                r"'horizon' must be a finite number of at least 0; got -1\.0",
            ),
            (
                "restricted_mean",
                {"horizon": float("nan")},
                r"'horizon' must be a finite number of at least 0; got nan",
            ),
            (
                "survival_at",
                {"times": [1, float("nan")]},
                r"'times' must be finite numbers; got nan at index 1",
            ),
        ],
    )
    def test_bad_method_arguments_are_refused(
        self, method: str, kwargs: dict[str, Any], match: str
    ) -> None:
        """A negative horizon and NaN times are refused."""
        km = kaplan_meier(DURATIONS, OBSERVED)

        refused(getattr(km, method), kwargs, InvalidInputError, match)


# --- customer_tenure ----------------------------------------------------------------------


def tenure_log() -> Transactions:
    """a: 1 Jan and 1 Feb 2024. b: 1 Jan and 1 Dec 2024. d: 1 Jun 2024 and 5 Jan 2025.
    e: 1 Feb and 1 Mar 2024 (leap February). f: 1 Feb and 1 Mar 2023. c: 10 Jan 2025 only."""
    return Transactions.from_arrays(
        customer_id=["a", "a", "b", "b", "c", "d", "d", "e", "e", "f", "f"],
        at=np.array(
            [
                "2024-01-01",
                "2024-02-01",
                "2024-01-01",
                "2024-12-01",
                "2025-01-10",
                "2024-06-01",
                "2025-01-05",
                "2024-02-01",
                "2024-03-01",
                "2023-02-01",
                "2023-03-01",
            ],
            dtype="datetime64[us]",
        ),
        amount=[1.0] * 11,
    )


class TestCustomerTenure:
    def test_docstring_example(self) -> None:
        """As of 31 Dec 2024 with a 180-day rule: a's last purchase (1 Feb) is 334 days back,
        so a churned after 31 days; b bought on 1 Dec, is active and censored at 365 days (1 Jan
        to the end of 31 Dec in a leap year: 365 whole days)."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a", "b", "b"],
            amount=[1.0] * 4,
            at=np.array(
                ["2024-01-01", "2024-02-01", "2024-01-01", "2024-12-01"], dtype="datetime64[us]"
            ),
        )

        t = customer_tenure(txns, as_of=date(2024, 12, 31), churn_after_days=180)

        assert (["a", "b"], [31.0, 365.0], [True, False]) == (
            t.customer_id.tolist(),
            t.duration_days.tolist(),
            t.is_churned.tolist(),
        )
        assert (180, datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)) == (
            t.churn_after_days,
            t.as_of,
        )

    def test_crafted_log(self) -> None:
        """As of 31 Dec 2024, 180 days: c bought only after as_of and is left out; d's 2025
        purchase is ignored, so d's last purchase is 1 Jun (213 days back): churned after 0
        days; e churned after 29 days (February 2024 has 29); f after 28 (2023 has 28)."""
        t = customer_tenure(tenure_log(), as_of=date(2024, 12, 31), churn_after_days=180)

        assert ["a", "b", "d", "e", "f"] == t.customer_id.tolist()
        assert [31.0, 365.0, 0.0, 29.0, 28.0] == t.duration_days.tolist()
        assert [True, False, True, True, True] == t.is_churned.tolist()
        assert "CustomerTenure(n_customers=5, n_churned=4, churn_after_days=180)" == repr(t)
        assert isinstance(t, CustomerTenure)

    def test_censored_tenure_runs_to_as_of(self) -> None:
        """With a 1000-day rule nobody has churned yet: every tenure runs from the first
        purchase to the end of 31 Dec 2024 (f: 1 Feb 2023 + 365 + 334 = 699 days)."""
        t = customer_tenure(tenure_log(), as_of=date(2024, 12, 31), churn_after_days=1000)

        assert [365.0, 365.0, 213.0, 334.0, 699.0] == t.duration_days.tolist()
        assert not t.is_churned.any()

    def test_churn_boundary_is_inclusive(self) -> None:
        """As of 31 Dec 2024 00:00 UTC, a purchase on 4 Jul 00:00 is exactly 180 days back:
        churned; one a microsecond later is 179.99... whole days back: still active."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b"],
            at=np.array(["2024-07-04T00:00", "2024-07-04T00:00:00.000001"], "datetime64[us]"),
            amount=[1.0, 1.0],
        )

        t = customer_tenure(txns, as_of=datetime(2024, 12, 31, tzinfo=UTC), churn_after_days=180)

        assert [True, False] == t.is_churned.tolist()
        assert [0.0, 179.0] == t.duration_days.tolist()

    def test_aware_as_of_is_stored_in_utc(self) -> None:
        """An as_of of 1 Jan 2025 08:00 in Shanghai is midnight UTC; d's 5 Jan purchase is
        still after it."""
        t = customer_tenure(
            tenure_log(), as_of=datetime(2025, 1, 1, 8, tzinfo=SHANGHAI), churn_after_days=180
        )

        assert datetime(2025, 1, 1, tzinfo=UTC) == t.as_of
        assert UTC == t.as_of.tzinfo
        assert 5 == t.customer_id.size

    def test_later_as_of_brings_purchases_in(self) -> None:
        """As of 31 Jan 2025 c (10 Jan) is in, and d's 5 Jan purchase makes d active again."""
        t = customer_tenure(tenure_log(), as_of=date(2025, 1, 31), churn_after_days=180)
        churned = dict(zip(t.customer_id.tolist(), t.is_churned.tolist(), strict=True))

        assert {"a": True, "b": False, "c": False, "d": False, "e": True, "f": True} == churned

    def test_no_churn_gives_a_curve_of_ones(self) -> None:
        """Nobody churned: the Kaplan-Meier curve of the tenures stays at 1."""
        t = customer_tenure(tenure_log(), as_of=date(2024, 12, 31), churn_after_days=1000)

        assert np.all(t.kaplan_meier().survival == 1.0)

    def test_kaplan_meier_method(self) -> None:
        """`.kaplan_meier()` is `kaplan_meier(duration_days, is_churned)`: durations 0, 28, 29,
        31 churned and 365 censored give S = 4/5, 3/5, 2/5, 1/5, 1/5."""
        t = customer_tenure(tenure_log(), as_of=date(2024, 12, 31), churn_after_days=180)

        km = t.kaplan_meier(confidence=0.9)

        assert [0.0, 28.0, 29.0, 31.0, 365.0] == km.times.tolist()
        assert pytest.approx([0.8, 0.6, 0.4, 0.2, 0.2]) == km.survival.tolist()
        direct = kaplan_meier(t.duration_days, t.is_churned, confidence=0.9)
        assert direct.ci_low.tolist() == km.ci_low.tolist()
        assert 0.9 == km.confidence

    def test_to_frame(self) -> None:
        """Columns `customer_id, duration_days, is_churned`, one row per customer."""
        frame = customer_tenure(
            tenure_log(), as_of=date(2024, 12, 31), churn_after_days=180
        ).to_frame()

        assert ["customer_id", "duration_days", "is_churned"] == list(frame.columns)
        assert 5 == len(frame)

    def test_sample_docstring(self, sample: Any) -> None:
        """The docstring's sample figures: 1992 of 5000 churned, S(365) = 0.54."""
        t = customer_tenure(sample.transactions, as_of=date(2025, 1, 1), churn_after_days=180)

        assert (5000, 1992) == (t.customer_id.size, int(t.is_churned.sum()))
        assert 0.54 == round(float(t.kaplan_meier().survival_at([365])[0]), 3)

    @given(
        offsets=st.lists(st.integers(0, 2000), min_size=1, max_size=30),
        ids=st.lists(st.sampled_from("abcde"), min_size=30, max_size=30),
        extra=st.integers(0, 500),
        rule=st.integers(1, 400),
    )
    @settings(max_examples=50)
    def test_tenures_are_consistent(
        self, offsets: list[int], ids: list[str], extra: int, rule: int
    ) -> None:
        """Durations are whole, non-negative days no longer than first purchase to as_of;
        churned exactly when the last purchase is at least `rule` days back."""
        at = np.datetime64("2020-01-01", "us") + np.array(offsets, dtype="timedelta64[D]")
        txns = Transactions.from_arrays(
            customer_id=ids[: len(offsets)], at=at, amount=[1.0] * len(offsets)
        )
        as_of_day = np.datetime64("2020-01-01") + np.timedelta64(max(offsets) + extra, "D")
        as_of = datetime.fromisoformat(str(as_of_day)).replace(tzinfo=UTC)

        t = customer_tenure(txns, as_of=as_of, churn_after_days=rule)

        for customer, duration, churned in zip(
            t.customer_id.tolist(), t.duration_days.tolist(), t.is_churned.tolist(), strict=True
        ):
            own = [o for o, c in zip(offsets, ids, strict=False) if c == customer]
            last_gap = max(offsets) + extra - max(own)
            assert (last_gap >= rule) == churned
            expected = max(own) - min(own) if churned else max(offsets) + extra - min(own)
            assert expected == duration

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"churn_after_days": 0},
                InvalidInputError,
                r"'churn_after_days' must be an integer of at least 1; got 0",
            ),
            (
                {"churn_after_days": -30},
                InvalidInputError,
                r"'churn_after_days' must be an integer of at least 1; got -30",
            ),
            (
                {"churn_after_days": 1.5},
                InvalidTypeError,
                r"'churn_after_days' must be an integer; got float 1\.5",
            ),
            (
                {"as_of": datetime(2025, 2, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime; "
                r"got datetime\.datetime\(2025, 2, 1, 0, 0\)",
            ),
            (
                {"as_of": "2025-02-01"},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got str '2025-02-01'",
            ),
            (
                {"as_of": date(2023, 1, 31)},
                InvalidInputError,
                r"'as_of' must be at or after the first transaction \(2023-02-01\)",
            ),
            (
                {
                    "transactions": Transactions.from_arrays(
                        customer_id=[], at=np.array([], "datetime64[us]"), amount=[]
                    )
                },
                InvalidInputError,
                r"'transactions' must be non-empty; got no rows",
            ),
            (
                {"transactions": pd.DataFrame()},
                InvalidTypeError,
                r"'transactions' must be a Transactions; got DataFrame",
            ),
        ],
    )
    def test_bad_inputs_are_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A churn rule below one day, naive or non-date as_of, an as_of before every
        purchase and empty logs are refused."""
        call = {
            "transactions": tenure_log(),
            "as_of": date(2024, 12, 31),
            "churn_after_days": 180,
            **kwargs,
        }
        refused(customer_tenure, call, error, match)
