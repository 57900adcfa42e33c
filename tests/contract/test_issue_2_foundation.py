"""The foundation issue's contract: its calls, verbatim, must work as written."""

from __future__ import annotations

import subprocess
import sys


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold."""
    from datetime import datetime, timezone
    from decimal import Decimal

    import crmkit
    from crmkit import Transactions, io
    from crmkit.datasets import load_sample, simulate_transactions
    from crmkit.errors import CrmkitError, CurrencyMismatchError, InvalidInputError
    from crmkit.models import Money, Transaction

    m = Money("19.90", "CNY")
    assert m.amount == Decimal("19.90")
    assert Money("1.10", "CNY") + Money("2.20", "CNY") == Money("3.30", "CNY")
    t = Transaction(
        id="o1", customer_id="c1", at=datetime(2025, 1, 5, tzinfo=timezone.utc), amount=m
    )
    assert io.from_json(Transaction, io.to_json(t)) == t
    txns = Transactions.from_records([t])
    sample = load_sample()
    assert isinstance(sample.transactions, Transactions) and sample.transactions.n_customers > 1000
    sim = simulate_transactions(n_customers=1000, seed=7)
    assert simulate_transactions(n_customers=1000, seed=7) == sim  # deterministic
    import pandas as pd

    df = pd.DataFrame(
        {
            "cust": ["a", "a", "b"],
            "ts": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-15"], utc=True),
            "amt": [10.0, 20.0, 5.0],
        }
    )
    assert len(Transactions.from_frame(df, customer_id="cust", at="ts", amount="amt")) == 3
    assert len(txns) == 1


def test_contract_commented_failures_raise_as_stated() -> None:
    """The contract's commented lines raise the stated crmkit errors."""
    from datetime import datetime

    import pytest

    from crmkit.errors import CurrencyMismatchError, InvalidInputError, InvalidTypeError
    from crmkit.models import Money, Transaction

    with pytest.raises(CurrencyMismatchError) as mixed:
        Money("1", "CNY") + Money("1", "USD")
    assert isinstance(mixed.value, (TypeError, ValueError))
    with pytest.raises(InvalidTypeError, match="'amount'"):
        Money(19.9, "CNY")
    with pytest.raises(InvalidInputError, match="'at'"):
        Transaction(id="o1", customer_id="c1", at=datetime(2025, 1, 5), amount=Money("1", "CNY"))


def test_cli_demo_exits_zero_and_report_of_missing_file_exits_two() -> None:
    """`crmkit demo` exits 0; `crmkit report missing.csv` exits 2 with a one-line message."""
    demo = subprocess.run(
        [sys.executable, "-m", "crmkit", "demo"], capture_output=True, text=True, check=False
    )
    missing = subprocess.run(
        [sys.executable, "-m", "crmkit", "report", "missing.csv"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert 0 == demo.returncode, demo.stderr
    assert 2 == missing.returncode
    assert 1 == len(missing.stderr.strip().splitlines())
    assert "missing.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
