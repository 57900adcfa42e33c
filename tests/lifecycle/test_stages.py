"""Stages from behaviour (classify_stages, StageRules), churn_risk and the intervention plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmkit import Transactions, io
from crmkit.datasets import Sample
from crmkit.errors import InvalidDefinitionError, InvalidInputError, InvalidTypeError
from crmkit.lifecycle import (
    DEFAULT_MATRIX,
    STAGES,
    ChurnRiskResult,
    InterventionCell,
    InterventionMatrix,
    InterventionResult,
    StageResult,
    StageRules,
    churn_risk,
    classify_stages,
    intervention_plan,
)

BACKENDS = ["pandas", "polars", "pyarrow"]
DAY_US = 86_400_000_000
NEW_YEAR = datetime(2025, 1, 1, tzinfo=UTC)
"""as_of for the crafted log: midnight UTC, so a purchase n days before is n days old."""
RISK_TIERS = ("low", "medium", "high", "churned")
VALUE_TIERS = ("high", "medium", "low")
DEFAULT_ACTIONS = {
    ("high", "low"): "keep",
    ("high", "medium"): "personal_call",
    ("high", "high"): "personal_call",
    ("high", "churned"): "win_back_offer",
    ("medium", "low"): "nurture",
    ("medium", "medium"): "nurture",
    ("medium", "high"): "win_back_offer",
    ("medium", "churned"): "win_back_offer",
    ("low", "low"): "nurture",
    ("low", "medium"): "let_go",
    ("low", "high"): "let_go",
    ("low", "churned"): "let_go",
}


def columns_of(frame: Any) -> list[str]:
    """Column names of a pandas, polars or pyarrow frame."""
    if isinstance(frame, pa.Table):
        return list(frame.column_names)
    return list(frame.columns)


def log(ids: list[str], at: list[str]) -> Transactions:
    """A purchase log of ISO times (read as UTC), every amount 1.0."""
    return Transactions.from_arrays(
        customer_id=ids, amount=[1.0] * len(ids), at=np.array(at, dtype="datetime64[us]")
    )


def days_before(ages: dict[str, list[int]], end: datetime = NEW_YEAR) -> Transactions:
    """A log from each customer's purchase ages, in whole days before *end* (midnight UTC)."""
    ids = [c for c, days in ages.items() for _ in days]
    at = [
        (end - timedelta(days=d)).strftime("%Y-%m-%dT%H:%M")
        for days in ages.values()
        for d in days
    ]
    return log(ids, at)


CRAFTED = {
    "active": [95, 55, 25, 5],
    "gone": [200],
    "late": [70],
    "new1": [10],
    "react": [93, 3],
    "risk": [60, 50],
}
"""Purchase ages in days before 1 Jan 2025. Gaps: active 40, 30, 20; react 90; risk 10: the
population's gaps are 10, 20, 30, 40, 90."""


def crafted(**rules: Any) -> StageResult:
    """classify_stages over CRAFTED as of 1 Jan 2025 00:00 UTC."""
    return classify_stages(days_before(CRAFTED), as_of=NEW_YEAR, rules=StageRules(**rules))


def reference(
    ids: list[str], at_us: list[int], instant_us: int, rules: StageRules
) -> dict[str, tuple[str, float, float]]:
    """classify_stages by hand, one customer at a time: (stage, at-risk line, churn line)."""
    times: dict[str, list[int]] = {}
    for customer, moment in zip(ids, at_us, strict=True):
        if moment <= instant_us:
            times.setdefault(customer, []).append(moment)
    gaps_of = {
        c: [(b - a) / DAY_US for a, b in zip(sorted(t), sorted(t)[1:], strict=False)]
        for c, t in times.items()
    }
    everyone = [g for gaps in gaps_of.values() for g in gaps]
    result = {}
    for customer, moments in times.items():
        if rules.method == "percentile":
            low, high = (
                float(q)
                for q in np.quantile(everyone, [rules.at_risk_percentile, rules.churn_percentile])
            )
        else:
            gaps = gaps_of[customer]  # own median, or the population's; at least a day
            own = max(float(np.median(gaps)) if gaps else float(np.median(everyone)), 1.0)
            low, high = rules.at_risk_factor * own, rules.churn_factor * own
        recency = (instant_us - max(moments)) / DAY_US
        tenure = (instant_us - min(moments)) / DAY_US
        silence = gaps_of[customer][-1] if gaps_of[customer] else 0.0
        if recency > high:
            stage = "churned"
        elif recency > low:
            stage = "at_risk"
        elif silence > high:
            stage = "reactivated"
        elif tenure <= rules.new_days:
            stage = "new"
        else:
            stage = "active"
        result[customer] = (stage, low, high)
    return result


@st.composite
def purchase_logs(draw: st.DrawFn, *, distinct: bool = False) -> tuple[list[str], list[int]]:
    """Up to 30 purchases by customers a-f, on whole hours over about 14 months (so repeats
    at the same instant, zero gaps, occur unless *distinct*); at least one customer buys
    twice. Times are microseconds since the epoch."""
    n = draw(st.integers(2, 30))
    pairs = st.tuples(st.sampled_from("abcdef"), st.integers(0, 420 * 24))
    rows = draw(st.lists(pairs, min_size=n, max_size=n, unique=distinct))
    ids = [c for c, _ in rows]
    assume(len(set(ids)) < len(ids))
    start = int(np.datetime64("2023-11-20", "us").astype(np.int64))
    return ids, [start + hours * 3_600_000_000 for _, hours in rows]


