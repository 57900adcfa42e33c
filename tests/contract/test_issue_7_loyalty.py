"""The loyalty issue's contract: its calls, verbatim, must work as written; its bad inputs
raise crmkit errors and leave the ledger as it was."""

from __future__ import annotations


def test_contract_calls_work_as_written() -> None:
    """Every call in the issue's contract block runs and its assertions hold; every name it
    imports is used."""
    # fmt: off
    from datetime import datetime, timezone  # noqa: I001
    from decimal import Decimal
    from crmkit import io
    from crmkit.errors import InsufficientPointsError
    from crmkit.models import Money, Transaction
    from crmkit.loyalty import Program, Ledger, earn, redeem, reverse, expire, balance, STANDARD_TIERS
    program = Program.simple(currency="CNY", points_per_unit=1, tiers=STANDARD_TIERS)
    t = Transaction(id="o1", customer_id="m1", at=datetime(2025, 3, 1, tzinfo=timezone.utc), amount=Money("128.50", "CNY"))
    led = earn(Ledger.empty("m1"), program, t, key="o1")
    assert earn(led, program, t, key="o1") == led                          # retry: no double award
    assert balance(led, as_of=datetime(2025, 3, 2, tzinfo=timezone.utc)).available == 128
    try:  # noqa: SIM105
        redeem(led, 500, at=datetime(2025, 3, 2, tzinfo=timezone.utc), key="r1")
    except InsufficientPointsError:
        pass
    led2 = reverse(led, original_key="o1", key="refund-o1")
    assert balance(led2, as_of=datetime(2025, 3, 3, tzinfo=timezone.utc)).available == 0
    assert io.from_json(Program, io.to_json(program)) == program
    # fmt: on
    import pytest

    with pytest.raises(InsufficientPointsError) as info:
        redeem(led, 500, at=datetime(2025, 3, 2, tzinfo=timezone.utc), key="r1")
    assert (128, 500) == (info.value.available, info.value.requested)
    assert Decimal(1) == program.points_per_unit
    assert led2 == expire(led2, as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert 1 == len(led.entries)
    assert 2 == len(led2.entries)
    assert led2 == io.from_json(Ledger, io.to_json(led2))


def test_contract_bad_inputs_raise_crmkit_errors() -> None:
    """The issue's bad-input list: an unknown currency for the program, naive datetimes,
    zero or negative points, a key reused with a different payload, reversing an unknown
    key, tier thresholds not increasing and promotion windows ending before they start each
    raise a crmkit error (a ValueError or TypeError too); the ledger is never half-updated."""
    from collections.abc import Callable
    from datetime import date, datetime, timezone
    from typing import Any

    import pytest

    from crmkit import io
    from crmkit.errors import (
        CrmkitError,
        CurrencyMismatchError,
        InvalidDefinitionError,
        InvalidInputError,
    )
    from crmkit.loyalty import (
        STANDARD_TIERS,
        Ledger,
        Program,
        Promotion,
        Tier,
        adjust,
        balance,
        earn,
        redeem,
        reverse,
    )
    from crmkit.models import Money, Transaction

    utc = timezone.utc
    program = Program.simple(currency="CNY", points_per_unit=1, tiers=STANDARD_TIERS)

    def purchase(amount: str, currency: str = "CNY") -> Transaction:
        return Transaction(
            id="o1",
            customer_id="m1",
            at=datetime(2025, 3, 1, tzinfo=utc),
            amount=Money(amount, currency),
        )

    led = earn(Ledger.empty("m1"), program, purchase("128.50"), key="o1")
    snapshot = io.to_json(led)
    later = datetime(2025, 3, 2, tzinfo=utc)
    cases: list[tuple[type[CrmkitError], str | None, Callable[[], Any]]] = [
        (CurrencyMismatchError, None, lambda: earn(led, program, purchase("10", "USD"), key="o2")),
        (InvalidDefinitionError, None, lambda: Program.simple(currency="yuan")),
        (
            InvalidInputError,
            "at",
            lambda: Transaction(
                id="o2", customer_id="m1", at=datetime(2025, 3, 1), amount=Money("1", "CNY")
            ),
        ),
        (InvalidInputError, "at", lambda: redeem(led, 10, at=datetime(2025, 3, 2), key="r1")),
        (InvalidInputError, "as_of", lambda: balance(led, as_of=datetime(2025, 3, 2))),
        (InvalidInputError, "points", lambda: redeem(led, 0, at=later, key="r1")),
        (InvalidInputError, "points", lambda: redeem(led, -5, at=later, key="r1")),
        (InvalidInputError, "points", lambda: adjust(led, program, 0, at=later, key="a1")),
        (InvalidInputError, "key", lambda: earn(led, program, purchase("99.00"), key="o1")),
        (InvalidInputError, "key", lambda: redeem(led, 10, at=later, key="o1")),
        (InvalidInputError, "original_key", lambda: reverse(led, original_key="o9", key="x")),
        (
            InvalidDefinitionError,
            None,
            lambda: Program.simple(
                currency="CNY",
                tiers=[Tier(name="a", threshold=0), Tier(name="b", threshold=0)],
            ),
        ),
        (
            InvalidDefinitionError,
            None,
            lambda: Program.simple(
                currency="CNY",
                promotions=[Promotion(name="p", start=date(2025, 4, 1), end=date(2025, 3, 1))],
            ),
        ),
    ]

    for error, argument, call in cases:
        with pytest.raises(error) as info:
            call()
        assert isinstance(info.value, CrmkitError)
        assert isinstance(info.value, ValueError | TypeError)
        if argument is not None:
            assert argument == info.value.argument  # type: ignore[attr-defined]
        assert snapshot == io.to_json(led)
    assert 128 == balance(led, as_of=later).available
    refund = reverse(led, original_key="o1", key="refund", amount=Money("28.50", "CNY"))
    assert 100 == balance(refund, as_of=later).available
