"""StageHistory: amounts and close dates per deal, current stages, until(as_of), from_records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.assertions import refused

from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.funnel import StageHistory, fit_markov_pipeline, stage_conversion
from crmkit.lifecycle import SALES_PIPELINE, Step
from crmkit.models import Money, Opportunity

STAGES = SALES_PIPELINE.stages
OPEN = STAGES[:4]


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


def history(rows: list[tuple[str, str, str]], **columns: object) -> StageHistory:
    """Build from (opportunity, stage, time) rows, with optional per-row columns."""
    ids, stages, at = zip(*rows, strict=True)
    return StageHistory.from_arrays(
        opportunity_id=list(ids),
        stage=list(stages),
        entered_at=days(*at),
        pipeline=SALES_PIPELINE,
        **columns,  # type: ignore[arg-type]
    )


def at(day: int, hour: int = 0) -> datetime:
    """An aware UTC time in January 2025."""
    return datetime(2025, 1, day, hour, tzinfo=UTC)


def deal(
    deal_id: str,
    stage: str,
    *,
    created: int = 1,
    amount: str = "1000",
    closed: int | None = None,
    won: bool | None = None,
    expected_close: date | None = None,
) -> Opportunity:
    return Opportunity(
        id=deal_id,
        customer_id="c1",
        stage=stage,
        amount=Money(amount, "CNY"),
        created_at=at(created),
        expected_close=expected_close,
        closed_at=None if closed is None else at(closed),
        won=won,
    )


def rows_of(h: StageHistory) -> list[tuple[str, str, str]]:
    """The history back as (opportunity, stage, minute) rows, in its order."""
    return [
        (str(h.opportunity_ids[i]), STAGES[code], str(t.astype("datetime64[m]")))
        for i, code, t in zip(
            h.opportunity_index.tolist(), h.stage_code.tolist(), h.entered_at, strict=True
        )
    ]


# Three deals: b closes won on the 31st at 10:00, a is still in negotiation, c starts late.
ROWS = [
    ("b", "proposal", "2025-01-01"),
    ("a", "proposal", "2025-01-02"),
    ("b", "won", "2025-01-31T10:00"),
    ("a", "negotiation", "2025-01-10"),
    ("c", "initial_contact", "2025-02-15"),
]
AMOUNTS = [100.0, 10.0, 200.0, 20.0, 5.0]
CLOSES = ["2025-02-01", None, "2025-03-01", "2025-04-01", None]
CLOSE_DAYS = ["2025-02-01", "2025-02-02", "2025-03-01", "2025-04-01", "2025-05-01"]


class TestAmountAndExpectedClose:
    def test_the_latest_row_of_each_deal_wins(self) -> None:
        """Per deal the values on its latest row count, whatever the row order:
        a's latest row (negotiation, 10 Jan) says 20 and 2025-04-01, b's (won) 200 and
        2025-03-01, c has one row without a close date."""
        h = history(ROWS, amount=AMOUNTS, expected_close=CLOSES)

        assert ["a", "b", "c"] == h.opportunity_ids.tolist()
        assert [20.0, 200.0, 5.0] == h.amount.tolist()
        assert np.array_equal(
            np.array(["2025-04-01", "2025-03-01", "NaT"], dtype="datetime64[D]"),
            h.expected_close,
            equal_nan=True,
        )

    def test_a_missing_close_date_is_nat(self) -> None:
        """NaT stays NaT (as None does above); close dates may be ISO strings."""
        h = history(
            [("a", "proposal", "2025-01-01"), ("b", "proposal", "2025-01-01")],
            expected_close=[np.datetime64("NaT"), "2025-06-30"],
        )

        assert [True, False] == np.isnat(h.expected_close).tolist()
        assert np.datetime64("2025-06-30") == h.expected_close[1]

    def test_without_amounts_or_close_dates_both_are_none(self) -> None:
        """The columns are optional: left out, the attributes are None."""
        h = history(ROWS)

        assert (None, None) == (h.amount, h.expected_close)

    def test_the_arrays_are_read_only(self) -> None:
        """Amounts and close dates cannot be changed in place."""
        h = history(ROWS, amount=AMOUNTS, expected_close=CLOSES)

        with pytest.raises(ValueError, match="read-only"):
            h.amount[0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            h.expected_close[0] = np.datetime64("2030-01-01")

    def test_a_history_with_a_missing_close_date_equals_itself(self) -> None:
        """Two builds from the same rows are equal, NaT close dates included."""
        first = history(ROWS, amount=AMOUNTS, expected_close=CLOSES)

        assert first == first
        assert first == history(ROWS, amount=AMOUNTS, expected_close=CLOSES)

    @settings(max_examples=40, deadline=None)
    @given(st.permutations(range(len(ROWS))))
    def test_row_order_does_not_matter(self, order: list[int]) -> None:
        """Any shuffle of the rows gives the same stages, amounts and close dates."""
        expected = history(ROWS, amount=AMOUNTS, expected_close=CLOSE_DAYS)

        actual = history(
            [ROWS[i] for i in order],
            amount=[AMOUNTS[i] for i in order],
            expected_close=[CLOSE_DAYS[i] for i in order],
        )

        assert expected == actual

    @pytest.mark.parametrize(
        ("columns", "error", "match"),
        [
            (
                {"amount": [1.0, -5.0, 1.0, 1.0, 1.0]},
                InvalidInputError,
                r"'amount' must be finite numbers of at least 0; got -5\.0 at index 1",
            ),
            (
                {"amount": [1.0, float("nan"), 1.0, 1.0, 1.0]},
                InvalidInputError,
                r"'amount' must be finite numbers of at least 0; got nan at index 1",
            ),
            (
                {"amount": [1.0, 2.0]},
                InvalidInputError,
                r"'amount' must be the same length as 'opportunity_id' \(5\); got length 2",
            ),
            (
                {"expected_close": ["2025-01-01"] * 2},
                InvalidInputError,
                r"'expected_close' must be one date per row \(5\); got 2 values",
            ),
            (
                {"expected_close": ["soon"] * 5},
                InvalidInputError,
                r"'expected_close' must be dates, .*; got 'soon' at index 0",
            ),
        ],
    )
    def test_bad_amounts_and_close_dates_are_refused(
        self, columns: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Amounts are finite and >= 0, one per row; close dates are dates, one per row."""
        ids, stages, times = zip(*ROWS, strict=True)
        refused(
            StageHistory.from_arrays,
            {
                "opportunity_id": list(ids),
                "stage": list(stages),
                "entered_at": days(*times),
                "pipeline": SALES_PIPELINE,
                **columns,
            },
            error,
            match,
        )


