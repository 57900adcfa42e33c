"""weighted_pipeline: open deals valued at their stage's win probability."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import WeightedPipeline, weighted_pipeline
from crmkit.lifecycle import SALES_PIPELINE, SALESFORCE_OPPORTUNITY

OPEN = ("initial_contact", "needs_confirmed", "proposal", "negotiation")


class TestValues:
    def test_stage_sums_by_hand(self) -> None:
        """Amounts add up per stage and are weighted by the stage's stated probability."""
        wp = weighted_pipeline(
            [1000.0, 2000.0, 500.0, 300.0],
            ["proposal", "negotiation", "proposal", "initial_contact"],
            SALES_PIPELINE,
        )

        proposal = SALES_PIPELINE.stages.index("proposal")
        assert 1500.0 == wp.amount[proposal]
        assert 2 == wp.n_deals[proposal]
        # 300 x 0.1 + 1500 x 0.5 + 2000 x 0.75 = 30 + 750 + 1500
        assert 2280.0 == pytest.approx(wp.total_weighted, rel=1e-15)
        assert 3800.0 == wp.total_amount

    def test_given_probabilities_replace_the_stated_ones(self) -> None:
        """A probability given for a stage replaces the pipeline's; others keep theirs."""
        wp = weighted_pipeline(
            [1000.0, 2000.0],
            ["proposal", "negotiation"],
            SALES_PIPELINE,
            probabilities={"proposal": 0.2},
        )

        # 1000 x 0.2 + 2000 x 0.75
        assert 1700.0 == wp.total_weighted

    def test_categories_follow_the_pipeline(self) -> None:
        """Forecast categories come from the pipeline; by_category sums amount and weight."""
        stages = SALESFORCE_OPPORTUNITY.stages
        wp = weighted_pipeline([100.0, 200.0], [stages[0], stages[0]], SALESFORCE_OPPORTUNITY)

        category = SALESFORCE_OPPORTUNITY.forecast_categories[stages[0]]
        probability = SALESFORCE_OPPORTUNITY.probabilities[stages[0]]
        assert (300.0, 300.0 * probability) == wp.by_category()[category]

    def test_no_deals_is_an_empty_pipeline(self) -> None:
        """No open deals: zero everywhere, not an error."""
        wp = weighted_pipeline([], [], SALES_PIPELINE)

        assert 0.0 == wp.total_weighted
        assert 0 == int(wp.n_deals.sum())

    def test_to_frame_has_a_row_per_stage(self) -> None:
        """to_frame lists every stage of the pipeline with its numbers."""
        frame = weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE).to_frame()

        assert list(SALES_PIPELINE.stages) == frame["stage"].tolist()
        assert isinstance(weighted_pipeline([1.0], ["proposal"], SALES_PIPELINE), WeightedPipeline)

    @settings(max_examples=50, deadline=None)
    @given(
        st.lists(
            st.tuples(st.floats(0, 1e6, allow_nan=False), st.sampled_from(OPEN)),
            min_size=1,
            max_size=30,
        )
    )
    def test_total_is_the_sum_of_amount_times_probability(
        self, deals: list[tuple[float, str]]
    ) -> None:
        """The weighted total equals the per-deal sum of amount x stage probability."""
        amounts = [amount for amount, _ in deals]
        stages = [stage for _, stage in deals]

        wp = weighted_pipeline(amounts, stages, SALES_PIPELINE)

        expected = sum(a * SALES_PIPELINE.probabilities[s] for a, s in deals)
        assert expected == pytest.approx(wp.total_weighted, rel=1e-12, abs=1e-9)
        assert wp.total_weighted <= wp.total_amount + 1e-9


