"""Replaying a log of loyalty events into ledgers: every kind, retries as no-ops, frames and
timestamps of every flavour, continuing from stored ledgers, refused rows named, and the
bundled sample's log accounted for to the point."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from tests.assertions import refused

from crmkit.datasets import Sample
from crmkit.errors import CrmkitError, InsufficientPointsError, InvalidInputError, InvalidTypeError
from crmkit.loyalty import (
    EVENT_KINDS,
    Balance,
    Expiry,
    Ledger,
    Program,
    balance,
    replay_events,
)

NAN = math.nan
PROGRAM = Program.simple(currency="CNY", category_multipliers={"beauty": 2})
COLUMNS = ("member_id", "kind", "key", "at", "amount", "points", "original_key", "category")
END_OF_2024 = datetime.combine(date(2024, 12, 31), time.max, tzinfo=UTC)


def row(
    kind: str,
    key: str,
    at: str,
    *,
    member: str = "m1",
    amount: float = NAN,
    points: int = 0,
    original_key: str = "",
    category: str = "",
) -> dict[str, Any]:
    return {
        "member_id": member,
        "kind": kind,
        "key": key,
        "at": at,
        "amount": amount,
        "points": points,
        "original_key": original_key,
        "category": category,
    }


def log(*rows: dict[str, Any]) -> dict[str, list[Any]]:
    """Rows as the columns `replay_events` takes."""
    return {name: [r[name] for r in rows] for name in COLUMNS}


def balance_on(ledger: Ledger, day: int, month: int = 3) -> Balance:
    """The balance at the start of *day* (UTC) of *month* 2025."""
    return balance(ledger, as_of=datetime(2025, month, day, tzinfo=UTC))


EVERY_KIND = log(
    row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
    row("earn", "o2", "2025-03-01T11:00:00+00:00", amount=50.0, category="beauty"),
    row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
    row("redeem", "r1", "2025-03-02T09:00:00+00:00", points=30),
    row("reverse", "refund-o1", "2025-03-03T09:00:00+00:00", amount=40.0, original_key="o1"),
    row("adjust", "goodwill", "2025-03-04T09:00:00+00:00", points=25),
    row("adjust", "fix", "2025-03-04T10:00:00+00:00", points=-5),
    row("reverse", "cancel-r1", "2025-03-05T09:00:00+00:00", original_key="r1"),
    row("earn", "o3", "2025-03-05T09:00:00+00:00", amount=19.99, member="m2"),
    row("reverse", "refund-o3", "2025-03-06T09:00:00+00:00", original_key="o3", member="m2"),
    row("redeem", "r1", "2025-03-02T09:00:00+00:00", points=30),
)
"""m1: 100 + 50 x 2 = 200 points (o1 retried), 30 redeemed, 40 refunded of o1 (40 points),
+25 - 5 by hand, the redemption cancelled (30 back), the redemption retried: 180 available.
m2: 19 points on 19.99, fully refunded (NaN amount): 0."""


@pytest.fixture(scope="module")
def sample_ledgers(sample: Sample) -> dict[str, Ledger]:
    """The bundled sample's loyalty log, replayed once for this module (a few seconds)."""
    return replay_events(sample.loyalty_program, sample.loyalty_events)