class TestCurrentStage:
    def test_the_stage_entered_last(self) -> None:
        """a is in negotiation, b won, c at initial contact; only b is closed."""
        h = history(ROWS)

        assert ["negotiation", "won", "initial_contact"] == h.current_stage.tolist()
        assert [True, False, True] == h.is_open.tolist()

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(OPEN), min_size=1, max_size=4),
                st.sampled_from(["won", "lost", "open"]),
            ),
            min_size=1,
            max_size=10,
        )
    )
    def test_open_means_the_current_stage_is_not_terminal(
        self, deals: list[tuple[list[str], str]]
    ) -> None:
        """Per deal, the current stage is the last one of its path, and it is open exactly
        when that stage is neither won nor lost."""
        rows = []
        for i, (path, outcome) in enumerate(deals):
            stages = path + ([] if outcome == "open" else [outcome])
            rows += [(f"d{i:02d}", s, f"2025-01-{k + 1:02d}") for k, s in enumerate(stages)]

        h = history(rows)

        expected = [outcome if outcome != "open" else path[-1] for path, outcome in deals]
        assert expected == h.current_stage.tolist()
        assert [outcome == "open" for _, outcome in deals] == h.is_open.tolist()


class TestUntil:
    def test_a_date_counts_its_whole_day(self) -> None:
        """b's win at 10:00 on 31 January counts as of that date, not as of the 30th."""
        h = history(ROWS)

        assert [True, False] == h.until(date(2025, 1, 31)).is_open.tolist()
        assert [True, True] == h.until(date(2025, 1, 30)).is_open.tolist()

    def test_an_aware_datetime_is_that_instant(self) -> None:
        """09:59 UTC is before b's win, 10:00 UTC is at it; 18:00 at +08:00 is 10:00 UTC."""
        h = history(ROWS)
        china = timezone(timedelta(hours=8))

        assert [True, True] == h.until(datetime(2025, 1, 31, 9, 59, tzinfo=UTC)).is_open.tolist()
        assert [True, False] == h.until(datetime(2025, 1, 31, 10, tzinfo=UTC)).is_open.tolist()
        assert [True, False] == h.until(datetime(2025, 1, 31, 18, tzinfo=china)).is_open.tolist()

    def test_deals_with_no_row_left_are_dropped(self) -> None:
        """c starts on 15 February: as of 31 January only a and b exist."""
        h = history(ROWS).until(date(2025, 1, 31))

        assert ["a", "b"] == h.opportunity_ids.tolist()
        assert 2 == h.n_opportunities
        assert [0, 0, 1, 1] == h.opportunity_index.tolist()

    def test_a_deal_closed_later_is_open_again(self) -> None:
        """As of 30 January b has not won yet: it is back in proposal."""
        h = history(ROWS).until(date(2025, 1, 30))

        assert ["negotiation", "proposal"] == h.current_stage.tolist()
        assert [
            ("a", "proposal", "2025-01-02T00:00"),
            ("a", "negotiation", "2025-01-10T00:00"),
            ("b", "proposal", "2025-01-01T00:00"),
        ] == rows_of(h)

    def test_amounts_and_close_dates_follow_the_kept_deals(self) -> None:
        """Dropping c drops its amount and close date; a and b keep theirs."""
        h = history(ROWS, amount=AMOUNTS, expected_close=CLOSES).until(date(2025, 1, 31))

        assert [20.0, 200.0] == h.amount.tolist()
        assert np.array_equal(
            np.array(["2025-04-01", "2025-03-01"], dtype="datetime64[D]"), h.expected_close
        )

    def test_as_of_after_everything_keeps_everything(self) -> None:
        """Nothing is cut after the last entry: the same history comes back."""
        h = history(ROWS, amount=AMOUNTS)

        assert h == h.until(date(2030, 1, 1))

    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 60), st.integers(0, 60))
    def test_cutting_twice_is_cutting_at_the_earlier_day(self, first: int, second: int) -> None:
        """until(x).until(y) equals until(min(x, y)), and keeps the entries up to that day."""
        h = history(ROWS, amount=AMOUNTS)
        start = date(2025, 1, 1)
        x, y = start + timedelta(days=first), start + timedelta(days=second)

        twice = h.until(x).until(y)

        assert h.until(min(x, y)) == twice
        end_of_day = np.datetime64(min(x, y) + timedelta(days=1), "us")
        assert int((h.entered_at < end_of_day).sum()) == len(twice)

    def test_as_of_before_every_entry_is_refused(self) -> None:
        """Nothing would be left: refused, naming 'as_of' and the first entry."""
        refused(
            history(ROWS).until,
            {"as_of": date(2024, 12, 31)},
            InvalidInputError,
            r"'as_of' must be on or after the first stage entry \(2025-01-01.*\); "
            r"got datetime\.date\(2024, 12, 31\)",
        )

    @pytest.mark.parametrize(
        ("as_of", "error", "match"),
        [
            (datetime(2025, 1, 31, 10), InvalidInputError, r"'as_of' must be a timezone-aware"),
            ("2025-01-31", InvalidTypeError, r"'as_of' must be a date or a timezone-aware"),
        ],
    )
    def test_as_of_must_be_a_date_or_an_aware_datetime(
        self, as_of: object, error: type[Exception], match: str
    ) -> None:
        """Naive datetimes and strings are refused."""
        refused(history(ROWS).until, {"as_of": as_of}, error, match)