def as_log(ids: list[str], at_us: list[int]) -> Transactions:
    """The log of ids and microsecond times."""
    return Transactions.from_arrays(
        customer_id=ids, amount=[1.0] * len(ids), at=np.array(at_us, dtype="datetime64[us]")
    )


def instant(at_us: int) -> datetime:
    """The aware UTC datetime of a microsecond time."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at_us)


methods = st.sampled_from(["percentile", "rhythm"])


# --- StageRules -----------------------------------------------------------------------------


class TestStageRules:
    def test_defaults(self) -> None:
        """percentile, 90 new days, 75th and 95th gap percentiles, factors 2 and 4."""
        expected = StageRules(
            method="percentile",
            new_days=90,
            at_risk_percentile=0.75,
            churn_percentile=0.95,
            at_risk_factor=2.0,
            churn_factor=4.0,
        )

        assert expected == StageRules()

    def test_docstring_example(self) -> None:
        """Raising the at-risk factor to 2.5 keeps the churn factor 4."""
        assert 4.0 == StageRules(method="rhythm", at_risk_factor=2.5).churn_factor

    def test_the_at_risk_line_beyond_the_churn_line_is_a_problem(self) -> None:
        """0.9 then 0.8: the at-risk percentile is beyond the churn one."""
        with pytest.raises(InvalidDefinitionError) as caught:
            StageRules(at_risk_percentile=0.9, churn_percentile=0.8)

        expected = (
            "invalid StageRules: 1 problem\n"
            "  - at_risk_percentile (0.9) must be below churn_percentile (0.8)"
        )
        assert expected == str(caught.value)

    def test_contradictions_of_both_methods_are_listed_together(self) -> None:
        """Percentiles 0.9 / 0.8 and factors 4 / 2 are both backwards: two problems."""
        with pytest.raises(InvalidDefinitionError) as caught:
            StageRules(
                at_risk_percentile=0.9, churn_percentile=0.8, at_risk_factor=4, churn_factor=2
            )

        expected = (
            "at_risk_percentile (0.9) must be below churn_percentile (0.8)",
            "at_risk_factor (4) must be below churn_factor (2)",
        )
        assert expected == caught.value.problems

    def test_equal_lines_are_a_problem(self) -> None:
        """A factor of 3 for both lines leaves no at-risk band."""
        with pytest.raises(
            InvalidDefinitionError, match=r"at_risk_factor \(3\) must be below churn_factor \(3\)"
        ):
            StageRules(method="rhythm", at_risk_factor=3, churn_factor=3)

    def test_every_malformed_setting_is_listed_at_once(self) -> None:
        """A bad method, negative new_days, percentiles 0 and 1.5, a negative and a NaN
        factor: six problems, each naming the setting and its value."""
        with pytest.raises(InvalidDefinitionError) as caught:
            StageRules(
                method="median",  # type: ignore[arg-type]
                new_days=-1,
                at_risk_percentile=0,
                churn_percentile=1.5,
                at_risk_factor=-1,
                churn_factor=float("nan"),
            )

        expected = (
            "method must be 'percentile' or 'rhythm'; got 'median'",
            "new_days must be a whole number of days >= 0; got -1",
            "at_risk_percentile must be a number in (0, 1); got 0",
            "churn_percentile must be a number in (0, 1); got 1.5",
            "at_risk_factor must be a positive number; got -1",
            "churn_factor must be a positive number; got nan",
        )
        assert expected == caught.value.problems

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"new_days": -1}, "new_days must be a whole number of days >= 0; got -1"),
            ({"new_days": 30.5}, "new_days must be a whole number of days >= 0; got 30.5"),
            ({"new_days": True}, "new_days must be a whole number of days >= 0; got True"),
            (
                {"at_risk_percentile": 0.0},
                "at_risk_percentile must be a number in (0, 1); got 0.0",
            ),
            ({"churn_percentile": 1.0}, "churn_percentile must be a number in (0, 1); got 1.0"),
            (
                {"churn_percentile": "0.9"},
                "churn_percentile must be a number in (0, 1); got '0.9'",
            ),
            ({"at_risk_factor": 0}, "at_risk_factor must be a positive number; got 0"),
            ({"churn_factor": float("inf")}, "churn_factor must be a positive number; got inf"),
            ({"method": "Rhythm"}, "method must be 'percentile' or 'rhythm'; got 'Rhythm'"),
        ],
    )
    def test_bad_settings_are_named_with_their_value(
        self, kwargs: dict[str, Any], problem: str
    ) -> None:
        """Each bad setting is the one problem listed."""
        with pytest.raises(InvalidDefinitionError) as caught:
            StageRules(**kwargs)

        assert (problem,) == caught.value.problems

    @pytest.mark.parametrize(
        "rules",
        [
            StageRules(),
            StageRules(method="rhythm", new_days=0, at_risk_factor=1.5, churn_factor=2.5),
        ],
        ids=["default", "rhythm"],
    )
    def test_round_trips_through_json(self, rules: StageRules) -> None:
        """StageRules read back equal from JSON."""
        assert rules == io.from_json(StageRules, io.to_json(rules))

    def test_json_with_contradictory_lines_lists_the_problem(self) -> None:
        """An at-risk percentile of 0.99 in JSON lies beyond the default churn one (0.95)."""
        with pytest.raises(InvalidDefinitionError) as caught:
            io.from_json(StageRules, '{"at_risk_percentile": 0.99}')

        assert (
            "at_risk_percentile (0.99) must be below churn_percentile (0.95)",
        ) == caught.value.problems

    def test_json_with_an_unknown_method_names_it(self) -> None:
        """method 'median' in JSON is an InvalidInputError naming 'method' and the value."""
        with pytest.raises(
            InvalidInputError,
            match=r"'method' must be one of 'percentile', 'rhythm'; got 'median'",
        ):
            io.from_json(StageRules, '{"method": "median"}')


# --- classify_stages ------------------------------------------------------------------------


class TestClassifyStages:
    def test_docstring_example(self) -> None:
        """Rhythm: a (gaps 31 and 29 days, median 30, churn line 120) last bought on 1 Mar,
        306 days before 31 Dec: churned. b (gap 30, line 120) last bought on 31 Jan:
        churned. c bought once, on 20 Dec (11 days, new)."""
        txns = log(
            ["a", "a", "a", "b", "b", "c"],
            ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-01-31", "2024-12-20"],
        )

        result = classify_stages(txns, as_of=date(2024, 12, 31), rules=StageRules(method="rhythm"))

        assert ["churned", "churned", "new"] == result.stage.tolist()

    def test_percentile_by_hand(self) -> None:
        """The population's gaps sorted are 10, 20, 30, 40, 90 days; numpy's linear
        quantile puts q at position 4q: the 0.75 quantile is at position 3, 40 days; the
        0.95 quantile at 3.8, 40 + 0.8 * (90 - 40) = 80 days. So, by days since the last
        purchase: active 5 (first 95 days ago, > 90: active); gone 200 > 80: churned; late
        70 in (40, 80]: at risk; new1 10, first 10 days ago: new; react 3, but its last
        silence was 90 > 80: reactivated; risk 50 in (40, 80]: at risk (though its first
        purchase, 60 days ago, would make it new)."""
        result = crafted()

        assert ["active", "gone", "late", "new1", "react", "risk"] == result.customer_id.tolist()
        assert [
            "active",
            "churned",
            "at_risk",
            "new",
            "reactivated",
            "at_risk",
        ] == result.stage.tolist()
        assert [5.0, 200.0, 70.0, 10.0, 3.0, 50.0] == result.recency_days.tolist()
        assert [40.0] * 6 == pytest.approx(result.at_risk_days.tolist())
        assert [80.0] * 6 == pytest.approx(result.churn_days.tolist())
        expected_counts = {"new": 1, "active": 1, "reactivated": 1, "at_risk": 2, "churned": 1}
        assert expected_counts == result.counts

    def test_rhythm_by_hand(self) -> None:
        """Own median gap (at least a day) times 2 (at risk) and 4 (churned): active's gaps
        40, 30, 20 have
        median 30 (lines 60, 120): 5 days, active. react's one gap 90 (lines 180, 360): its
        90-day silence is not beyond 360, so 3 days is plain active. risk's gap 10 (lines
        20, 40): 50 days, churned. The one-time buyers take the population's median gap,
        30 (lines 60, 120): gone 200 churned, late 70 at risk, new1 10 new."""
        result = crafted(method="rhythm")

        assert [
            "active",
            "churned",
            "at_risk",
            "new",
            "active",
            "churned",
        ] == result.stage.tolist()
        assert [60.0, 60.0, 60.0, 60.0, 180.0, 20.0] == result.at_risk_days.tolist()
        assert [120.0, 120.0, 120.0, 120.0, 360.0, 40.0] == result.churn_days.tolist()
        expected_counts = {"new": 1, "active": 2, "reactivated": 0, "at_risk": 1, "churned": 2}
        assert expected_counts == result.counts

    def test_rhythm_reactivated_and_an_even_number_of_gaps(self) -> None:
        """back's gaps 10, 10, 50 (median 10, lines 20, 40): its last silence, 50 > 40, makes
        it reactivated at 5 days (rather than new, though its first purchase is 75 days old).
        pair's gaps 10 and 30 have median 20 (lines 40, 80): 50 days, at risk. solo bought
        once; the population's gaps 10, 10, 10, 30, 50 have median 10 (lines 20, 40): 30
        days, at risk."""
        txns = days_before({"back": [75, 65, 55, 5], "pair": [90, 80, 50], "solo": [30]})

        result = classify_stages(txns, as_of=NEW_YEAR, rules=StageRules(method="rhythm"))

        assert ["reactivated", "at_risk", "at_risk"] == result.stage.tolist()
        assert [20.0, 40.0, 20.0] == result.at_risk_days.tolist()
        assert [40.0, 80.0, 40.0] == result.churn_days.tolist()

    def test_churned_beats_reactivated_and_at_risk_beats_new(self) -> None:
        """Gaps 100 (z) and 10 (y): the 0.75 quantile is 10 + 0.75 * 90 = 77.5, the 0.95 one
        10 + 0.95 * 90 = 95.5. z's silence of 100 would make it reactivated, but 150 days
        since is past 95.5: churned. y's first purchase is 90 days old (new), but 80 days
        since lies in (77.5, 95.5]: at risk."""
        txns = days_before({"y": [90, 80], "z": [250, 150]})

        result = classify_stages(txns, as_of=NEW_YEAR)

        assert ["at_risk", "churned"] == result.stage.tolist()
        assert [77.5, 77.5] == pytest.approx(result.at_risk_days.tolist())
        assert [95.5, 95.5] == pytest.approx(result.churn_days.tolist())

    @pytest.mark.parametrize(
        ("new_days", "expected"),
        [
            (9, ["active", "churned", "at_risk", "active", "reactivated", "at_risk"]),
            (10, ["active", "churned", "at_risk", "new", "reactivated", "at_risk"]),
            (95, ["new", "churned", "at_risk", "new", "reactivated", "at_risk"]),
        ],
    )
    def test_new_against_active_by_new_days(self, new_days: int, expected: list[str]) -> None:
        """new1's first purchase is exactly 10 days old: new with new_days 10 (at most), active
        with 9. With 95, active's first purchase (95 days) makes it new too; react (93 days)
        stays reactivated, which takes precedence."""
        assert expected == crafted(new_days=new_days).stage.tolist()

    def test_a_date_means_the_end_of_that_day(self) -> None:
        """as_of=31 Dec 2024 counts a purchase at 23:00 that day; its recency is the hour
        left in the day (1/24 day, less a microsecond)."""
        txns = log(["a", "a", "b"], ["2024-12-01", "2024-12-31T23:00", "2024-12-15"])

        result = classify_stages(txns, as_of=date(2024, 12, 31))

        assert 1 / 24 == pytest.approx(result.recency_days[0], abs=1e-9)
        assert datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) == result.as_of

    def test_an_aware_as_of_in_another_zone(self) -> None:
        """1 Jan 2025 08:00 in Shanghai is midnight UTC: the crafted result again."""
        shanghai = datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))

        result = classify_stages(days_before(CRAFTED), as_of=shanghai)

        assert crafted().stage.tolist() == result.stage.tolist()

    @pytest.mark.parametrize("method", ["percentile", "rhythm"])
    def test_purchases_after_as_of_are_left_out(self, method: str) -> None:
        """Adding a purchase after as_of to 'active' and a customer 'future' who only buys
        after it changes nothing: the crafted result, customer by customer."""
        extra = {**CRAFTED, "future": [-3, -1]}
        extra["active"] = [*CRAFTED["active"], -2]

        result = classify_stages(
            days_before(extra), as_of=NEW_YEAR, rules=StageRules(method=method)
        )
        expected = crafted(method=method)

        assert expected.customer_id.tolist() == result.customer_id.tolist()
        assert expected.stage.tolist() == result.stage.tolist()
        assert expected.churn_days.tolist() == result.churn_days.tolist()

    def test_rhythm_lines_stay_with_their_customer_when_as_of_leaves_one_out(self) -> None:
        """a buys only after as_of. b's gap 10 (lines 20, 40), c's gap 100 (lines 200, 400),
        d bought once (population median 55: lines 110, 220). On 1 Jun b (142 days since)
        is churned, c (52 days) active, d (31 days, first purchase) new. Each customer must
        keep their own lines, whoever else is left out."""
        txns = log(
            ["a", "b", "b", "c", "c", "d"],
            ["2024-12-01", "2024-01-01", "2024-01-11", "2024-01-01", "2024-04-10", "2024-05-01"],
        )

        result = classify_stages(txns, as_of=date(2024, 6, 1), rules=StageRules(method="rhythm"))

        assert [40.0, 400.0, 220.0] == result.churn_days.tolist()
        assert ["churned", "active", "new"] == result.stage.tolist()

    @settings(max_examples=120)
    @given(data=purchase_logs(), extra_hours=st.integers(0, 200 * 24), method=methods)
    def test_equals_a_per_customer_computation(
        self, data: tuple[list[str], list[int]], extra_hours: int, method: str
    ) -> None:
        """On random logs (zero gaps included), every customer's stage and lines equal a
        plain per-customer computation of the documented rules and precedence."""
        ids, at_us = data
        as_of_us = max(at_us) + extra_hours * 3_600_000_000
        rules = StageRules(method=method)  # type: ignore[arg-type]

        result = classify_stages(as_log(ids, at_us), as_of=instant(as_of_us), rules=rules)
        actual = {
            c: (s, a, h)
            for c, s, a, h in zip(
                result.customer_id.tolist(),
                result.stage.tolist(),
                result.at_risk_days.tolist(),
                result.churn_days.tolist(),
                strict=True,
            )
        }

        assert reference(ids, at_us, as_of_us, rules) == actual

    @settings(max_examples=60)
    @given(data=purchase_logs(), method=methods)
    def test_counts_add_up_to_the_customers(
        self, data: tuple[list[str], list[int]], method: str
    ) -> None:
        """Every customer is in exactly one stage, and every stage is listed."""
        ids, at_us = data
        txns = as_log(ids, at_us)

        result = classify_stages(txns, as_of=instant(max(at_us)), rules=StageRules(method=method))  # type: ignore[arg-type]

        assert txns.n_customers == sum(result.counts.values())
        assert list(STAGES) == list(result.counts)
        assert [result.stage.tolist().count(s) for s in STAGES] == list(result.counts.values())

    @settings(max_examples=60)
    @given(data=purchase_logs(), seed=st.integers(0, 2**32 - 1), method=methods)
    def test_row_order_does_not_matter(
        self, data: tuple[list[str], list[int]], seed: int, method: str
    ) -> None:
        """Shuffling the log's rows gives the same result."""
        ids, at_us = data
        order = np.random.default_rng(seed).permutation(len(ids))
        rules = StageRules(method=method)  # type: ignore[arg-type]
        as_of = instant(max(at_us))

        expected = classify_stages(as_log(ids, at_us), as_of=as_of, rules=rules)
        actual = classify_stages(
            as_log([ids[i] for i in order], [at_us[i] for i in order]), as_of=as_of, rules=rules
        )

        assert expected.stage.tolist() == actual.stage.tolist()
        assert expected.churn_days.tolist() == actual.churn_days.tolist()

    @settings(max_examples=80)
    @given(data=purchase_logs(), cut=st.floats(0.0, 1.0), method=methods)
    def test_as_of_equals_cutting_the_log(
        self, data: tuple[list[str], list[int]], cut: float, method: str
    ) -> None:
        """Classifying as of a moment inside the log equals classifying the log cut at that
        moment (when a customer still bought twice by then)."""
        ids, at_us = data
        as_of_us = int(min(at_us) + cut * (max(at_us) - min(at_us)))
        kept = [(c, t) for c, t in zip(ids, at_us, strict=True) if t <= as_of_us]
        kept_ids = [c for c, _ in kept]
        assume(len(set(kept_ids)) < len(kept_ids))
        rules = StageRules(method=method)  # type: ignore[arg-type]

        full = classify_stages(as_log(ids, at_us), as_of=instant(as_of_us), rules=rules)
        cut_log = classify_stages(
            as_log(kept_ids, [t for _, t in kept]), as_of=instant(as_of_us), rules=rules
        )

        assert cut_log.customer_id.tolist() == full.customer_id.tolist()
        assert cut_log.stage.tolist() == full.stage.tolist()
        assert cut_log.churn_days.tolist() == full.churn_days.tolist()

    def test_the_sample(self, sample: Sample) -> None:
        """The bundled sample as of 1 Jan 2025: the documented counts, 5,000 customers."""
        result = classify_stages(sample.transactions, as_of=date(2025, 1, 1))

        expected = {
            "new": 554,
            "active": 1115,
            "reactivated": 141,
            "at_risk": 1332,
            "churned": 1858,
        }
        assert expected == result.counts
        assert sample.transactions.n_customers == sum(result.counts.values())

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame_columns(self, backend: str) -> None:
        """Five columns, one row per customer, in any backend."""
        frame = crafted().to_frame(backend=backend)

        assert [
            "customer_id",
            "stage",
            "recency_days",
            "at_risk_days",
            "churn_days",
        ] == columns_of(frame)
        assert 6 == len(frame)

    def test_repr_is_short(self) -> None:
        """The repr gives the customer count and the counts, not the arrays."""
        expected = (
            "StageResult(n_customers=6, counts={'new': 1, 'active': 1, 'reactivated': 1, "
            "'at_risk': 2, 'churned': 1})"
        )

        assert expected == repr(crafted())

    def test_the_rules_default_and_are_kept(self) -> None:
        """Without rules the defaults apply; the result records them."""
        assert StageRules() == classify_stages(days_before(CRAFTED), as_of=NEW_YEAR).rules

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"as_of": date(2024, 6, 14)},
                InvalidInputError,
                r"'as_of' must be at or after the first transaction \(2024-06-15\)",
            ),
            (
                {"as_of": datetime(2025, 1, 1)},
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime",
            ),
            (
                {"as_of": "2025-01-01"},
                InvalidTypeError,
                r"'as_of' must be a date or a timezone-aware datetime; got str '2025-01-01'",
            ),
            (
                {"as_of": NEW_YEAR, "rules": {"method": "rhythm"}},
                InvalidTypeError,
                r"'rules' must be a StageRules; got dict",
            ),
            (
                {"as_of": NEW_YEAR, "rules": "rhythm"},
                InvalidTypeError,
                r"'rules' must be a StageRules; got str 'rhythm'",
            ),
        ],
        ids=["as_of-before-all", "naive-as_of", "text-as_of", "rules-dict", "rules-text"],
    )
    def test_bad_inputs_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """as_of before every purchase (the first is 15 Jun 2024), a naive or text as_of, and
        rules that are not a StageRules are refused naming the argument."""
        with pytest.raises(error, match=match) as caught:
            classify_stages(days_before(CRAFTED), **kwargs)

        assert match.split("'")[1] == caught.value.argument  # type: ignore[attr-defined]

    def test_only_one_time_buyers_are_refused(self) -> None:
        """With no second purchase there is no gap to draw lines from."""
        with pytest.raises(
            InvalidInputError,
            match=r"'transactions' must be at least one customer with two purchases .*; "
            r"got only one-time buyers",
        ):
            classify_stages(days_before({"a": [5], "b": [9]}), as_of=NEW_YEAR)

    def test_repeats_after_as_of_do_not_count(self) -> None:
        """b's second purchase comes after as_of, so as of then everyone bought once."""
        with pytest.raises(InvalidInputError, match=r"'transactions'.*only one-time buyers"):
            classify_stages(days_before({"a": [5], "b": [9, -3]}), as_of=NEW_YEAR)

    @pytest.mark.parametrize(
        ("transactions", "error", "match"),
        [
            (
                Transactions.from_arrays(
                    customer_id=[], at=np.array([], "datetime64[us]"), amount=[]
                ),
                InvalidInputError,
                r"'transactions' must be non-empty; got no rows",
            ),
            ({"customer_id": ["a"]}, InvalidTypeError, r"'transactions' must be a Transactions"),
        ],
        ids=["empty", "dict"],
    )
    def test_bad_transactions_are_refused(
        self, transactions: Any, error: type[Exception], match: str
    ) -> None:
        """An empty log and a dict are refused naming 'transactions'."""
        with pytest.raises(error, match=match):
            classify_stages(transactions, as_of=NEW_YEAR)


