"""`Transactions`: a population of purchases as validated, read-only columns.

This is the columnar face that every transaction analytic takes. Build it once
from arrays, from [`Transaction`][crmkit.models.Transaction] records, or from any
pandas, polars or pyarrow frame; it is checked once, sorted by customer and
time, and its arrays can no longer be changed, so the functions that take it
skip all further checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _columns, _frames
from crmkit import _validation as v
from crmkit._fields import array_field, optional_array_field
from crmkit._frames import Backend
from crmkit.errors import CurrencyMismatchError
from crmkit.models import Channel, Money, Transaction

__all__ = ["NegativeAmounts", "Transactions"]

NegativeAmounts = Literal["reject", "allow"]
_CHANNELS = tuple(member.value for member in Channel)


@frozen(kw_only=True, repr=False)
class Transactions:
    """Purchases of many customers as equal-length, read-only numpy arrays.

    Rows are sorted by customer, then time (a stable sort: rows with the same
    customer and time keep their input order). Customer ids are stored once,
    sorted, in `customer_ids`; each row points into them through
    `customer_index`, so grouping by customer is a `numpy.bincount` away.
    Timestamps are naive `datetime64[us]` in UTC.

    Build it with `from_arrays`, `from_records` or
    `from_frame` rather than calling the class directly.

    Attributes:
        customer_index: Per row, the position of its customer in `customer_ids`.
        customer_ids: The distinct customer ids, sorted.
        at: Per row, when it happened (UTC).
        amount: Per row, the amount paid.
        quantity: Per row, the number of items, if known.
        category: Per row, the product category, if known.
        channel: Per row, the sales channel, if known.
        currency: The currency of every amount, if known.

    Examples:
        >>> import numpy as np
        >>> from crmkit import Transactions
        >>> txns = Transactions.from_arrays(
        ...     customer_id=["b", "a", "a"],
        ...     at=np.array(["2025-01-15", "2025-02-01", "2025-01-01"], dtype="datetime64[us]"),
        ...     amount=[5.0, 20.0, 10.0], currency="CNY")
        >>> txns
        Transactions(n_transactions=3, n_customers=2, first='2025-01-01', last='2025-02-01',
                     currency='CNY')
        >>> txns.customer_ids.tolist(), txns.amount.tolist()
        (['a', 'b'], [10.0, 20.0, 5.0])
    """

    customer_index: NDArray[np.int64] = array_field()
    customer_ids: NDArray[Any] = array_field()
    at: NDArray[np.datetime64] = array_field()
    amount: NDArray[np.float64] = array_field()
    quantity: NDArray[np.int64] | None = optional_array_field()
    category: NDArray[np.str_] | None = optional_array_field()
    channel: NDArray[np.str_] | None = optional_array_field()
    currency: str | None = field(default=None)

    def __attrs_post_init__(self) -> None:
        # Direct construction must still hold the invariants the analytics rely on.
        n = v.same_length(
            customer_index=self.customer_index,
            at=self.at,
            amount=self.amount,
            **self._optional_columns(),
        )
        if self.customer_index.dtype != np.int64 or self.at.dtype != np.dtype("datetime64[us]"):
            v.fail_type(
                "customer_index",
                "int64 codes with datetime64[us] times",
                v.described(f"{self.customer_index.dtype} and {self.at.dtype}"),
                hint="build Transactions with from_arrays, from_records or from_frame",
            )
        if n and not _columns.in_key_time_order(self.customer_index, self.at):
            v.fail(
                "customer_index",
                "sorted by customer, then time",
                v.described("unsorted rows"),
                hint="build Transactions with from_arrays, from_records or from_frame",
            )

    # --- constructors ---------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        *,
        customer_id: ArrayLike,
        at: ArrayLike,
        amount: ArrayLike,
        quantity: ArrayLike | None = None,
        category: ArrayLike | None = None,
        channel: ArrayLike | None = None,
        currency: str | None = None,
        negative_amounts: NegativeAmounts = "reject",
    ) -> Transactions:
        """Build from equal-length arrays (or lists), one element per purchase.

        Args:
            customer_id: Who bought: strings or integers, no missing values.
            at: When: `datetime64` (read as UTC), timezone-aware datetimes or
                ISO 8601 strings (all aware, any offsets; or all naive, read as
                UTC).
            amount: What was paid, finite numbers.
            quantity: Items bought, whole numbers of at least 1.
            category: Product category per row, non-empty strings.
            channel: Sales channel per row, one of the
                [`Channel`][crmkit.models.Channel] values.
            currency: ISO 4217 code of every amount, if known.
            negative_amounts: `"reject"` (the default) or `"allow"`, for logs
                that record refunds as negative amounts.

        Returns:
            The validated bundle, sorted by customer and time.

        Raises:
            InvalidInputError: If lengths differ or any row is bad; the message
                gives the first bad index and how many rows are bad.
            InvalidTypeError: If a column has the wrong type.

        Examples:
            >>> from datetime import datetime, timezone
            >>> t = Transactions.from_arrays(
            ...     customer_id=[1, 1], amount=[9.5, 3.0],
            ...     at=[datetime(2025, 1, 1, tzinfo=timezone.utc),
            ...         datetime(2025, 1, 2, tzinfo=timezone.utc)])
            >>> len(t), t.n_customers
            (2, 1)
        """
        v.check_choice("negative_amounts", negative_amounts, ("reject", "allow"))
        codes, labels = _columns.factorize("customer_id", customer_id)
        times = _columns.timestamps("at", at)
        low = None if negative_amounts == "allow" else 0.0
        amounts = v.float_array("amount", amount, low=low, allow_empty=True)
        optional = {
            "quantity": None
            if quantity is None
            else v.integer_array("quantity", quantity, low=1, allow_empty=True),
            "category": None if category is None else _labels("category", category),
            "channel": None if channel is None else _channels(channel),
        }
        return cls._sorted(
            codes, labels, times, amounts, optional, None if currency is None else _code(currency)
        )

    @classmethod
    def from_records(cls, records: Iterable[Transaction]) -> Transactions:
        """Build from [`Transaction`][crmkit.models.Transaction] records.

        This walks the records in Python, which suits thousands of records; for
        millions, build arrays or a frame and use `from_arrays` or
        `from_frame`. Every record must be in the same currency. Refunds
        (negative amounts) are kept.

        Raises:
            InvalidTypeError: If an item is not a Transaction.
            CurrencyMismatchError: If the records mix currencies.

        Examples:
            >>> from datetime import datetime, timezone
            >>> from crmkit.models import Money, Transaction
            >>> t = Transaction(id="o1", customer_id="c1",
            ...                 at=datetime(2025, 1, 5, tzinfo=timezone.utc),
            ...                 amount=Money("19.90", "CNY"), channel="web")
            >>> txns = Transactions.from_records([t])
            >>> txns.currency, txns.amount.tolist(), txns.channel.tolist()
            ('CNY', [19.9], ['web'])
        """
        rows = v.listed("records", records)
        for index, row in enumerate(rows):
            if not isinstance(row, Transaction):
                v.fail_type(f"records[{index}]", "a Transaction", row)
        currencies = sorted({row.amount.currency for row in rows})
        if len(currencies) > 1:
            message = f"'records' must share one currency; got {', '.join(currencies)}"
            raise CurrencyMismatchError(message, currencies=(currencies[0], currencies[1]))
        has = {
            name: any(getattr(r, name) is not None for r in rows)
            for name in ("category", "channel")
        }
        return cls.from_arrays(
            customer_id=np.array([r.customer_id for r in rows], dtype=np.str_),
            at=np.array([v.utc_datetime64(r.at) for r in rows], dtype="datetime64[us]"),
            amount=np.array([float(r.amount.amount) for r in rows], dtype=np.float64),
            quantity=np.array([r.quantity for r in rows], dtype=np.int64),
            # A column some records lack is refused by from_arrays, naming the first such row.
            category=np.array([r.category for r in rows], dtype=object)
            if has["category"]
            else None,
            channel=np.array([r.channel for r in rows], dtype=object) if has["channel"] else None,
            currency=currencies[0] if currencies else None,
            negative_amounts="allow",
        )

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        customer_id: str = "customer_id",
        at: str = "at",
        amount: str = "amount",
        quantity: str | None = None,
        category: str | None = None,
        channel: str | None = None,
        currency: str | None = None,
        negative_amounts: NegativeAmounts = "reject",
    ) -> Transactions:
        """Build from a pandas, polars or pyarrow frame, naming its columns.

        Timezone-aware timestamp columns are converted to UTC; naive ones are
        read as UTC. Missing values anywhere in the named columns are refused
        (never silently dropped).

        Args:
            frame: A pandas, polars or pyarrow DataFrame (anything narwhals reads
                eagerly).
            customer_id: Column with customer ids.
            at: Column with timestamps.
            amount: Column with amounts.
            quantity: Column with item counts, if any.
            category: Column with product categories, if any.
            channel: Column with sales channels, if any.
            currency: ISO 4217 code of every amount, if known.
            negative_amounts: `"reject"` (the default) or `"allow"`.

        Raises:
            InvalidInputError: If a named column is missing (the message lists
                the columns there are) or any row is bad.

        Examples:
            >>> import pandas as pd
            >>> df = pd.DataFrame({
            ...     "cust": ["a", "a", "b"],
            ...     "ts": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-15"], utc=True),
            ...     "amt": [10.0, 20.0, 5.0]})
            >>> txns = Transactions.from_frame(df, customer_id="cust", at="ts", amount="amt")
            >>> len(txns), txns.n_customers
            (3, 2)
        """
        data = _frames.eager_frame(frame)
        columns = {"customer_id": customer_id, "at": at, "amount": amount}
        optional = {"quantity": quantity, "category": category, "channel": channel}
        series = {
            arg: _frames.column(data, name, argument=arg)
            for arg, name in {**columns, **optional}.items()
            if name is not None
        }
        extra = {arg: _frames.series_values(arg, series[arg]) for arg in optional if arg in series}
        return cls.from_arrays(
            customer_id=_frames.series_values("customer_id", series["customer_id"]),
            at=_frames.series_timestamps("at", series["at"]),
            amount=_frames.series_numbers("amount", series["amount"]),
            currency=currency,
            negative_amounts=negative_amounts,
            **extra,
        )

    @classmethod
    def _sorted(
        cls,
        codes: NDArray[np.int64],
        labels: NDArray[Any],
        times: NDArray[np.datetime64],
        amounts: NDArray[np.float64],
        optional: dict[str, NDArray[Any] | None],
        currency: str | None,
    ) -> Transactions:
        n = v.same_length(
            customer_id=codes,
            at=times,
            amount=amounts,
            **{k: a for k, a in optional.items() if a is not None},
        )
        order = _columns.key_time_order(codes, times) if n else np.arange(0)
        return cls(
            customer_index=_columns.codes_in_order(codes, labels.size),
            customer_ids=labels,
            at=times[order],
            amount=amounts[order],
            currency=currency,
            **{k: None if a is None else a[order] for k, a in optional.items()},
        )

    # --- views ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.at.size)

    def __repr__(self) -> str:
        span = ""
        if len(self):
            first, last = (str(t.astype("datetime64[D]")) for t in (self.at.min(), self.at.max()))
            span = f", first={first!r}, last={last!r}"
        return (
            f"Transactions(n_transactions={len(self)}, n_customers={self.n_customers}{span}, "
            f"currency={self.currency!r})"
        )

    @property
    def n_transactions(self) -> int:
        """Number of rows."""
        return len(self)

    @property
    def n_customers(self) -> int:
        """Number of distinct customers."""
        return int(self.customer_ids.size)

    @property
    def customer_id(self) -> NDArray[Any]:
        """Per row, the customer id (a new array built from the codes)."""
        return self.customer_ids[self.customer_index]

    def until(self, as_of: date | datetime) -> Transactions:
        """Keep the rows at or before *as_of* (a `date` counts its whole day, UTC).

        Customers with no row left are dropped from `customer_ids`.

        Examples:
            >>> from datetime import date
            >>> import numpy as np
            >>> t = Transactions.from_arrays(
            ...     customer_id=["a", "b"], amount=[1.0, 2.0],
            ...     at=np.array(["2025-01-01T10:00", "2025-01-02"], dtype="datetime64[us]"))
            >>> t.until(date(2025, 1, 1)).customer_ids.tolist()
            ['a']
        """
        keep = self.at <= v.as_of_datetime64(as_of)
        present = np.zeros(self.n_customers, dtype=bool)
        present[self.customer_index[keep]] = True
        new_code = np.cumsum(present) - 1
        return Transactions(
            customer_index=new_code[self.customer_index[keep]],
            customer_ids=self.customer_ids[present],
            at=self.at[keep],
            amount=self.amount[keep],
            currency=self.currency,
            **{k: a[keep] for k, a in self._optional_columns().items()},
        )

    def to_frame(self, backend: Backend = "pandas") -> Any:
        """Return the rows as a frame with columns `customer_id`, `at`, `amount`, ...

        Optional columns (`quantity`, `category`, `channel`) appear when present;
        `at` is timezone-aware UTC.

        Args:
            backend: `"pandas"`, `"polars"` or `"pyarrow"` (installed as the
                extra of the same name).

        Examples:
            >>> import numpy as np
            >>> t = Transactions.from_arrays(
            ...     customer_id=["a"], amount=[1.5],
            ...     at=np.array(["2025-01-01"], dtype="datetime64[us]"))
            >>> t.to_frame("polars").columns
            ['customer_id', 'at', 'amount']
        """
        columns = {
            "customer_id": self.customer_id,
            "at": self.at,
            "amount": self.amount,
            **self._optional_columns(),
        }
        return _frames.frame_from_columns(columns, backend=backend)

    def _optional_columns(self) -> dict[str, NDArray[Any]]:
        pairs = {"quantity": self.quantity, "category": self.category, "channel": self.channel}
        return {name: array for name, array in pairs.items() if array is not None}


def _labels(argument: str, values: ArrayLike) -> NDArray[np.str_]:
    codes, labels = _columns.factorize(argument, values)
    if labels.dtype.kind != "U":
        v.fail_type(
            argument, "an array of strings", v.described(f"an array of dtype {labels.dtype}")
        )
    return labels[codes]


def _channels(values: ArrayLike) -> NDArray[np.str_]:
    channels = _labels("channel", values)
    known = np.isin(channels, _CHANNELS)
    if not known.all():
        v.fail_rows("channel", "one of " + ", ".join(map(repr, _CHANNELS)), channels, ~known)
    return channels


def _code(currency: str) -> str:
    return Money(0, currency).currency  # Money is the one place currency codes are checked