NAMES = {"opportunity_id": "deal", "stage": "step", "entered_at": "when"}


def frame() -> pd.DataFrame:
    """ROWS as a pandas frame with its own column names, amounts and close dates."""
    return pd.DataFrame(
        {
            "deal": [r[0] for r in ROWS],
            "step": [r[1] for r in ROWS],
            "when": pd.to_datetime([r[2] for r in ROWS], format="ISO8601"),
            "value": AMOUNTS,
            "close": pd.to_datetime(CLOSE_DAYS),
        }
    )


class TestFromFrame:
    @pytest.mark.parametrize("convert", [lambda f: f, pl.from_pandas], ids=["pandas", "polars"])
    def test_amount_and_close_columns(self, convert: object) -> None:
        """Named amount and close columns give the same history as from_arrays."""
        data = convert(frame())  # type: ignore[operator]

        h = StageHistory.from_frame(
            data, pipeline=SALES_PIPELINE, amount="value", expected_close="close", **NAMES
        )

        expected = history(ROWS, amount=AMOUNTS, expected_close=CLOSE_DAYS)
        assert expected == h

    def test_a_missing_close_date_in_a_frame_is_nat(self) -> None:
        """A frame's empty close cell is a missing close date (NaT), as in from_arrays."""
        data = frame().assign(close=pd.to_datetime(["2025-02-01", None, "2025-03-01", None, None]))

        h = StageHistory.from_frame(data, pipeline=SALES_PIPELINE, expected_close="close", **NAMES)

        assert [True, False, True] == np.isnat(h.expected_close).tolist()

    def test_columns_not_named_are_not_read(self) -> None:
        """Without amount and expected_close the frame's other columns are ignored."""
        h = StageHistory.from_frame(frame(), pipeline=SALES_PIPELINE, **NAMES)

        assert (None, None) == (h.amount, h.expected_close)

    @pytest.mark.parametrize("argument", ["amount", "expected_close"])
    def test_an_unknown_column_is_refused(self, argument: str) -> None:
        """A column the frame lacks is refused, naming the argument and the column."""
        refused(
            StageHistory.from_frame,
            {"frame": frame(), "pipeline": SALES_PIPELINE, **NAMES, argument: "total"},
            InvalidInputError,
            rf"'{argument}' must be a column of the frame .*; got 'total'",
        )

    def test_a_negative_amount_in_a_frame_is_refused(self) -> None:
        """Negative amounts are refused with their row."""
        refused(
            StageHistory.from_frame,
            {
                "frame": frame().assign(value=[1.0, -2.0, 1.0, 1.0, 1.0]),
                "pipeline": SALES_PIPELINE,
                "amount": "value",
                **NAMES,
            },
            InvalidInputError,
            r"'amount' must be finite numbers of at least 0; got -2\.0 at index 1",
        )