# --- churn_risk -----------------------------------------------------------------------------


class TestChurnRisk:
    def test_by_hand(self) -> None:
        """Percentile churn line 80 days: active 5/80 = 0.0625 low; gone past the line,
        churned (score capped at 1); late 70/80 = 0.875 high (>= 0.8); new1 10/80 = 0.125
        low; react 3/80 = 0.0375 low; risk 50/80 = 0.625 medium (in [0.5, 0.8))."""
        risk = churn_risk(crafted())

        assert [0.0625, 1.0, 0.875, 0.125, 0.0375, 0.625] == pytest.approx(risk.score.tolist())
        assert ["low", "churned", "high", "low", "low", "medium"] == risk.tier.tolist()
        assert {"low": 3, "medium": 1, "high": 1, "churned": 1} == risk.counts
        assert crafted().customer_id.tolist() == risk.customer_id.tolist()

    def test_custom_tiers(self) -> None:
        """Cut-offs 0.1 and 0.7: new1 (0.125) and risk (0.625) become medium."""
        risk = churn_risk(crafted(), tiers=(0.1, 0.7))

        assert ["low", "churned", "high", "medium", "low", "medium"] == risk.tier.tolist()

    def test_docstring_example(self) -> None:
        """Gaps 31 and 182 days: the 0.95 quantile is 31 + 0.95 * 151 = 174.45. a, 182 days
        since, is past it (churned); b, 31 days since, scores 31 / 174.45 = 0.18 (low)."""
        txns = log(["a", "a", "b", "b"], ["2024-01-01", "2024-02-01", "2024-01-01", "2024-07-01"])

        risk = churn_risk(classify_stages(txns, as_of=date(2024, 8, 1)))

        assert ["churned", "low"] == risk.tier.tolist()
        assert 32 / 174.45 == pytest.approx(risk.score[1], rel=1e-3)

    def test_a_zero_churn_line_scores_one_without_a_warning(self) -> None:
        """a and b each bought twice within the same instant: every gap is 0 days, so both
        percentile lines are 0. 31 days later both are churned; their scores are capped at
        1 and their tier is churned, with no 'divide by zero' RuntimeWarning (warnings are
        errors here)."""
        txns = log(["a", "a", "b", "b"], ["2024-01-01"] * 4)
        stages = classify_stages(txns, as_of=datetime(2024, 2, 1, tzinfo=UTC))

        risk = churn_risk(stages)

        assert ["churned", "churned"] == stages.stage.tolist()
        assert [1.0, 1.0] == risk.score.tolist()
        assert ["churned", "churned"] == risk.tier.tolist()

    @settings(max_examples=60)
    @given(data=purchase_logs(distinct=True), method=methods)
    def test_scores_and_tiers_agree_with_the_stages(
        self, data: tuple[list[str], list[int]], method: str
    ) -> None:
        """Scores lie in [0, 1]; the churned tier is exactly the churned stage; the other
        tiers follow the cut-offs; counts add up."""
        ids, at_us = data
        stages = classify_stages(
            as_log(ids, at_us), as_of=instant(max(at_us)), rules=StageRules(method=method)
        )  # type: ignore[arg-type]

        risk = churn_risk(stages)

        score = risk.score
        expected_tier = [
            "churned"
            if stage == "churned"
            else "low"
            if x < 0.5
            else "medium"
            if x < 0.8
            else "high"
            for x, stage in zip(score.tolist(), stages.stage.tolist(), strict=True)
        ]
        assert bool(((score >= 0) & (score <= 1)).all())
        assert expected_tier == risk.tier.tolist()
        assert len(ids) >= sum(risk.counts.values()) == stages.customer_id.size
        assert list(RISK_TIERS) == list(risk.counts)

    @pytest.mark.parametrize(
        ("tiers", "error", "match"),
        [
            (
                (0.8, 0.5),
                InvalidInputError,
                r"'tiers' must be two increasing cut-offs; got \(0\.8, 0\.5\)",
            ),
            (
                (0.5, 0.5),
                InvalidInputError,
                r"'tiers' must be two increasing cut-offs; got \(0\.5, 0\.5\)",
            ),
            (
                (0.0, 0.5),
                InvalidInputError,
                r"'tiers' must be a finite number in \(0, 1\); got 0\.0",
            ),
            (
                (0.5, 1.0),
                InvalidInputError,
                r"'tiers' must be a finite number in \(0, 1\); got 1\.0",
            ),
            (
                (0.5, float("nan")),
                InvalidInputError,
                r"'tiers' must be a finite number in \(0, 1\); got nan",
            ),
            ((0.5,), InvalidTypeError, r"'tiers' must be two score cut-offs"),
            ("0.5,0.8", InvalidTypeError, r"'tiers' must be two score cut-offs"),
            ((0.5, "0.8"), InvalidTypeError, r"'tiers' must be a real number; got str '0.8'"),
        ],
    )
    def test_bad_tiers_are_named(self, tiers: Any, error: type[Exception], match: str) -> None:
        """Cut-offs that do not increase, lie outside (0, 1), are not two, or are not numbers."""
        with pytest.raises(error, match=match) as caught:
            churn_risk(crafted(), tiers=tiers)

        assert "tiers" == caught.value.argument  # type: ignore[attr-defined]

    def test_stages_must_be_a_stage_result(self) -> None:
        """A dict of stages is refused, with a hint to use classify_stages."""
        with pytest.raises(
            InvalidTypeError, match=r"'stages' must be a StageResult.*classify_stages"
        ):
            churn_risk({"a": "new"})  # type: ignore[arg-type]

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_to_frame_and_repr(self, backend: str) -> None:
        """Columns customer_id, score, tier; a short repr."""
        risk = churn_risk(crafted())

        assert ["customer_id", "score", "tier"] == columns_of(risk.to_frame(backend=backend))
        assert (
            "ChurnRiskResult(n_customers=6, "
            "counts={'low': 3, 'medium': 1, 'high': 1, 'churned': 1})" == repr(risk)
        )
        assert isinstance(risk, ChurnRiskResult)