class TestReplayEvents:
    def test_docstring_example(self) -> None:
        """128.50 earns 128 points once (the second o1 row is a retry); 100 redeemed leaves
        28."""
        events = {
            "member_id": ["m1", "m1", "m1"],
            "kind": ["earn", "earn", "redeem"],
            "key": ["o1", "o1", "r1"],
            "at": [
                "2025-03-01T10:00:00+00:00",
                "2025-03-01T10:00:00+00:00",
                "2025-03-02T09:00:00+00:00",
            ],
            "amount": [128.5, 128.5, float("nan")],
            "points": [0, 0, 100],
        }

        ledgers = replay_events(PROGRAM, events)

        assert ["m1"] == list(ledgers)
        assert ["o1", "r1"] == [entry.key for entry in ledgers["m1"].entries]
        assert 28 == balance_on(ledgers["m1"], 3).available

    def test_every_kind_by_hand(self) -> None:
        """The log of every kind (see EVERY_KIND): m1 earned 100 + 100 + 25 = 225, had 45
        reversed (40 refunded, 5 taken by hand) and nothing redeemed once the redemption was
        cancelled: 180 available. m2's 19 points are refunded in full."""
        ledgers = replay_events(PROGRAM, EVERY_KIND)

        m1 = balance_on(ledgers["m1"], 7)
        m2 = balance_on(ledgers["m2"], 7)
        assert ["o1", "o2", "r1", "refund-o1", "goodwill", "fix", "cancel-r1"] == [
            entry.key for entry in ledgers["m1"].entries
        ]
        assert (180, 225, 0, 45) == (m1.available, m1.earned, m1.redeemed, m1.reversed)
        assert (0, 19, 19) == (m2.available, m2.earned, m2.reversed)

    def test_retries_are_no_ops(self) -> None:
        """Replaying the whole log twice in a row, or replaying it again onto its own
        result, gives the same ledgers as replaying it once."""
        once = replay_events(PROGRAM, EVERY_KIND)
        doubled = {name: values * 2 for name, values in EVERY_KIND.items()}

        assert once == replay_events(PROGRAM, doubled)
        assert once == replay_events(PROGRAM, EVERY_KIND, ledgers=once)

    def test_a_refund_with_nan_amount_is_full(self) -> None:
        """A reverse row whose amount is NaN refunds the whole purchase: 100 points back."""
        ledgers = replay_events(
            PROGRAM,
            log(
                row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
                row("reverse", "x1", "2025-03-02T10:00:00+00:00", original_key="o1"),
            ),
        )

        result = balance_on(ledgers["m1"], 3)
        assert (0, 100) == (result.available, result.reversed)

    def test_a_partial_refund_takes_back_its_share(self) -> None:
        """Refunding 25.00 of 100.00 takes back 25 of the 100 points; a second refund of the
        other 75.00 takes the rest."""
        first = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
            row("reverse", "x1", "2025-03-02T10:00:00+00:00", amount=25.0, original_key="o1"),
        )
        second = log(
            row("reverse", "x2", "2025-03-03T10:00:00+00:00", amount=75.0, original_key="o1")
        )

        partly = replay_events(PROGRAM, first)
        fully = replay_events(PROGRAM, second, ledgers=partly)

        assert 75 == balance_on(partly["m1"], 3).available
        assert (0, 100) == (
            balance_on(fully["m1"], 4).available,
            balance_on(fully["m1"], 4).reversed,
        )

    def test_redemptions_follow_the_program_floor(self) -> None:
        """Under a program allowing -100, redeeming 150 of 100 points is allowed (balance
        -50); under the default floor of 0 the same row is refused."""
        events = log(
            row("adjust", "a1", "2025-03-01T10:00:00+00:00", points=100),
            row("redeem", "r1", "2025-03-02T10:00:00+00:00", points=150),
        )
        lenient = Program.simple(currency="CNY", negative_floor=-100)

        assert -50 == balance_on(replay_events(lenient, events)["m1"], 3).available
        with pytest.raises(InvalidInputError, match=r"'events' row 1 \(redeem r1\) was refused"):
            replay_events(PROGRAM, events)

    def test_expire_events_record_the_expiry(self) -> None:
        """Points expiring 30 days after earning: an expire row on 2025-05-01 records the
        100 points earned on 2025-03-01 as expired (an entry of -100)."""
        expiring = Program.simple(currency="CNY", expiry=Expiry(kind="days", days=30))
        ledgers = replay_events(
            expiring,
            log(
                row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
                row("expire", "e1", "2025-05-01T00:00:00+00:00"),
                row("expire", "e2", "2025-05-02T00:00:00+00:00"),
            ),
        )

        entries = ledgers["m1"].entries
        assert (["earn", "expire"], -100) == ([e.kind for e in entries], entries[-1].points)
        assert (0, 100) == (
            balance_on(ledgers["m1"], 3, month=5).available,
            balance_on(ledgers["m1"], 3, month=5).expired,
        )

    def test_adjust_in_and_out(self) -> None:
        """+50 then -20 by hand: 30 available, 20 counted as reversed."""
        ledgers = replay_events(
            PROGRAM,
            log(
                row("adjust", "a1", "2025-03-01T10:00:00+00:00", points=50),
                row("adjust", "a2", "2025-03-01T11:00:00+00:00", points=-20),
            ),
        )

        result = balance_on(ledgers["m1"], 2)
        assert (30, 20) == (result.available, result.reversed)

    def test_points_given_as_whole_floats(self) -> None:
        """A points column read as floats (100.0) is accepted when the values are whole."""
        events = log(row("adjust", "a1", "2025-03-01T10:00:00+00:00"))
        events["points"] = [100.0]

        assert 100 == balance_on(replay_events(PROGRAM, events)["m1"], 2).available

    def test_pandas_frame(self) -> None:
        """A pandas frame of the docstring's log without a missing amount replays the same."""
        frame = pd.DataFrame(
            log(
                row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
                row("redeem", "r1", "2025-03-02T09:00:00+00:00", amount=0.0, points=100),
            )
        )

        assert 28 == balance_on(replay_events(PROGRAM, frame)["m1"], 3).available

    def test_pandas_frame_with_nan_amounts(self) -> None:
        """The docstring's log as a pandas frame: its redemption and full-refund rows have
        NaN amounts, as any pandas log does. NaN is how the log says "no amount" (the
        refund's "all of it"), so the frame replays like the mapping: 128 points, 100
        redeemed, a 19-point purchase fully refunded."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
            row("redeem", "r1", "2025-03-02T09:00:00+00:00", points=100),
            row("earn", "o2", "2025-03-02T10:00:00+00:00", amount=19.99),
            row("reverse", "x2", "2025-03-02T11:00:00+00:00", original_key="o2"),
        )

        ledgers = replay_events(PROGRAM, pd.DataFrame(events))

        assert replay_events(PROGRAM, events) == ledgers
        assert 28 == balance_on(ledgers["m1"], 3).available

    def test_polars_frame_with_nan_amounts(self) -> None:
        """A polars frame with NaN amounts replays like the mapping."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
            row("redeem", "r1", "2025-03-02T09:00:00+00:00", points=100),
        )

        assert replay_events(PROGRAM, events) == replay_events(PROGRAM, pl.DataFrame(events))

    def test_frames_with_datetime_columns(self) -> None:
        """Timezone-aware datetime columns in pandas and polars (in any zone) give the same
        instants as the ISO strings."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
            row("adjust", "a1", "2025-03-02T09:00:00+00:00", amount=0.0, points=10),
        )
        expected = replay_events(PROGRAM, events)
        frame = pd.DataFrame(events)
        frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert("Asia/Shanghai")
        polars_frame = pl.DataFrame(events).with_columns(
            pl.col("at").str.to_datetime(time_zone="Asia/Shanghai")
        )

        assert expected == replay_events(PROGRAM, frame)
        assert expected == replay_events(PROGRAM, polars_frame)

    def test_iso_strings_with_offsets(self) -> None:
        """'2025-03-01T18:00:00+08:00' is 10:00 UTC."""
        events = log(row("earn", "o1", "2025-03-01T18:00:00+08:00", amount=100.0))

        entry = replay_events(PROGRAM, events)["m1"].entries[0]

        assert datetime(2025, 3, 1, 10, tzinfo=UTC) == entry.at

    def test_datetime64_read_as_utc(self) -> None:
        """A datetime64 column has no zone and is read as UTC."""
        events: dict[str, Any] = log(row("earn", "o1", "", amount=100.0))
        events["at"] = np.array(["2025-03-01T10:00"], dtype="datetime64[us]")

        entry = replay_events(PROGRAM, events)["m1"].entries[0]

        assert datetime(2025, 3, 1, 10, tzinfo=UTC) == entry.at

    def test_aware_datetimes(self) -> None:
        """A column of aware Python datetimes is taken as is."""
        events: dict[str, Any] = log(row("earn", "o1", "", amount=100.0))
        events["at"] = [datetime(2025, 3, 1, 10, tzinfo=UTC)]

        assert datetime(2025, 3, 1, 10, tzinfo=UTC) == (
            replay_events(PROGRAM, events)["m1"].entries[0].at
        )

    def test_continuing_from_ledgers(self) -> None:
        """Replaying the first rows, then the rest onto the result, equals replaying the
        whole log; a member only in the given ledgers is kept as given."""
        head = {name: values[:4] for name, values in EVERY_KIND.items()}
        tail = {name: values[4:] for name, values in EVERY_KIND.items()}
        other = Ledger.empty("m9")

        first = replay_events(PROGRAM, head, ledgers={"m9": other})
        whole = replay_events(PROGRAM, tail, ledgers=first)

        assert other == whole.pop("m9")
        assert replay_events(PROGRAM, EVERY_KIND) == whole

    def test_an_empty_log_changes_nothing(self) -> None:
        """No rows: no ledgers, or the given ones unchanged."""
        empty = {name: [] for name in COLUMNS}
        given = {"m1": Ledger.empty("m1")}

        assert {} == replay_events(PROGRAM, empty)
        assert given == replay_events(PROGRAM, empty, ledgers=given)

    def test_a_refused_row_is_named_and_chained(self) -> None:
        """Redeeming 500 of 128 on the third row (row 2): the error names 'events', the row
        number and its kind and key, carries the row as .index and .value, and chains the
        InsufficientPointsError it came from; nothing is returned."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=128.5),
            row("redeem", "r1", "2025-03-02T09:00:00+00:00", points=500),
        )

        with pytest.raises(
            InvalidInputError,
            match=r"^'events' row 2 \(redeem r1\) was refused: 'points' must be at most the 128 "
            r"available; got 500$",
        ) as info:
            replay_events(PROGRAM, events)

        assert ("events", 2, 2) == (info.value.argument, info.value.value, info.value.index)
        assert isinstance(info.value.__cause__, InsufficientPointsError)
        assert (128, 500) == (info.value.__cause__.available, info.value.__cause__.requested)

    def test_unknown_kind_refused(self) -> None:
        """A 'gift' row is refused as its row, the cause naming 'kind' and the kinds known."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=10.0),
            row("gift", "g1", "2025-03-01T11:00:00+00:00"),
        )

        with pytest.raises(
            InvalidInputError, match=r"'events' row 1 \(gift g1\) was refused"
        ) as info:
            replay_events(PROGRAM, events)

        cause = info.value.__cause__
        assert isinstance(cause, InvalidInputError)
        assert ("kind", "gift") == (cause.argument, cause.value)
        assert all(kind in str(cause) for kind in EVENT_KINDS)

    def test_same_key_other_payload_refused(self) -> None:
        """Key o1 re-sent with another amount is not a retry: row 1 is refused, its cause
        naming 'key'."""
        events = log(
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=100.0),
            row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=99.0),
        )

        with pytest.raises(InvalidInputError, match=r"'events' row 1 \(earn o1\)") as info:
            replay_events(PROGRAM, events)

        assert "key" == info.value.__cause__.argument  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("changes", "cause"),
        [
            ({"at": ["not a time"]}, "'at' must be ISO 8601 timestamps; got 'not a time'"),
            ({"amount": [NAN]}, "'amount' must be the purchase amount of an earn event; got nan"),
            ({"original_key": ["nope"], "kind": ["reverse"]}, "'original_key' must be the key of"),
            ({"points": [0], "kind": ["redeem"]}, "'points' must be an integer of at least 1"),
            ({"points": [0], "kind": ["adjust"]}, "'points' must be a non-zero whole number"),
        ],
    )
    def test_rows_refused_for_their_values(
        self, changes: dict[str, list[Any]], cause: str
    ) -> None:
        """A time that is not ISO 8601, an earn without an amount, a reversal of an unknown
        key, and redeeming or adjusting 0 points are refused as row 0, the cause in the
        message."""
        events = {**log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=10.0)), **changes}

        with pytest.raises(InvalidInputError, match=r"^'events' row 0 .* was refused: ") as info:
            replay_events(PROGRAM, events)

        assert cause in str(info.value)

    def test_extra_columns_are_ignored(self) -> None:
        """A column replay does not know (a note) changes nothing."""
        events = {
            **log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=10.0)),
            "note": ["x"],
        }

        assert 10 == balance_on(replay_events(PROGRAM, events)["m1"], 2).available

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"program": "points"}, InvalidTypeError, "'program' must be a loyalty Program"),
            ({"events": [1, 2]}, InvalidTypeError, "'events' must be a mapping of column name"),
            (
                {"events": {"member_id": ["m1"], "kind": ["earn"], "key": ["o1"]}},
                InvalidInputError,
                r"'events' must be columns member_id, kind, key, at; got none for \['at'\]",
            ),
            (
                {"events": {"at": [], "points": []}},
                InvalidInputError,
                r"'events' must be columns .*; got none for \['member_id', 'kind', 'key'\]",
            ),
            (
                {
                    "events": {
                        **log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=1.0)),
                        "key": ["o1", "o2"],
                    }
                },
                InvalidInputError,
                r"'key' must be the same length as 'member_id' \(1\); got length 2",
            ),
            (
                {"ledgers": [Ledger.empty("m1")]},
                InvalidTypeError,
                "'ledgers' must be a mapping of member id to Ledger",
            ),
        ],
    )
    def test_bad_inputs_refused(
        self, kwargs: dict[str, Any], error: type[Exception], match: str
    ) -> None:
        """A program that is not a Program, events that are neither a mapping nor a frame,
        missing columns (all named), columns of different lengths and ledgers that are not a
        mapping are refused naming the argument."""
        events = log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=1.0))
        refused(replay_events, {"program": PROGRAM, "events": events, **kwargs}, error, match)

    def test_a_stored_value_that_is_not_a_ledger_is_refused(self) -> None:
        """Continuing from {'m1': 'lost'}: the value is not a Ledger; refused as a crmkit
        type error naming the ledgers, not an AttributeError from deep inside."""
        events = log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=1.0))

        with pytest.raises(InvalidTypeError, match=r"'ledgers") as info:
            replay_events(PROGRAM, events, ledgers={"m1": "lost"})  # type: ignore[dict-item]

        assert isinstance(info.value, CrmkitError)

    def test_a_ledger_filed_under_another_member_is_refused(self) -> None:
        """Continuing from {'m1': m2's ledger} would write m1's purchases into m2's ledger;
        it is refused naming the entry, as `pooled_balance` refuses it."""
        events = log(row("earn", "o1", "2025-03-01T10:00:00+00:00", amount=1.0))

        with pytest.raises(
            InvalidInputError, match=r"'ledgers\['m1'\]' must be the ledger of 'm1'"
        ):
            replay_events(PROGRAM, events, ledgers={"m1": Ledger.empty("m2")})


class TestSampleLog:
    def test_every_point_is_accounted_for(self, sample_ledgers: Mapping[str, Ledger]) -> None:
        """Replaying the sample's log, every member's balance at the end of 2024-12-31 has
        earned == available + pending + redeemed + expired + reversed, and no member is
        below zero (the program forbids it)."""
        balances = [balance(led, as_of=END_OF_2024) for led in sample_ledgers.values()]

        unbalanced = [
            b
            for b in balances
            if b.earned != b.available + b.pending + b.redeemed + b.expired + b.reversed
        ]
        assert [] == unbalanced
        assert 0 <= min(b.available for b in balances)

    def test_every_member_and_no_retry_counted_twice(
        self, sample: Sample, sample_ledgers: Mapping[str, Ledger]
    ) -> None:
        """The log's 5,000 members each get a ledger, and each distinct (member, key) is one
        entry: the retried rows add nothing."""
        events = sample.loyalty_events
        distinct = set(zip(events["member_id"].tolist(), events["key"].tolist(), strict=True))

        assert 5000 == len(sample_ledgers)
        assert len(distinct) == sum(len(led.entries) for led in sample_ledgers.values())
        assert len(distinct) < len(events["key"])