class TestFromRecords:
    def test_an_open_deal_without_steps_entered_its_stage_when_created(self) -> None:
        """Without steps an open deal has one row: its current stage, at created_at."""
        h = StageHistory.from_records(
            [deal("o1", "proposal", created=5, expected_close=date(2025, 3, 31))],
            pipeline=SALES_PIPELINE,
        )

        assert [("o1", "proposal", "2025-01-05T00:00")] == rows_of(h)
        assert [True] == h.is_open.tolist()
        assert [1000.0] == h.amount.tolist()
        assert np.datetime64("2025-03-31") == h.expected_close[0]

    def test_closed_deals_without_steps_start_at_the_initial_stage(self) -> None:
        """A won (lost) deal without steps enters initial_contact when created and won (lost)
        when closed; the amount is the Money amount, the missing close date NaT."""
        h = StageHistory.from_records(
            [
                deal("o2", "won", created=6, closed=20, won=True, amount="2000.50"),
                deal("o3", "lost", created=7, closed=21, won=False),
            ],
            pipeline=SALES_PIPELINE,
        )

        assert [
            ("o2", "initial_contact", "2025-01-06T00:00"),
            ("o2", "won", "2025-01-20T00:00"),
            ("o3", "initial_contact", "2025-01-07T00:00"),
            ("o3", "lost", "2025-01-21T00:00"),
        ] == rows_of(h)
        assert [2000.5, 1000.0] == h.amount.tolist()
        assert np.isnat(h.expected_close).all()

    def test_steps_add_the_stages_moved_to_at_their_times(self) -> None:
        """Created on the 1st in the first step's source, qualified on the 10th, proposed
        on the 15th: three rows, the deal now in proposal."""
        steps: list[Step] = [
            SALES_PIPELINE.fire("initial_contact", "qualify", at=at(10)),
            SALES_PIPELINE.fire("needs_confirmed", "propose", at=at(15)),
        ]

        h = StageHistory.from_records(
            [deal("o4", "proposal")], pipeline=SALES_PIPELINE, steps={"o4": steps}
        )

        assert [
            ("o4", "initial_contact", "2025-01-01T00:00"),
            ("o4", "needs_confirmed", "2025-01-10T00:00"),
            ("o4", "proposal", "2025-01-15T00:00"),
        ] == rows_of(h)

    def test_a_closed_deal_whose_steps_stop_short_is_closed_at_closed_at(self) -> None:
        """Steps up to needs_confirmed and a lost deal: lost is added at closed_at; a step
        into won is not repeated."""
        qualify = SALES_PIPELINE.fire("initial_contact", "qualify", at=at(10))
        propose = SALES_PIPELINE.fire("needs_confirmed", "propose", at=at(15))
        win = SALES_PIPELINE.fire("proposal", "win", at=at(22))

        h = StageHistory.from_records(
            [
                deal("o5", "needs_confirmed", closed=25, won=False),
                deal("o6", "won", closed=22, won=True),
            ],
            pipeline=SALES_PIPELINE,
            steps={"o5": [qualify], "o6": [qualify, propose, win]},
        )

        assert [
            ("o5", "initial_contact", "2025-01-01T00:00"),
            ("o5", "needs_confirmed", "2025-01-10T00:00"),
            ("o5", "lost", "2025-01-25T00:00"),
            ("o6", "initial_contact", "2025-01-01T00:00"),
            ("o6", "needs_confirmed", "2025-01-10T00:00"),
            ("o6", "proposal", "2025-01-15T00:00"),
            ("o6", "won", "2025-01-22T00:00"),
        ] == rows_of(h)

    def test_records_feed_the_markov_fit(self) -> None:
        """From records, one proposal won and one lost: win probability 1/2 there."""
        h = StageHistory.from_records(
            [
                deal("a", "won", closed=11, won=True),
                deal("b", "lost", closed=31, won=False),
            ],
            pipeline=SALES_PIPELINE,
            steps={
                "a": [SALES_PIPELINE.fire("negotiation", "win", at=at(11))],
                "b": [SALES_PIPELINE.fire("negotiation", "lose", at=at(31))],
            },
        )

        fit = fit_markov_pipeline(h, SALES_PIPELINE)

        assert 0.5 == fit.win_probability[STAGES.index("negotiation")]

    def test_a_step_without_a_time_is_refused(self) -> None:
        """Each step needs `at`: refused, naming the step."""
        untimed = SALES_PIPELINE.fire("initial_contact", "qualify")

        with pytest.raises(InvalidInputError, match=r"'steps\['o1'\]\[0\]\.at' must be the time"):
            StageHistory.from_records(
                [deal("o1", "needs_confirmed")], pipeline=SALES_PIPELINE, steps={"o1": [untimed]}
            )

    def test_steps_of_an_unknown_deal_are_refused(self) -> None:
        """Steps keyed by an id that is not among the records are refused, listing it."""
        refused(
            StageHistory.from_records,
            {
                "opportunities": [deal("o1", "proposal")],
                "pipeline": SALES_PIPELINE,
                "steps": {"zz": [SALES_PIPELINE.fire("initial_contact", "qualify", at=at(2))]},
            },
            InvalidInputError,
            r"'steps' must be keyed by ids of the opportunities given; got \['zz'\]",
        )

    def test_an_item_that_is_not_an_opportunity_is_refused(self) -> None:
        """Every item must be an Opportunity: refused, naming its position."""
        with pytest.raises(
            InvalidTypeError, match=r"'opportunities\[1\]' must be an Opportunity; got str 'x'"
        ) as error:
            StageHistory.from_records([deal("o1", "proposal"), "x"], pipeline=SALES_PIPELINE)

        assert "opportunities[1]" == error.value.argument

    def test_no_records_are_refused(self) -> None:
        """An empty list is nothing to learn from."""
        refused(
            StageHistory.from_records,
            {"opportunities": [], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            r"'opportunities' must be non-empty; got no records",
        )

    def test_a_single_record_is_not_a_list_of_records(self) -> None:
        """One Opportunity, not in a list, is refused rather than iterated."""
        refused(
            StageHistory.from_records,
            {"opportunities": deal("o1", "proposal"), "pipeline": SALES_PIPELINE},
            InvalidTypeError,
            r"'opportunities' must be an iterable of records",
        )

    def test_a_stage_outside_the_pipeline_is_refused(self) -> None:
        """A record's stage must be a stage of the pipeline."""
        refused(
            StageHistory.from_records,
            {"opportunities": [deal("o1", "signed")], "pipeline": SALES_PIPELINE},
            InvalidInputError,
            r"'stage' must be stages of the pipeline .*; got 'signed' at index 0",
        )


class TestTerminalStageRecordedTwice:
    def test_won_twice_in_a_row_is_one_stay(self) -> None:
        """won recorded on the 11th and again on the 20th: accepted, the deal is won, and
        the Markov fit counts one move into won (proposal wins for sure)."""
        h = history(
            [
                ("a", "proposal", "2025-01-01"),
                ("a", "won", "2025-01-11"),
                ("a", "won", "2025-01-20"),
            ]
        )

        fit = fit_markov_pipeline(h, SALES_PIPELINE)

        assert ["won"] == h.current_stage.tolist()
        assert [False] == h.is_open.tolist()
        assert 1 == fit.transition_counts.sum()
        assert 1.0 == fit.win_probability[STAGES.index("proposal")]
        assert [1] == stage_conversion(h, SALES_PIPELINE).won[2:3].tolist()

    def test_lost_twice_in_a_row_is_one_stay(self) -> None:
        """The same for lost."""
        h = history(
            [
                ("a", "needs_confirmed", "2025-01-01"),
                ("a", "lost", "2025-01-02"),
                ("a", "lost", "2025-01-03"),
            ]
        )

        assert ["lost"] == h.current_stage.tolist()

    @pytest.mark.parametrize(
        ("stages", "bad"),
        [
            (["proposal", "won", "lost"], r"got 'lost' at index 2 \(1 of 3 rows\)"),
            (
                ["proposal", "lost", "lost", "proposal"],
                r"got 'proposal' at index 3 \(1 of 4 rows\)",
            ),
            (["won", "won", "negotiation"], r"got 'negotiation' at index 2 \(1 of 3 rows\)"),
        ],
    )
    def test_another_stage_after_a_terminal_one_is_refused(
        self, stages: list[str], bad: str
    ) -> None:
        """Repeating a terminal stage is fine; moving on from it is not."""
        times = [f"2025-01-{k + 1:02d}" for k in range(len(stages))]

        refused(
            StageHistory.from_arrays,
            {
                "opportunity_id": ["a"] * len(stages),
                "stage": stages,
                "entered_at": days(*times),
                "pipeline": SALES_PIPELINE,
            },
            InvalidInputError,
            r"'stage' must be no stage after a terminal one \(won, lost\); " + bad,
        )


class TestInconsistentRecords:
    """from_records refuses an Opportunity whose stage contradicts its state."""

    def test_an_open_deal_in_a_terminal_stage_is_refused(self) -> None:
        """An open deal cannot sit in 'won'."""
        deal = Opportunity(
            id="d9",
            customer_id="c1",
            stage="won",
            amount=Money("10", "CNY"),
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
        with pytest.raises(
            InvalidInputError, match=r"'opportunities\['d9'\]\.stage' must be an open"
        ):
            StageHistory.from_records([deal], pipeline=SALES_PIPELINE)

    def test_a_lost_deal_in_the_won_stage_is_refused(self) -> None:
        """stage='won' with won=False contradicts itself."""
        deal = Opportunity(
            id="d8",
            customer_id="c1",
            stage="won",
            amount=Money("10", "CNY"),
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
            closed_at=datetime(2025, 2, 1, tzinfo=UTC),
            won=False,
        )
        with pytest.raises(
            InvalidInputError, match=r"must be the stage of a lost deal; got 'won'"
        ):
            StageHistory.from_records([deal], pipeline=SALES_PIPELINE)