class TestRefused:
    def test_unknown_stage_names_stages(self) -> None:
        """A stage not in the pipeline is refused, naming 'stages', with its index."""
        with pytest.raises(InvalidInputError, match=r"'stages' must be .* index 1") as error:
            weighted_pipeline([1.0, 2.0], ["proposal", "signed"], SALES_PIPELINE)

        assert "stages" == error.value.argument

    def test_negative_amount(self) -> None:
        """A negative amount names 'amounts'."""
        refused(
            weighted_pipeline,
            {"amounts": [-1.0], "stages": ["proposal"], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            "'amounts' must",
        )

    def test_lengths_differ(self) -> None:
        """One stage per amount."""
        refused(
            weighted_pipeline,
            {"amounts": [1.0, 2.0], "stages": ["proposal"], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            "'stages' must",
        )

    def test_probability_outside_unit_interval(self) -> None:
        """A given probability above 1 names that stage's entry."""
        with pytest.raises(InvalidInputError, match="probabilities"):
            weighted_pipeline([1.0], ["proposal"], SALES_PIPELINE, probabilities={"proposal": 1.5})

    def test_probability_for_unknown_stage(self) -> None:
        """Probabilities for a stage the pipeline lacks are refused."""
        refused(
            weighted_pipeline,
            {
                "amounts": [1.0],
                "stages": ["proposal"],
                "pipeline": SALES_PIPELINE,
                "probabilities": {"signed": 0.5},
            },
            InvalidInputError,
            "'probabilities' must",
        )

    def test_not_a_pipeline(self) -> None:
        """The pipeline must be a StateMachine."""
        refused(
            weighted_pipeline,
            {"amounts": [1.0], "stages": ["proposal"], "pipeline": {"proposal": 0.5}},
            InvalidTypeError,
            "'pipeline' must",
        )

    def test_inputs_are_not_changed(self) -> None:
        """The caller's arrays are left as they were."""
        amounts = np.array([1.0, 2.0])
        stages = np.array(["proposal", "negotiation"])

        weighted_pipeline(amounts, stages, SALES_PIPELINE)

        assert [1.0, 2.0] == amounts.tolist()
        assert amounts.flags.writeable


def close_pipeline(closes: Any, period: str = "month") -> WeightedPipeline:
    """Proposals (probability 0.5) of 100, 200, 300... with the given close dates."""
    values = [100.0 * (i + 1) for i in range(len(closes))]
    return weighted_pipeline(
        values,
        ["proposal"] * len(closes),
        SALES_PIPELINE,
        expected_close=closes,
        period=period,  # type: ignore[arg-type]
    )


def quarter_of(month: str) -> str:
    """'2025-05' -> '2025-Q2'."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


CLOSE_DATES = st.one_of(
    st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
)


class TestExpectedClose:
    def test_months_are_labelled_and_listed_in_time_order(self) -> None:
        """Deals given out of order come out by month: 2024-12 before 2025-02 before 2025-03;
        the two March deals (100 + 300) add up, weighted at 0.5."""
        wp = close_pipeline(
            [date(2025, 3, 31), date(2025, 2, 1), date(2025, 3, 1), date(2024, 12, 5)]
        )

        assert ("2024-12", "2025-02", "2025-03") == wp.periods
        assert "month" == wp.period
        assert {
            "2024-12": (400.0, 200.0),
            "2025-02": (200.0, 100.0),
            "2025-03": (400.0, 200.0),
        } == wp.by_period()
        assert [1, 1, 2] == wp.period_n_deals.tolist()

    def test_quarters_and_years(self) -> None:
        """31 March is Q1, 1 April Q2 and 31 December Q4; by year the 2025 deals add up."""
        closes = [date(2025, 3, 31), date(2025, 4, 1), date(2025, 12, 31), date(2026, 1, 1)]

        quarters = close_pipeline(closes, "quarter")
        years = close_pipeline(closes, "year")

        assert ("2025-Q1", "2025-Q2", "2025-Q4", "2026-Q1") == quarters.periods
        assert {"2025": (600.0, 300.0), "2026": (400.0, 200.0)} == years.by_period()

    def test_missing_dates_are_unscheduled_and_listed_last(self) -> None:
        """None and NaT count as "unscheduled", after every dated period, whatever their
        position: 100 + 300 unscheduled, 200 in 2025-01."""
        wp = close_pipeline([None, date(2025, 1, 15), np.datetime64("NaT")])

        assert ("2025-01", "unscheduled") == wp.periods
        assert {"2025-01": (200.0, 100.0), "unscheduled": (400.0, 200.0)} == wp.by_period()
        assert [1, 2] == wp.period_n_deals.tolist()

    def test_pandas_missing_dates_are_unscheduled(self) -> None:
        """pandas' NaT is a missing date too, in a Series or in a plain list (as
        `Series.tolist()` gives it)."""
        series = pd.Series(pd.to_datetime(["2025-01-15", None]))

        for closes in (series, series.tolist()):
            wp = close_pipeline(closes)

            assert {"2025-01": (100.0, 50.0), "unscheduled": (200.0, 100.0)} == wp.by_period()

    def test_all_dates_missing(self) -> None:
        """With no date at all, every deal is unscheduled."""
        wp = close_pipeline([None, None])

        assert {"unscheduled": (300.0, 150.0)} == wp.by_period()

    @pytest.mark.parametrize(
        ("period", "expected"),
        [
            ("month", ("1900-03", "1969-01", "1969-12", "1970-01")),
            ("quarter", ("1900-Q1", "1969-Q1", "1969-Q4", "1970-Q1")),
            ("year", ("1900", "1969", "1969", "1970")),
        ],
    )
    def test_dates_before_1970_are_labelled_by_their_own_period(
        self, period: str, expected: tuple[str, ...]
    ) -> None:
        """Days before the epoch count back correctly: 31 December 1969 is 1969-12, Q4, 1969
        (not 1970), 1 January 1969 is Q1, and they sort before 1970."""
        closes = [date(1970, 1, 1), date(1969, 12, 31), date(1969, 1, 1), date(1900, 3, 1)]

        wp = close_pipeline(closes, period)

        assert tuple(dict.fromkeys(expected)) == wp.periods

    def test_iso_strings_datetime64_and_datetimes_agree(self) -> None:
        """The same days as ISO strings, datetime64, dates or naive datetimes group alike."""
        as_dates = close_pipeline([date(2025, 1, 31), date(2025, 2, 1)])

        for closes in (
            ["2025-01-31", "2025-02-01"],
            np.array(["2025-01-31", "2025-02-01"], dtype="datetime64[D]"),
            np.array(["2025-01-31T23:59", "2025-02-01T00:00"], dtype="datetime64[m]"),
            [datetime(2025, 1, 31, 23, 59), datetime(2025, 2, 1)],
            pd.Series(pd.to_datetime(["2025-01-31", "2025-02-01"])),
        ):
            assert as_dates.by_period() == close_pipeline(closes).by_period()

    def test_without_close_dates_there_are_no_periods(self) -> None:
        """No expected_close: period is None and by_period is empty."""
        wp = weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE)

        assert (None, (), {}) == (wp.period, wp.periods, wp.by_period())

    def test_to_frame_by_period(self) -> None:
        """to_frame(by="period") has one row per period, in time order, unscheduled last."""
        wp = close_pipeline([None, date(2025, 5, 2), date(2025, 1, 3)], "quarter")

        frame = wp.to_frame(by="period")

        assert ["period", "n_deals", "amount", "weighted"] == frame.columns.tolist()
        assert ["2025-Q1", "2025-Q2", "unscheduled"] == frame["period"].tolist()
        assert [300.0, 200.0, 100.0] == frame["amount"].tolist()
        assert [150.0, 100.0, 50.0] == frame["weighted"].tolist()
        assert [1, 1, 1] == frame["n_deals"].tolist()

    def test_to_frame_by_period_in_polars(self) -> None:
        """The polars backend gives the same rows."""
        wp = close_pipeline([date(2025, 5, 2), date(2025, 1, 3)], "year")

        frame = wp.to_frame("polars", by="period")

        assert {"period": ["2025"], "n_deals": [2], "amount": [300.0], "weighted": [150.0]} == (
            frame.to_dict(as_series=False)
        )

    def test_to_frame_by_stage_is_unchanged_by_close_dates(self) -> None:
        """Close dates add periods; the stage table stays the default."""
        with_dates = close_pipeline([date(2025, 5, 2), date(2025, 1, 3)])
        without = weighted_pipeline([100.0, 200.0], ["proposal"] * 2, SALES_PIPELINE)

        assert without.to_frame().equals(with_dates.to_frame(by="stage"))

    def test_to_frame_by_period_without_close_dates_is_refused(self) -> None:
        """A pipeline built without expected_close has no periods to list."""
        wp = weighted_pipeline([100.0], ["proposal"], SALES_PIPELINE)

        refused(
            wp.to_frame,
            {"by": "period"},
            InvalidInputError,
            r"'by' must be 'stage' \(the pipeline was built without expected_close\); "
            r"got 'period'",
        )

    def test_to_frame_by_an_unknown_grouping_is_refused(self) -> None:
        """Only "stage" and "period" are groupings."""
        wp = close_pipeline([date(2025, 1, 3)])

        refused(
            wp.to_frame,
            {"by": "bogus"},
            InvalidInputError,
            r"'by' must be one of 'stage', 'period'; got 'bogus'",
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"expected_close": [date(2025, 1, 1)]},
                InvalidInputError,
                r"'expected_close' must be one date per deal \(2\); got 1 values",
            ),
            (
                {"expected_close": [[date(2025, 1, 1)], [date(2025, 1, 2)]]},
                InvalidInputError,
                r"'expected_close' must be one-dimensional; got an array of shape \(2, 1\)",
            ),
            (
                {"expected_close": date(2025, 1, 1)},
                InvalidInputError,
                r"'expected_close' must be one-dimensional; got an array of shape \(\)",
            ),
            (
                {"expected_close": ["soon", "later"]},
                InvalidInputError,
                r"'expected_close' must be dates, .*; got 'soon' at index 0",
            ),
            (
                {"expected_close": [1.5, 2.5]},
                InvalidTypeError,
                r"'expected_close' must be dates, .*; got an array of dtype float64",
            ),
            (
                {"expected_close": [date(2025, 1, 1)] * 2, "period": "week"},
                InvalidInputError,
                r"'period' must be one of 'month', 'quarter', 'year'; got 'week'",
            ),
            (
                {"period": "M"},
                InvalidInputError,
                r"'period' must be one of 'month', 'quarter', 'year'; got 'M'",
            ),
        ],
    )
    def test_bad_close_dates_and_periods_are_refused(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Close dates must be one date per deal; the period one of the three groupings."""
        refused(
            weighted_pipeline,
            {
                "amounts": [1.0, 2.0],
                "stages": ["proposal", "proposal"],
                "pipeline": SALES_PIPELINE,
                **kwargs,
            },
            error,
            match,
        )

    @pytest.mark.parametrize("closes", [[1, 2], [True, False]])
    def test_numbers_are_not_dates(self, closes: list[object]) -> None:
        """Integers and flags are not close dates (they must not be read as days since
        1970-01-01, which would put every deal in 1970-01)."""
        refused(
            weighted_pipeline,
            {
                "amounts": [1.0, 2.0],
                "stages": ["proposal", "proposal"],
                "pipeline": SALES_PIPELINE,
                "expected_close": closes,
            },
            InvalidTypeError,
            r"'expected_close' must be dates",
        )

    @pytest.mark.parametrize(
        "closes",
        [
            [datetime(2025, 3, 31, 12, tzinfo=UTC), datetime(2025, 4, 1, 12, tzinfo=UTC)],
            pd.Series(pd.to_datetime(["2025-03-31 12:00", "2025-04-01 12:00"], utc=True)),
        ],
    )
    def test_timezone_aware_close_dates_are_accepted(self, closes: object) -> None:
        """Aware datetimes, as crmkit's records carry, are close dates like any other
        (no numpy timezone warning, no refusal): noon UTC on 31 March is Q1."""
        wp = close_pipeline(closes, "quarter")

        assert {"2025-Q1": (100.0, 50.0), "2025-Q2": (200.0, 100.0)} == wp.by_period()

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(st.floats(0, 1e6, allow_nan=False), st.sampled_from(OPEN), CLOSE_DATES),
            max_size=30,
        ),
        st.sampled_from(["month", "quarter", "year"]),
    )
    def test_periods_add_up_to_the_stage_totals(
        self, deals: list[tuple[float, str, date | None]], period: str
    ) -> None:
        """Whatever the dates, period amounts, weighted amounts and deal counts sum to the
        stage totals, and periods come in time order with "unscheduled" only last."""
        amounts = [amount for amount, _, _ in deals]
        stages = [stage for _, stage, _ in deals]
        closes = [close for _, _, close in deals]

        wp = weighted_pipeline(
            amounts,
            stages,
            SALES_PIPELINE,
            expected_close=closes,
            period=period,  # type: ignore[arg-type]
        )

        assert wp.total_amount == pytest.approx(float(wp.period_amount.sum()), rel=1e-12, abs=1e-6)
        assert wp.total_weighted == pytest.approx(
            float(wp.period_weighted.sum()), rel=1e-12, abs=1e-6
        )
        assert len(deals) == int(wp.period_n_deals.sum())
        dated = [label for label in wp.periods if label != "unscheduled"]
        assert sorted(set(dated)) == dated
        assert (None in closes) == ("unscheduled" == (wp.periods or ("",))[-1])

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(st.floats(0, 1e6, allow_nan=False), st.sampled_from(OPEN), CLOSE_DATES),
            min_size=1,
            max_size=30,
        )
    )
    def test_a_quarter_is_the_sum_of_its_three_months(
        self, deals: list[tuple[float, str, date | None]]
    ) -> None:
        """Each quarter's amount, weighted amount and deal count equal the sums over its
        months (and "unscheduled" is the same either way)."""
        amounts = [amount for amount, _, _ in deals]
        stages = [stage for _, stage, _ in deals]
        closes = [close for _, _, close in deals]

        def grouped(period: str) -> WeightedPipeline:
            return weighted_pipeline(
                amounts,
                stages,
                SALES_PIPELINE,
                expected_close=closes,
                period=period,  # type: ignore[arg-type]
            )

        months, quarters = grouped("month"), grouped("quarter")
        summed: dict[str, list[float]] = {}
        for label, n, amount, weighted in zip(
            months.periods,
            months.period_n_deals.tolist(),
            months.period_amount.tolist(),
            months.period_weighted.tolist(),
            strict=True,
        ):
            key = label if label == "unscheduled" else quarter_of(label)
            totals = summed.setdefault(key, [0, 0.0, 0.0])
            totals[0] += n
            totals[1] += amount
            totals[2] += weighted

        assert list(summed) == list(quarters.periods)
        for i, label in enumerate(quarters.periods):
            n, amount, weighted = summed[label]
            assert n == quarters.period_n_deals[i]
            assert amount == pytest.approx(quarters.period_amount[i], rel=1e-12, abs=1e-6)
            assert weighted == pytest.approx(quarters.period_weighted[i], rel=1e-12, abs=1e-6)


def test_by_category_is_empty_without_forecast_categories() -> None:
    """SALES_PIPELINE names no forecast categories, so there is nothing to group by."""
    assert {} == weighted_pipeline([1.0], ["proposal"], SALES_PIPELINE).by_category()
