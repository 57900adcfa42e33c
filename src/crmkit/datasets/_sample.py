"""The bundled retail sample (private; public names in the package)."""

from __future__ import annotations

import csv
import gzip
from datetime import date
from importlib.resources import files

import numpy as np
from attrs import frozen

from crmkit.transactions import Transactions

__all__ = ["Sample", "load_sample"]

_TRANSACTIONS_FILE = "retail_transactions.csv.gz"


@frozen(kw_only=True)
class Sample:
    """The bundled retail sample: what the demo, the docs and the tests share.

    Attributes:
        transactions: About 5,000 customers' purchases, 2023-01-01 to
            2024-12-31, in CNY.
        start: First day of the sample period.
        end: Last day of the sample period (the natural `as_of`).
        currency: Currency of every amount.

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> sample = load_sample()
        >>> sample.start, sample.end, sample.currency
        (datetime.date(2023, 1, 1), datetime.date(2024, 12, 31), 'CNY')
    """

    transactions: Transactions
    start: date
    end: date
    currency: str


def load_sample() -> Sample:
    """Load the bundled retail sample (deterministic; no network access).

    The data were simulated once by `scripts/make_sample_data.py` with
    [`simulate_transactions`][crmkit.datasets.simulate_transactions] (5,000 customers, seed
    20250101, default BG/NBD and Gamma-Gamma parameters) and are shipped as a
    compressed CSV, so they are identical on every machine and numpy version.
    Timestamps are UTC; amounts are CNY with two decimals.

    Returns:
        The sample; each call reads the file afresh.

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> txns = load_sample().transactions
        >>> txns.n_customers
        5000
        >>> txns.currency, str(txns.at.min())[:10], str(txns.at.max())[:10]
        ('CNY', '2023-01-01', '2024-12-31')
    """
    resource = files(__package__).joinpath("data", _TRANSACTIONS_FILE)
    with (
        resource.open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8", newline="") as handle,
    ):
        reader = csv.reader(handle)
        header = next(reader)
        columns = dict(zip(header, zip(*reader, strict=True), strict=True))
    transactions = Transactions.from_arrays(
        customer_id=np.array(columns["customer_id"], dtype=np.str_),
        at=np.array(columns["at"], dtype="datetime64[us]"),
        amount=np.array(columns["amount"], dtype=np.float64),
        quantity=np.array(columns["quantity"], dtype=np.int64),
        category=np.array(columns["category"], dtype=np.str_),
        channel=np.array(columns["channel"], dtype=np.str_),
        currency="CNY",
    )
    return Sample(
        transactions=transactions, start=date(2023, 1, 1), end=date(2024, 12, 31), currency="CNY"
    )
