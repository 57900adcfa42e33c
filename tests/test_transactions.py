"""crmkit.Transactions: the validated, read-only columnar bundle of purchases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit import Transactions
from crmkit.errors import CurrencyMismatchError, InvalidInputError, InvalidTypeError
from crmkit.models import Money, Transaction

SHANGHAI = timezone(timedelta(hours=8))


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[us]")


@st.composite
def purchase_logs(draw: st.DrawFn, *, min_size: int = 0) -> dict[str, np.ndarray]:
    """Columns of a purchase log with distinct timestamps (so the sort has no ties)."""
    n = draw(st.integers(min_size, 30))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "é"]), min_size=n, max_size=n))
    seconds = draw(st.lists(st.integers(0, 10**8), min_size=n, max_size=n, unique=True))
    amounts = draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n))
    return {
        "customer_id": np.array(ids, dtype=np.str_),
        "at": np.datetime64("2024-01-01", "us") + np.array(seconds, dtype="timedelta64[s]"),
        "amount": np.array(amounts, dtype=np.float64),
    }


def shuffled(columns: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(columns["amount"]))
    return {name: values[order] for name, values in columns.items()}


class TestFromArrays:
    def test_rows_are_sorted_by_customer_then_time(self) -> None:
        """Customer 'a' (two rows, Jan then Feb) comes before 'b', whatever the input order."""
        txns = Transactions.from_arrays(
            customer_id=["b", "a", "a"],
            at=days("2025-01-15", "2025-02-01", "2025-01-01"),
            amount=[5.0, 20.0, 10.0],
        )

        assert ["a", "b"] == txns.customer_ids.tolist()
        assert [0, 0, 1] == txns.customer_index.tolist()
        assert ["a", "a", "b"] == txns.customer_id.tolist()
        assert [10.0, 20.0, 5.0] == txns.amount.tolist()
        assert 3 == len(txns) == txns.n_transactions
        assert 2 == txns.n_customers

    def test_aware_datetimes_with_offsets_are_stored_as_utc(self) -> None:
        """09:00 in Shanghai (UTC+8) is 01:00 UTC."""
        txns = Transactions.from_arrays(
            customer_id=["a"], at=[datetime(2025, 1, 1, 9, tzinfo=SHANGHAI)], amount=[1.0]
        )

        assert days("2025-01-01T01:00").tolist() == txns.at.tolist()

    def test_iso_strings_with_offsets_are_converted_and_naive_ones_read_as_utc(self) -> None:
        """'...+08:00' strings convert to UTC; naive strings are taken as UTC already."""
        aware = Transactions.from_arrays(
            customer_id=["a", "a"],
            at=["2025-01-01T09:00+08:00", "2025-01-01T09:00Z"],
            amount=[1, 2],
        )
        naive = Transactions.from_arrays(customer_id=["a"], at=["2025-01-01 09:00"], amount=[1])

        assert days("2025-01-01T01:00", "2025-01-01T09:00").tolist() == aware.at.tolist()
        assert days("2025-01-01T09:00").tolist() == naive.at.tolist()

    def test_integer_ids_keep_their_type(self) -> None:
        """Integer customer ids stay integers in `customer_ids`, sorted numerically."""
        txns = Transactions.from_arrays(
            customer_id=[10, 2, 10],
            at=days("2025-01-01", "2025-01-02", "2025-01-03"),
            amount=[1, 2, 3],
        )

        assert [2, 10] == txns.customer_ids.tolist()

    def test_optional_columns_follow_the_sort(self) -> None:
        """Quantity, category and channel are reordered with their rows."""
        txns = Transactions.from_arrays(
            customer_id=["b", "a"],
            at=days("2025-01-01", "2025-01-02"),
            amount=[1.0, 2.0],
            quantity=[3, 1],
            category=["home", "beauty"],
            channel=["web", "app"],
            currency="cny",
        )

        assert [1, 3] == txns.quantity.tolist()
        assert ["beauty", "home"] == txns.category.tolist()
        assert ["app", "web"] == txns.channel.tolist()
        assert "CNY" == txns.currency

    def test_refunds_are_allowed_only_when_asked_for(self) -> None:
        """A negative amount is refused by default and kept with negative_amounts='allow'."""
        kwargs = {"customer_id": ["a", "a"], "at": days("2025-01-01", "2025-01-02")}

        with pytest.raises(InvalidInputError, match=r"'amount' .* got -5\.0 at index 1"):
            Transactions.from_arrays(amount=[10.0, -5.0], **kwargs)
        txns = Transactions.from_arrays(amount=[10.0, -5.0], negative_amounts="allow", **kwargs)
        assert [10.0, -5.0] == txns.amount.tolist()

    def test_empty_input_gives_an_empty_bundle(self) -> None:
        """No rows is valid data: zero transactions and zero customers."""
        txns = Transactions.from_arrays(
            customer_id=[], at=np.array([], "datetime64[us]"), amount=[]
        )

        assert (0, 0) == (len(txns), txns.n_customers)
        assert "Transactions(n_transactions=0, n_customers=0, currency=None)" == repr(txns)

    def test_repr_is_short_and_names_the_date_span(self) -> None:
        """The repr gives counts, first and last day and currency, not the arrays."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b"], at=days("2025-01-01", "2025-03-01T23:00"), amount=[1, 2]
        )

        expected = (
            "Transactions(n_transactions=2, n_customers=2, first='2025-01-01', "
            "last='2025-03-01', currency=None)"
        )
        assert expected == repr(txns)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"amount": [1.0, float("nan")]},
                InvalidInputError,
                r"'amount'.*nan at index 1 \(1 of 2",
            ),
            ({"amount": [1.0, float("inf")]}, InvalidInputError, r"'amount'.*inf at index 1"),
            ({"amount": ["x", "y"]}, InvalidTypeError, r"'amount'"),
            (
                {"amount": [1.0]},
                InvalidInputError,
                r"'amount' must be the same length .*got length 1",
            ),
            ({"customer_id": ["a", None]}, InvalidInputError, r"'customer_id'.*None at index 1"),
            ({"customer_id": ["a", "  "]}, InvalidInputError, r"'customer_id'.*'  ' at index 1"),
            ({"customer_id": [1.0, float("nan")]}, InvalidInputError, r"'customer_id'.*index 1"),
            ({"customer_id": [[1], [2]]}, InvalidInputError, r"'customer_id' must be one-dim"),
            ({"customer_id": "ab"}, InvalidTypeError, r"'customer_id' must be a one-dim"),
            ({"at": ["2025-01-01", "soon"]}, InvalidInputError, r"'at'.*'soon' at index 1"),
            ({"at": ["2025-01-01", None]}, InvalidInputError, r"'at'.*None at index 1"),
            (
                {"at": ["2025-01-01T00:00+00:00", "2025-01-01"]},
                InvalidInputError,
                r"'at' must be all timezone-aware or all naive",
            ),
            ({"at": days("2025-01-01", "NaT")}, InvalidInputError, r"'at'.*index 1"),
            ({"at": [1, 2]}, InvalidTypeError, r"'at' must be an array of datetimes"),
            ({"quantity": [1, 0]}, InvalidInputError, r"'quantity'.*0 at index 1"),
            ({"quantity": [1, 1.5]}, InvalidInputError, r"'quantity'.*1\.5 at index 1"),
            ({"channel": ["web", "fax"]}, InvalidInputError, r"'channel'.*'fax' at index 1"),
            ({"category": ["home", ""]}, InvalidInputError, r"'category'.*'' at index 1"),
            ({"currency": "yuan"}, InvalidInputError, r"'currency'.*'yuan'"),
            ({"negative_amounts": "ok"}, InvalidInputError, r"'negative_amounts'.*'ok'"),
        ],
    )
    def test_bad_input_names_the_argument_value_and_row(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """Every bad column raises a crmkit error naming it, the value and where it is."""
        valid: dict[str, object] = {
            "customer_id": ["a", "b"],
            "at": days("2025-01-01", "2025-01-02"),
            "amount": [1.0, 2.0],
        }

        with pytest.raises(error, match=match):
            Transactions.from_arrays(**{**valid, **kwargs})

    def test_errors_carry_the_first_bad_index_and_a_python_value(self) -> None:
        """An app can point at the row: `.index` is 2 and `.value` a plain float."""
        with pytest.raises(InvalidInputError) as caught:
            Transactions.from_arrays(
                customer_id=["a", "b", "c"],
                at=days("2025-01-01", "2025-01-02", "2025-01-03"),
                amount=np.array([1.0, 2.0, -3.0]),
            )

        assert (2, -3.0) == (caught.value.index, caught.value.value)
        assert type(caught.value.value) is float

    @given(purchase_logs(), st.integers(0, 1000))
    def test_row_order_of_the_input_does_not_matter(
        self, columns: dict[str, np.ndarray], seed: int
    ) -> None:
        """Shuffling the input rows gives an equal bundle."""
        assert Transactions.from_arrays(**columns) == Transactions.from_arrays(
            **shuffled(columns, seed)
        )

    @given(purchase_logs())
    def test_totals_and_counts_are_preserved(self, columns: dict[str, np.ndarray]) -> None:
        """Sorting loses no row: revenue, row count and distinct customers are unchanged."""
        txns = Transactions.from_arrays(**columns)

        assert len(columns["amount"]) == len(txns)
        assert len(set(columns["customer_id"].tolist())) == txns.n_customers
        assert np.isclose(columns["amount"].sum(), txns.amount.sum())
        assert np.all(np.diff(txns.customer_index) >= 0)

    @given(purchase_logs())
    def test_inputs_are_not_mutated(self, columns: dict[str, np.ndarray]) -> None:
        """The caller's arrays are left exactly as they were."""
        before = {name: values.copy() for name, values in columns.items()}

        Transactions.from_arrays(**columns)

        for name, values in before.items():
            np.testing.assert_array_equal(values, columns[name])


@st.composite
def integer_id_logs(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Integer ids of any int64 span and times with ties, microsecond neighbours and
    the widest span there is, so every sort path runs: packed keys, coarse time
    buckets re-sorted, and np.unique for ids too far apart to pack."""
    n = draw(st.integers(1, 40))
    pool = draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=6))
    ids = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    # The earliest and latest datetime64[us] (NaT aside), and a day in between.
    bases = np.array([-(2**63) + 1, 1_717_200_000_000_000, 2**63 - 100]).view("datetime64[us]")
    base = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    micros = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
    return {
        "customer_id": np.array(ids, dtype=np.int64),
        "at": bases[base] + np.array(micros, dtype="timedelta64[us]"),
        "amount": np.arange(n, dtype=np.float64),  # the input row, to check stability
    }


class TestSortAgainstReference:
    """The sort and the id codes equal np.unique's codes and a stable np.lexsort."""

    @staticmethod
    def assert_matches_reference(columns: dict[str, np.ndarray]) -> None:
        labels, codes = np.unique(columns["customer_id"], return_inverse=True)
        order = np.lexsort((columns["at"], codes))  # stable: ties keep input order
        txns = Transactions.from_arrays(**columns)

        np.testing.assert_array_equal(labels, txns.customer_ids)
        assert labels.dtype == txns.customer_ids.dtype
        np.testing.assert_array_equal(codes[order], txns.customer_index)
        np.testing.assert_array_equal(columns["at"][order], txns.at)
        np.testing.assert_array_equal(columns["amount"][order], txns.amount)

    @given(integer_id_logs())
    def test_integer_ids_any_span(self, columns: dict[str, np.ndarray]) -> None:
        self.assert_matches_reference(columns)

    @given(integer_id_logs(), st.integers(0, 1000))
    def test_sorted_and_time_ordered_logs(self, columns: dict[str, np.ndarray], seed: int) -> None:
        """Logs that arrive sorted by customer and time, or by time alone."""
        columns = shuffled(columns, seed)
        by_time = np.argsort(columns["at"], kind="stable")
        by_customer = by_time[np.argsort(columns["customer_id"][by_time], kind="stable")]
        for order in (by_time, by_customer):
            self.assert_matches_reference({k: a[order] for k, a in columns.items()})

    @pytest.mark.parametrize(
        "ids",
        [
            np.array([2**64 - 1, 5, 2**63, 5], dtype=np.uint64),
            np.array([7, -3, 7, 0], dtype=">i8"),  # big-endian
            np.array([7, -3, 7, 0], dtype=np.int16),
            np.array([True, False, True, True]),
        ],
    )
    def test_other_integer_dtypes(self, ids: np.ndarray) -> None:
        self.assert_matches_reference(
            {"customer_id": ids, "at": days(*["2025-01-01"] * 4), "amount": np.arange(4.0)}
        )

    def test_a_large_shuffled_log(self) -> None:
        """Sparse ids and random times over two years, as the benchmark draws them."""
        rng = np.random.default_rng(7)
        ids = rng.permutation(5_000).astype(np.int64) * 7919 + 100_000
        at = np.datetime64("2023-01-01", "us") + rng.integers(0, 2 * 365 * 86_400 * 10**6, 50_000)
        at[::7] = at[0]  # ties, across and within customers
        self.assert_matches_reference(
            {
                "customer_id": ids[rng.integers(0, 5_000, 50_000)],
                "at": at,
                "amount": np.arange(50_000.0),
            }
        )


class TestImmutability:
    def test_arrays_are_read_only(self) -> None:
        """Writing into any array of the bundle fails."""
        txns = Transactions.from_arrays(customer_id=["a"], at=days("2025-01-01"), amount=[1.0])

        with pytest.raises(ValueError, match="read-only"):
            txns.amount[0] = 99.0

    def test_fields_cannot_be_reassigned(self) -> None:
        """The bundle itself is frozen."""
        txns = Transactions.from_arrays(customer_id=["a"], at=days("2025-01-01"), amount=[1.0])

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            txns.currency = "USD"  # type: ignore[misc]

    def test_direct_construction_leaves_the_callers_arrays_writeable(self) -> None:
        """The bundle holds read-only views; the caller's own arrays keep their flags."""
        amount = np.array([1.0, 2.0])

        txns = Transactions(
            customer_index=np.array([0, 1]),
            customer_ids=np.array(["a", "b"]),
            at=days("2025-01-01", "2025-01-02"),
            amount=amount,
        )

        assert amount.flags.writeable
        assert not txns.amount.flags.writeable

    def test_direct_construction_with_unsorted_rows_is_refused(self) -> None:
        """Calling the class directly still enforces the customer-then-time order."""
        with pytest.raises(InvalidInputError, match="sorted by customer, then time"):
            Transactions(
                customer_index=np.array([1, 0]),
                customer_ids=np.array(["a", "b"]),
                at=days("2025-01-01", "2025-01-02"),
                amount=np.array([1.0, 2.0]),
            )


def _record(
    order: str, customer: str, day: int, amount: str, currency: str = "CNY"
) -> Transaction:
    return Transaction(
        id=order,
        customer_id=customer,
        at=datetime(2025, 1, day, tzinfo=UTC),
        amount=Money(amount, currency),
    )


class TestFromRecords:
    def test_records_become_sorted_columns_with_their_currency(self) -> None:
        """Two records of 'b' and 'a' give a CNY bundle with 'a' first."""
        txns = Transactions.from_records(
            [_record("o2", "b", 2, "5.50"), _record("o1", "a", 3, "19.90")]
        )

        assert ["a", "b"] == txns.customer_id.tolist()
        assert [19.9, 5.5] == txns.amount.tolist()
        assert "CNY" == txns.currency
        assert txns.category is None
        assert txns.channel is None

    def test_refunds_in_records_are_kept(self) -> None:
        """A negative Money amount (a refund record) is accepted from records."""
        txns = Transactions.from_records(
            [_record("o1", "a", 1, "10"), _record("r1", "a", 2, "-10")]
        )

        assert 0.0 == txns.amount.sum()

    def test_no_records_give_an_empty_bundle(self) -> None:
        """An empty iterable is an empty bundle with no currency."""
        txns = Transactions.from_records([])

        assert (0, None) == (len(txns), txns.currency)

    def test_mixed_currencies_are_refused(self) -> None:
        """CNY and USD records cannot share one amount column."""
        records = [_record("o1", "a", 1, "1", "CNY"), _record("o2", "a", 2, "1", "USD")]

        with pytest.raises(CurrencyMismatchError, match="one currency; got CNY, USD"):
            Transactions.from_records(records)

    def test_an_item_that_is_not_a_transaction_is_named_by_index(self) -> None:
        """The message points at the offending position."""
        with pytest.raises(InvalidTypeError, match=r"'records\[1\]' must be a Transaction"):
            Transactions.from_records([_record("o1", "a", 1, "1"), {"id": "o2"}])  # type: ignore[list-item]

    def test_a_category_missing_on_some_records_is_refused(self) -> None:
        """A column cannot be half filled: the first record without a category is named."""
        tagged = attrs.evolve(_record("o1", "a", 1, "1"), category="home")

        with pytest.raises(InvalidInputError, match=r"'category'.*None at index 1"):
            Transactions.from_records([tagged, _record("o2", "a", 2, "1")])


def _frame(backend: str, data: dict[str, list[object]]) -> object:
    df = pd.DataFrame(data)
    if backend == "polars":
        return pl.from_pandas(df)
    if backend == "pyarrow":
        return pa.Table.from_pandas(df, preserve_index=False)
    return df


BACKENDS = ["pandas", "polars", "pyarrow"]


class TestFromFrame:
    @pytest.mark.parametrize("backend", BACKENDS)
    def test_every_backend_gives_the_same_bundle(self, backend: str) -> None:
        """pandas, polars and pyarrow frames of the same data build equal bundles."""
        data = {
            "cust": ["a", "a", "b"],
            "ts": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-15"], utc=True),
            "amt": [10.0, 20.0, 5.0],
        }
        expected = Transactions.from_arrays(
            customer_id=["a", "a", "b"],
            at=days("2025-01-01", "2025-02-01", "2025-01-15"),
            amount=[10.0, 20.0, 5.0],
        )

        actual = Transactions.from_frame(
            _frame(backend, data), customer_id="cust", at="ts", amount="amt"
        )

        assert expected == actual

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_aware_columns_convert_to_utc(self, backend: str) -> None:
        """A Shanghai-time column at 09:00 becomes 01:00 UTC."""
        data = {
            "customer_id": ["a"],
            "at": pd.to_datetime(["2025-01-01 09:00"]).tz_localize("Asia/Shanghai"),
            "amount": [1.0],
        }

        txns = Transactions.from_frame(_frame(backend, data))

        assert days("2025-01-01T01:00").tolist() == txns.at.tolist()

    def test_naive_and_text_timestamp_columns_are_read_as_utc(self) -> None:
        """A naive datetime column and an ISO text column give the same UTC times."""
        naive = pd.DataFrame(
            {"customer_id": ["a"], "at": pd.to_datetime(["2025-01-01 09:00"]), "amount": [1.0]}
        )
        text = pl.DataFrame({"customer_id": ["a"], "at": ["2025-01-01T09:00"], "amount": [1.0]})

        assert Transactions.from_frame(naive) == Transactions.from_frame(text)

    def test_optional_columns_are_read_when_named(self) -> None:
        """quantity, category and channel come through when their columns are given."""
        df = pl.DataFrame(
            {
                "customer_id": ["a"],
                "at": [datetime(2025, 1, 1)],
                "amount": [1.0],
                "qty": [2],
                "cat": ["home"],
                "ch": ["web"],
            }
        )

        txns = Transactions.from_frame(df, quantity="qty", category="cat", channel="ch")

        assert ([2], ["home"], ["web"]) == (
            txns.quantity.tolist(),
            txns.category.tolist(),
            txns.channel.tolist(),
        )

    def test_missing_column_lists_the_columns_there_are(self) -> None:
        """Naming a column the frame lacks says which columns exist."""
        df = pd.DataFrame({"cust": ["a"], "ts": [datetime(2025, 1, 1)], "amt": [1.0]})

        with pytest.raises(
            InvalidInputError,
            match=r"'amount' must be a column of the frame \(one of 'cust', 'ts'",
        ):
            Transactions.from_frame(df, customer_id="cust", at="ts", amount="total")

    @pytest.mark.parametrize("backend", BACKENDS)
    def test_missing_values_are_refused_with_index_and_count(self, backend: str) -> None:
        """A null amount in row 1 is named, never silently dropped."""
        data = {
            "customer_id": ["a", "b", "c"],
            "at": pd.to_datetime(["2025-01-01"] * 3, utc=True),
            "amount": [1.0, None, 3.0],
        }

        with pytest.raises(InvalidInputError, match=r"'amount'.*at index 1 \(1 of 3 rows\)"):
            Transactions.from_frame(_frame(backend, data))

    def test_missing_ids_and_timestamps_are_refused(self) -> None:
        """Null customer ids and null timestamps are named with their first index."""
        ids = pl.DataFrame(
            {"customer_id": ["a", None], "at": [datetime(2025, 1, 1)] * 2, "amount": [1.0, 2.0]}
        )
        times = pl.DataFrame(
            {"customer_id": ["a", "b"], "at": [datetime(2025, 1, 1), None], "amount": [1.0, 2.0]}
        )

        with pytest.raises(InvalidInputError, match=r"'customer_id'.*index 1"):
            Transactions.from_frame(ids)
        with pytest.raises(InvalidInputError, match=r"'at'.*index 1"):
            Transactions.from_frame(times)

    def test_a_text_amount_column_is_a_type_error(self) -> None:
        """Amounts must be a numeric column."""
        df = pl.DataFrame({"customer_id": ["a"], "at": [datetime(2025, 1, 1)], "amount": ["1.0"]})

        with pytest.raises(InvalidTypeError, match=r"'amount' must be a numeric column"):
            Transactions.from_frame(df)

    def test_something_that_is_not_a_frame_is_refused(self) -> None:
        """A dict is not a frame; the error names 'frame'."""
        with pytest.raises(InvalidTypeError, match=r"'frame' must be a pandas, polars or pyarrow"):
            Transactions.from_frame({"customer_id": ["a"]})


class TestToFrame:
    @pytest.mark.parametrize("backend", BACKENDS)
    @given(columns=purchase_logs())
    def test_to_frame_then_from_frame_round_trips(
        self, backend: str, columns: dict[str, np.ndarray]
    ) -> None:
        """A bundle written to any backend's frame reads back equal."""
        txns = Transactions.from_arrays(**columns)

        assert txns == Transactions.from_frame(txns.to_frame(backend))

    def test_columns_and_utc_timestamps(self) -> None:
        """The frame has the canonical columns, optional ones when present, and aware UTC times."""
        txns = Transactions.from_arrays(
            customer_id=["a"], at=days("2025-01-01"), amount=[1.0], channel=["app"]
        )

        frame = txns.to_frame("pandas")

        assert ["customer_id", "at", "amount", "channel"] == frame.columns.tolist()
        assert "UTC" == str(frame["at"].dt.tz)

    def test_unknown_backend_is_refused(self) -> None:
        """Only the three supported backends are accepted."""
        txns = Transactions.from_arrays(customer_id=["a"], at=days("2025-01-01"), amount=[1.0])

        with pytest.raises(InvalidInputError, match=r"'backend' must be one of .*got 'spark'"):
            txns.to_frame("spark")  # type: ignore[arg-type]


class TestUntil:
    def test_a_date_includes_its_whole_day_in_utc(self) -> None:
        """as_of=2025-01-01 keeps 23:59 that day and drops midnight of the next."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b"], at=days("2025-01-01T23:59:59", "2025-01-02"), amount=[1, 2]
        )

        kept = txns.until(date(2025, 1, 1))

        assert (["a"], 1) == (kept.customer_ids.tolist(), len(kept))

    def test_an_aware_datetime_is_an_instant(self) -> None:
        """09:00 in Shanghai is 01:00 UTC, so a 01:30 UTC purchase is after it."""
        txns = Transactions.from_arrays(
            customer_id=["a", "a"], at=days("2025-01-01T00:30", "2025-01-01T01:30"), amount=[1, 2]
        )

        assert 1 == len(txns.until(datetime(2025, 1, 1, 9, tzinfo=SHANGHAI)))

    def test_customers_without_rows_left_are_dropped(self) -> None:
        """Codes are renumbered so n_customers counts only customers still present."""
        txns = Transactions.from_arrays(
            customer_id=["a", "b", "c"],
            at=days("2025-01-01", "2025-02-01", "2025-01-01"),
            amount=[1, 2, 3],
        )

        kept = txns.until(date(2025, 1, 15))

        assert (["a", "c"], [0, 1]) == (kept.customer_ids.tolist(), kept.customer_index.tolist())

    @pytest.mark.parametrize(
        ("as_of", "error", "match"),
        [
            (
                datetime(2025, 1, 1),
                InvalidInputError,
                r"'as_of' must be a timezone-aware datetime",
            ),
            ("2025-01-01", InvalidTypeError, r"'as_of' must be a date or a timezone-aware"),
        ],
    )
    def test_bad_as_of_is_refused(self, as_of: object, error: type[Exception], match: str) -> None:
        """A naive datetime or a string is not a valid as_of."""
        txns = Transactions.from_arrays(customer_id=["a"], at=days("2025-01-01"), amount=[1.0])

        with pytest.raises(error, match=match):
            txns.until(as_of)  # type: ignore[arg-type]