# --- intervention plan ----------------------------------------------------------------------


class TestInterventionCell:
    def test_docstring_example(self) -> None:
        """A cell holds its two tiers and the action."""
        cell = InterventionCell(value_tier="high", risk_tier="high", action="personal_call")

        assert ("high", "high", "personal_call") == (cell.value_tier, cell.risk_tier, cell.action)


class TestInterventionMatrix:
    @pytest.mark.parametrize(
        ("cell", "action"),
        list(DEFAULT_ACTIONS.items()),
        ids=[f"{v}-{r}" for v, r in DEFAULT_ACTIONS],
    )
    def test_every_cell_of_the_default_matrix(self, cell: tuple[str, str], action: str) -> None:
        """The layered plan: high value keeps, calls and offers a win-back as risk grows;
        medium value is nurtured, then offered a win-back from high risk; low value is
        nurtured while at low risk and let go beyond."""
        assert action == DEFAULT_MATRIX.action(*cell)

    def test_the_default_tiers(self) -> None:
        """Value tiers high, medium, low; risk tiers those of churn_risk; 12 cells."""
        assert VALUE_TIERS == DEFAULT_MATRIX.value_tiers
        assert RISK_TIERS == DEFAULT_MATRIX.risk_tiers
        assert 12 == len(DEFAULT_MATRIX.cells)

    def test_missing_repeated_and_empty_cells_are_all_listed(self) -> None:
        """Tiers a, b by x, y: (a, x) is given twice, (b, y) not at all and (b, x) has a blank
        action: three problems."""
        with pytest.raises(InvalidDefinitionError) as caught:
            InterventionMatrix(
                cells=[
                    InterventionCell(value_tier="a", risk_tier="x", action="call"),
                    InterventionCell(value_tier="a", risk_tier="y", action="mail"),
                    InterventionCell(value_tier="b", risk_tier="x", action="  "),
                    InterventionCell(value_tier="a", risk_tier="x", action="visit"),
                ]
            )

        expected = (
            "cell ('a', 'x') is given more than once",
            "cell ('b', 'y') has no action",
            "cell ('b', 'x') has an empty action",
        )
        assert expected == caught.value.problems

    def test_an_empty_matrix_is_refused(self) -> None:
        """A matrix without cells has no action for anyone: a definition problem, not an
        IndexError later in intervention_plan."""
        with pytest.raises(InvalidDefinitionError):
            InterventionMatrix(cells=[])

    def test_an_action_that_is_not_text_is_refused(self) -> None:
        """action=None is no action (str(None) is 'None', which is not blank)."""
        with pytest.raises(InvalidDefinitionError, match=r"action"):
            InterventionMatrix(
                cells=[InterventionCell(value_tier="a", risk_tier="x", action=None)]
            )  # type: ignore[arg-type]

    def test_action_of_an_unknown_cell_names_the_unknown_tier(self) -> None:
        """('high', 'extreme'): the value tier is fine; the risk tier is named."""
        with pytest.raises(InvalidInputError, match=r"'risk_tier'.*'extreme'") as caught:
            DEFAULT_MATRIX.action("high", "extreme")

        assert "risk_tier" == caught.value.argument

    def test_action_of_an_unknown_value_tier(self) -> None:
        """('vip', 'low'): no such value tier; the matrix's value tiers are listed."""
        with pytest.raises(
            InvalidInputError,
            match=r"'value_tier' must be a value tier of the matrix \(high, medium, low\); "
            r"got 'vip'",
        ) as caught:
            DEFAULT_MATRIX.action("vip", "low")

        assert "value_tier" == caught.value.argument

    def test_action_tiers_must_be_text(self) -> None:
        """A number for the value tier names 'value_tier'."""
        with pytest.raises(InvalidTypeError, match=r"'value_tier' must be a string; got int 1"):
            DEFAULT_MATRIX.action(1, "low")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "matrix",
        [
            DEFAULT_MATRIX,
            InterventionMatrix(
                cells=[
                    InterventionCell(value_tier="金", risk_tier="高", action="致电"),
                    InterventionCell(value_tier="金", risk_tier="低", action="保持"),
                ]
            ),
        ],
        ids=["default", "custom"],
    )
    def test_round_trips_through_json(self, matrix: InterventionMatrix) -> None:
        """Matrices read back equal from JSON (non-ASCII tiers included)."""
        assert matrix == io.from_json(InterventionMatrix, io.to_json(matrix))

    def test_json_with_a_repeated_cell_lists_the_problem(self) -> None:
        """DEFAULT_MATRIX's JSON with its first cell repeated is refused as a definition."""
        data = io.to_dict(DEFAULT_MATRIX)
        data["cells"].append(data["cells"][0])

        with pytest.raises(InvalidDefinitionError) as caught:
            io.from_dict(InterventionMatrix, data)

        assert ("cell ('high', 'low') is given more than once",) == caught.value.problems


class TestInterventionPlan:
    def test_docstring_examples(self) -> None:
        """high x medium: personal_call; medium x low: nurture; low x churned: let_go."""
        result = intervention_plan(["high", "medium", "low"], ["medium", "low", "churned"])

        assert ["personal_call", "nurture", "let_go"] == result.action.tolist()

    def test_counts_list_every_action_in_first_use_order(self) -> None:
        """high x high and low x high: one personal_call, one let_go; the others 0."""
        result = intervention_plan(["high", "low"], ["high", "high"])

        expected = {"keep": 0, "personal_call": 1, "win_back_offer": 0, "nurture": 0, "let_go": 1}
        assert expected == result.counts

    @given(
        cells=st.lists(
            st.tuples(st.sampled_from(VALUE_TIERS), st.sampled_from(RISK_TIERS)), max_size=40
        )
    )
    def test_equals_the_action_of_each_cell(self, cells: list[tuple[str, str]]) -> None:
        """The vectorised plan equals looking each customer's cell up with matrix.action,
        and the counts add up to the customers."""
        values = [v for v, _ in cells]
        risks = [r for _, r in cells]

        result = intervention_plan(values, risks)

        assert [DEFAULT_MATRIX.action(v, r) for v, r in cells] == result.action.tolist()
        assert len(cells) == sum(result.counts.values())

    def test_a_custom_matrix(self) -> None:
        """gold x hot -> call, gold x cold -> mail."""
        matrix = InterventionMatrix(
            cells=[
                InterventionCell(value_tier="gold", risk_tier="hot", action="call"),
                InterventionCell(value_tier="gold", risk_tier="cold", action="mail"),
            ]
        )

        result = intervention_plan(
            ["gold", "gold", "gold"], ["cold", "hot", "cold"], matrix=matrix
        )

        assert ["mail", "call", "mail"] == result.action.tolist()
        assert {"call": 1, "mail": 2} == result.counts

    def test_from_churn_risk(self) -> None:
        """The crafted tiers low, churned, high, low, low, medium, all of high value: keep,
        win_back_offer, personal_call, keep, keep, personal_call."""
        risk = churn_risk(crafted())

        result = intervention_plan(["high"] * 6, risk.tier)

        assert [
            "keep",
            "win_back_offer",
            "personal_call",
            "keep",
            "keep",
            "personal_call",
        ] == result.action.tolist()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"value_tier": ["high", "high"], "risk_tier": ["low", "extreme"]},
                InvalidInputError,
                r"'risk_tier' must be tiers of the matrix \(low, medium, high, churned\); "
                r"got 'extreme' at index 1 \(1 of 2 rows\)",
            ),
            (
                {"value_tier": ["vip", "low", "vip"], "risk_tier": ["low"] * 3},
                InvalidInputError,
                r"'value_tier' must be tiers of the matrix \(high, medium, low\); "
                r"got 'vip' at index 0 \(2 of 3 rows\)",
            ),
            (
                {"value_tier": ["high"], "risk_tier": ["low", "low"]},
                InvalidInputError,
                r"'risk_tier' must be the same length as 'value_tier' \(1\); got length 2",
            ),
            (
                {"value_tier": "high", "risk_tier": ["low"]},
                InvalidTypeError,
                r"'value_tier' must be a one-dimensional array-like; got str 'high'",
            ),
            (
                {
                    "value_tier": ["high"],
                    "risk_tier": ["low"],
                    "matrix": {("high", "low"): "keep"},
                },
                InvalidTypeError,
                r"'matrix' must be an InterventionMatrix; got dict",
            ),
        ],
        ids=["unknown-risk", "unknown-value", "lengths", "bare-string", "matrix-dict"],
    )
    def test_bad_inputs_name_the_argument(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """Unknown tiers (first index and count), mismatched lengths, a bare string and a
        matrix that is not an InterventionMatrix are refused naming the argument."""
        with pytest.raises(error, match=match) as caught:
            intervention_plan(**kwargs)

        assert match.split("'")[1] == caught.value.argument  # type: ignore[attr-defined]

    def test_unknown_tier_error_carries_the_index(self) -> None:
        """The first unknown value tier is at index 2."""
        with pytest.raises(InvalidInputError) as caught:
            intervention_plan(["high", "low", "vip"], ["low"] * 3)

        assert 2 == caught.value.index

    def test_no_customers(self) -> None:
        """Empty tiers give no actions and all-zero counts."""
        result = intervention_plan([], [])

        assert [] == result.action.tolist()
        assert 0 == sum(result.counts.values())

    def test_to_frame_and_repr(self) -> None:
        """One column, action; the repr shows the counts."""
        result = intervention_plan(["high"], ["low"])

        assert ["keep"] == result.to_frame()["action"].tolist()
        assert isinstance(result, InterventionResult)
        assert repr(result).startswith("InterventionResult(counts={'keep': 1,")
