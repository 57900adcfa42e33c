"""Records and money: construction, checks, value semantics (crmkit.models)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from attrs.exceptions import FrozenInstanceError
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import (
    RECORD_STRATEGIES,
    amounts,
    aware_datetimes,
    currency_codes,
    money,
    opportunities,
    records,
    survey_responses,
)

from crmkit.errors import (
    CrmkitError,
    CurrencyMismatchError,
    InvalidInputError,
    InvalidTypeError,
)
from crmkit.models import (
    Channel,
    Consent,
    ConsentStatus,
    Customer,
    CustomerKind,
    Direction,
    Interaction,
    LawfulBasis,
    Lead,
    LeadStatus,
    Money,
    Opportunity,
    SurveyKind,
    SurveyResponse,
    Transaction,
)

IST = timezone(timedelta(hours=5, minutes=30))
AT = datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
NAIVE = datetime(2025, 1, 5, 9, 30)
NAIVE_TEXT = r"datetime\.datetime\(2025, 1, 5, 9, 30\)"
CNY = Money("19.90", "CNY")

CHANNELS = r"'phone', 'email', 'sms', 'social', 'chat', 'web', 'app', 'in_store', 'other'"

# Smallest valid keyword arguments of every record, used by the shared behaviour tests.
MINIMAL: dict[type[Any], dict[str, Any]] = {
    Customer: {"id": "c1"},
    Transaction: {"id": "o1", "customer_id": "c1", "at": AT, "amount": CNY},
    Interaction: {
        "id": "i1",
        "customer_id": "c1",
        "at": AT,
        "channel": "phone",
        "direction": "inbound",
    },
    SurveyResponse: {"id": "s1", "customer_id": "c1", "kind": "nps", "score": 9, "at": AT},
    Lead: {"id": "l1", "created_at": AT},
    Opportunity: {
        "id": "d1",
        "customer_id": "c1",
        "stage": "proposal",
        "amount": Money("50000", "CNY"),
        "created_at": AT,
    },
    Consent: {
        "customer_id": "c1",
        "purpose": "marketing",
        "channel": "email",
        "status": "granted",
        "at": AT,
    },
}


def bad_input_cases(
    cls: type[Any], cases: list[tuple[dict[str, Any], type[CrmkitError], str, str]]
) -> list[Any]:
    """Parametrize (overrides, error, argument, match) on top of the minimal kwargs of *cls*."""
    return [
        pytest.param({**MINIMAL[cls], **overrides}, error, argument, match, id=f"{argument}-{i}")
        for i, (overrides, error, argument, match) in enumerate(cases)
    ]


def check_bad_input(
    cls: type[Any],
    kwargs: dict[str, Any],
    error: type[CrmkitError],
    argument: str,
    match: str,
) -> None:
    """Construct *cls* and check the error's type, message and `.argument`."""
    with pytest.raises(error, match=match) as caught:
        cls(**kwargs)

    assert argument == caught.value.argument


# --- Money --------------------------------------------------------------------------------


class TestMoney:
    def test_contract_amount_is_the_exact_decimal(self) -> None:
        """Money("19.90", "CNY") keeps the amount as Decimal("19.90"), trailing zero included."""
        m = Money("19.90", "CNY")

        assert Decimal("19.90") == m.amount
        assert "19.90" == str(m.amount)
        assert "CNY" == m.currency

    def test_contract_addition_is_exact(self) -> None:
        """1.10 + 2.20 is exactly 3.30 (as a binary float it would be 3.3000000000000003)."""
        expected = Money("3.30", "CNY")

        actual = Money("1.10", "CNY") + Money("2.20", "CNY")

        assert expected == actual
        assert "3.30" == str(actual.amount)

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("19.90", Decimal("19.90")),
            (1990, Decimal(1990)),
            (Decimal("-0.005"), Decimal("-0.005")),
            ("1E+2", Decimal(100)),
            ("-7", Decimal(-7)),
        ],
    )
    def test_str_int_and_decimal_amounts_are_accepted(self, amount: Any, expected: Any) -> None:
        """A str, an int or a Decimal becomes the same Decimal value."""
        actual = Money(amount, "CNY").amount

        assert expected == actual
        assert Decimal is type(actual)

    @pytest.mark.parametrize("code", ["cny", "Cny", "cNY"])
    def test_currency_is_normalised_to_upper_case(self, code: str) -> None:
        """'cny' in any case is stored as 'CNY', so it equals Money(..., 'CNY')."""
        actual = Money("1", code)

        assert "CNY" == actual.currency
        assert Money("1", "CNY") == actual

    def test_zero_is_zero_in_the_currency(self) -> None:
        """Money.zero('eur') is 0 EUR."""
        expected = Money("0", "EUR")

        actual = Money.zero("eur")

        assert expected == actual

    def test_str_is_amount_then_currency(self) -> None:
        """str() shows '19.90 CNY': the exact amount, a space, the code."""
        expected = "19.90 CNY"

        actual = str(Money("19.90", "CNY"))

        assert expected == actual

    def test_repr_is_the_constructor_call(self) -> None:
        """repr() is Money('19.90', 'CNY'), with the amount as a string."""
        expected = "Money('19.90', 'CNY')"

        actual = repr(Money(Decimal("19.90"), "cny"))

        assert expected == actual

    @pytest.mark.parametrize(
        ("compute", "expected"),
        [
            pytest.param(lambda: Money("5", "CNY") - Money("7.5", "CNY"), Money("-2.5", "CNY")),
            pytest.param(lambda: -Money("5", "CNY"), Money("-5", "CNY")),
            pytest.param(lambda: Money("10", "CNY") * 3, Money("30", "CNY")),
            pytest.param(lambda: 3 * Money("10", "CNY"), Money("30", "CNY")),
            pytest.param(lambda: Money("19.90", "CNY") * Decimal("0.5"), Money("9.95", "CNY")),
            pytest.param(lambda: Decimal("1.5") * Money("2", "CNY"), Money("3", "CNY")),
            pytest.param(lambda: Money("19.90", "CNY") * -1, Money("-19.90", "CNY")),
        ],
    )
    def test_arithmetic_examples(self, compute: Callable[[], Money], expected: Money) -> None:
        """5 - 7.5 = -2.5; -(5) = -5; 10*3 = 3*10 = 30; 19.90*0.5 = 9.95; 1.5*2 = 3."""
        actual = compute()

        assert expected == actual

    def test_ordering_within_a_currency(self) -> None:
        """1.10 < 2.20 < 10; 2.0 <= 2 and 2 >= 2.0; sorting follows the amounts."""
        small, middle, large = Money("1.10", "CNY"), Money("2.20", "CNY"), Money("10", "CNY")

        assert small < middle < large
        assert large > middle > small
        assert Money("2.0", "CNY") <= Money("2", "CNY")
        assert Money("2", "CNY") >= Money("2.0", "CNY")
        assert not Money("2", "CNY") < Money("2.0", "CNY")
        assert [small, middle, large] == sorted([large, small, middle])

    def test_equality_across_currencies_is_false_not_an_error(self) -> None:
        """1 CNY and 1 USD are simply unequal; comparing them with == does not raise."""
        assert not Money("1", "CNY") == Money("1", "USD")  # noqa: SIM201
        assert Money("1", "CNY") != Money("1", "USD")

    def test_equal_amounts_with_different_exponents_are_equal_and_hash_alike(self) -> None:
        """1.0 CNY == 1 CNY (same value), so their hashes are equal and a set holds one."""
        a, b = Money("1.0", "CNY"), Money("1", "CNY")

        assert a == b
        assert hash(a) == hash(b)
        assert 1 == len({a, b})

    def test_money_is_not_equal_to_a_bare_decimal(self) -> None:
        """Money('1', 'CNY') is not equal to Decimal(1): a currency is part of the value."""
        assert Money("1", "CNY") != Decimal(1)

    @pytest.mark.parametrize(
        "op",
        [operator.add, operator.sub, operator.lt, operator.le, operator.gt, operator.ge],
        ids=["add", "sub", "lt", "le", "gt", "ge"],
    )
    def test_mixing_currencies_raises_currency_mismatch(
        self, op: Callable[[Money, Money], Any]
    ) -> None:
        """Combining or ordering CNY with USD raises CurrencyMismatchError naming both."""
        with pytest.raises(CurrencyMismatchError, match=r"CNY.*USD") as caught:
            op(Money("1", "CNY"), Money("1", "USD"))

        assert ("CNY", "USD") == caught.value.currencies

    def test_currency_mismatch_is_a_value_error_and_a_type_error(self) -> None:
        """CurrencyMismatchError is caught by `except ValueError` and by `except TypeError`."""
        for builtin in (ValueError, TypeError, CrmkitError):
            with pytest.raises(builtin):
                Money("1", "USD") + Money("1", "CNY")

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        [
            (
                {"amount": 19.9, "currency": "CNY"},
                InvalidTypeError,
                "amount",
                r"'amount' must be a Decimal, int or str; got float 19\.9 "
                r"\(floats are inexact; pass a string such as '19\.9'",
            ),
            (
                {"amount": True, "currency": "CNY"},
                InvalidTypeError,
                "amount",
                r"'amount' must be a Decimal, int or str; got bool True",
            ),
            (
                {"amount": None, "currency": "CNY"},
                InvalidTypeError,
                "amount",
                r"'amount' must be a Decimal, int or str; got NoneType None",
            ),
            (
                {"amount": [1], "currency": "CNY"},
                InvalidTypeError,
                "amount",
                r"'amount' must be a Decimal, int or str; got list \[1\]",
            ),
            (
                {"amount": "NaN", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a finite decimal number; got 'NaN'",
            ),
            (
                {"amount": "Infinity", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a finite decimal number; got 'Infinity'",
            ),
            (
                {"amount": "-inf", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a finite decimal number; got '-inf'",
            ),
            (
                {"amount": Decimal("NaN"), "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a finite decimal number; got Decimal\('NaN'\)",
            ),
            (
                {"amount": "sNaN", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a finite decimal number; got 'sNaN'",
            ),
            (
                {"amount": "abc", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a decimal number such as '19\.90'; got 'abc'",
            ),
            (
                {"amount": "19,90", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a decimal number such as '19\.90'; got '19,90'",
            ),
            (
                {"amount": "", "currency": "CNY"},
                InvalidInputError,
                "amount",
                r"'amount' must be a decimal number such as '19\.90'; got ''",
            ),
            (
                {"amount": "1", "currency": "CN"},
                InvalidInputError,
                "currency",
                r"'currency' must be a three-letter ISO 4217 code such as 'CNY'; got 'CN'",
            ),
            (
                {"amount": "1", "currency": "CNYX"},
                InvalidInputError,
                "currency",
                r"'currency' must be a three-letter ISO 4217 code .*; got 'CNYX'",
            ),
            (
                {"amount": "1", "currency": "C1Y"},
                InvalidInputError,
                "currency",
                r"'currency' must be a three-letter ISO 4217 code .*; got 'C1Y'",
            ),
            (
                {"amount": "1", "currency": "ÇNY"},
                InvalidInputError,
                "currency",
                r"'currency' must be a three-letter ISO 4217 code .*; got 'ÇNY'",
            ),
            (
                {"amount": "1", "currency": "   "},
                InvalidInputError,
                "currency",
                r"'currency' must be a non-empty string; got '   '",
            ),
            (
                {"amount": "1", "currency": 840},
                InvalidTypeError,
                "currency",
                r"'currency' must be a string; got int 840",
            ),
        ],
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Floats, bools and non-numbers are refused by type; NaN, Infinity and garbage
        strings, and codes that are not three ASCII letters, by value; each names its field.
        """
        with pytest.raises(error, match=match) as caught:
            Money(**kwargs)

        assert argument == caught.value.argument

    @pytest.mark.parametrize(
        ("factor", "match"),
        [
            (1.5, r"'factor' must be an int or Decimal; got float 1\.5 \(floats are inexact\)"),
            (True, r"'factor' must be an int or Decimal; got bool True"),
            ("2", r"'factor' must be an int or Decimal; got str '2'"),
        ],
    )
    def test_multiplying_by_a_non_integer_non_decimal_is_refused(
        self, factor: Any, match: str
    ) -> None:
        """Money * 1.5 (a float), * True or * '2' raises InvalidTypeError naming 'factor'."""
        with pytest.raises(InvalidTypeError, match=match) as caught:
            Money("10", "CNY") * factor

        assert "factor" == caught.value.argument

    def test_adding_a_non_money_is_refused(self) -> None:
        """Money + 1 raises InvalidTypeError naming 'other' rather than guessing a currency."""
        with pytest.raises(
            InvalidTypeError, match=r"'other' must be a Money; got int 1"
        ) as caught:
            Money("1", "CNY") + 1  # type: ignore[operator]

        assert "other" == caught.value.argument

    def test_sum_starts_from_zero(self) -> None:
        """sum() of 1.50 and 2 CNY is 3.50 CNY: 0 + Money is the Money itself."""
        assert Money("3.50", "CNY") == sum([Money("1.50", "CNY"), Money("2", "CNY")])

    @pytest.mark.parametrize("left", [1, 0.0, False, Decimal(0)])
    def test_adding_money_to_a_number_other_than_zero_is_refused(self, left: object) -> None:
        """Only the int 0 that sum() starts from may stand left of a Money."""
        with pytest.raises(InvalidTypeError, match=r"'other' must be a Money \(or 0"):
            left + Money("1", "CNY")  # type: ignore[operator]

    @pytest.mark.parametrize("amount", ["1e30", "-1e30", "1e-31", "9e999999"])
    def test_amounts_beyond_thirty_digits_each_side_are_refused(self, amount: str) -> None:
        """No real amount needs 10^30 or 10^-31; refusing them keeps arithmetic finite."""
        with pytest.raises(
            InvalidInputError, match=r"'amount' must be a decimal number with at most 30"
        ):
            Money(amount, "CNY")

    def test_amounts_just_inside_the_bound_are_kept(self) -> None:
        """Thirty nines before the point, or a 1 in the thirtieth decimal place, are fine."""
        assert Decimal("9" * 30) == Money("9" * 30, "CNY").amount
        assert Decimal("1e-30") == Money("1e-30", "CNY").amount

    @pytest.mark.parametrize("name", ["amount", "currency"])
    def test_is_immutable(self, name: str) -> None:
        """Assigning to a field of a Money raises FrozenInstanceError and leaves it unchanged."""
        m = Money("19.90", "CNY")

        with pytest.raises(FrozenInstanceError):
            setattr(m, name, "1")

        assert Money("19.90", "CNY") == m

    @given(a=money("CNY"), b=money("CNY"))
    def test_addition_is_commutative(self, a: Money, b: Money) -> None:
        """a + b == b + a within one currency."""
        assert a + b == b + a

    @given(a=money("EUR"), b=money("EUR"), c=money("EUR"))
    def test_addition_is_associative(self, a: Money, b: Money, c: Money) -> None:
        """(a + b) + c == a + (b + c): amounts this size add exactly in Decimal."""
        assert (a + b) + c == a + (b + c)

    @given(a=money())
    def test_adding_the_negation_gives_zero(self, a: Money) -> None:
        """a + (-a) is zero in a's currency, and a - a is the same zero."""
        expected = Money.zero(a.currency)

        assert expected == a + (-a)
        assert expected == a - a

    @given(a=money("JPY"), b=money("JPY"))
    def test_subtraction_is_adding_the_negation(self, a: Money, b: Money) -> None:
        """a - b == a + (-b)."""
        assert a - b == a + (-b)

    @given(a=money(), n=st.integers(min_value=-50, max_value=50))
    def test_multiplying_by_n_is_repeated_addition(self, a: Money, n: int) -> None:
        """a * n equals a added |n| times (negated for negative n), and n * a is the same."""
        total = Money.zero(a.currency)
        for _ in range(abs(n)):
            total = total + a
        expected = total if n >= 0 else -total

        assert expected == a * n
        assert expected == n * a

    @given(a=money("USD"), b=money("USD"))
    def test_ordering_follows_decimal_ordering(self, a: Money, b: Money) -> None:
        """<, <=, >, >= on Money agree with the same comparisons of the amounts."""
        expected = (a.amount < b.amount, a.amount <= b.amount, a.amount > b.amount)

        actual = (a < b, a <= b, a > b)

        assert expected == actual
        assert (a.amount >= b.amount) == (a >= b)

    @given(a=money(), b=money())
    def test_equality_is_amount_and_currency(self, a: Money, b: Money) -> None:
        """Two Money are equal exactly when the amounts are equal and the codes match."""
        expected = a.amount == b.amount and a.currency == b.currency

        assert expected == (a == b)

    @given(a=money(), places=st.integers(min_value=0, max_value=6))
    def test_hash_agrees_with_equality_across_exponents(self, a: Money, places: int) -> None:
        """Adding a zero with more places changes the exponent, not the value or the hash."""
        padded = Money(a.amount + Decimal(0).scaleb(-places), a.currency)

        assert a == padded
        assert hash(a) == hash(padded)

    @given(a=money())
    def test_repr_round_trips(self, a: Money) -> None:
        """Evaluating repr(m) with Money in scope rebuilds an equal Money, same exponent."""
        actual = eval(repr(a), {"Money": Money})

        assert a == actual
        assert str(a.amount) == str(actual.amount)

    @given(amount=amounts(), code=currency_codes)
    def test_construction_keeps_the_decimal_and_uppercases_the_code(
        self, amount: Decimal, code: str
    ) -> None:
        """Money(str(d), code.lower()) holds exactly d (same digits) and the upper-case code."""
        actual = Money(str(amount), code.lower())

        assert str(amount) == str(actual.amount)
        assert code == actual.currency

    @given(a=money("CNY"), code=currency_codes.filter(lambda c: c != "CNY"))
    def test_any_two_currencies_mismatch(self, a: Money, code: str) -> None:
        """Adding any amount of another currency raises CurrencyMismatchError (CNY, other)."""
        with pytest.raises(CurrencyMismatchError) as caught:
            a + Money(a.amount, code)

        assert ("CNY", code) == caught.value.currencies


# --- enumerations -------------------------------------------------------------------------


class TestSurveyKind:
    @pytest.mark.parametrize(
        ("kind", "expected"),
        [(SurveyKind.NPS, (0, 10)), (SurveyKind.CSAT, (1, 5)), (SurveyKind.CES, (1, 7))],
    )
    def test_default_scales(self, kind: SurveyKind, expected: tuple[int, int]) -> None:
        """NPS runs 0-10, CSAT 1-5 and CES 1-7."""
        actual = kind.default_scale

        assert expected == actual


# --- behaviour shared by every record -----------------------------------------------------

RECORD_TYPES = list(MINIMAL)


class TestRecordValueSemantics:
    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    def test_positional_construction_is_refused(self, cls: type[Any]) -> None:
        """Records are keyword-only: passing the minimal values positionally raises TypeError."""
        with pytest.raises(TypeError, match="positional"):
            cls(*MINIMAL[cls].values())

    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    def test_equal_arguments_give_equal_records(self, cls: type[Any]) -> None:
        """Two records built from the same values are equal and hash alike (value semantics)."""
        a, b = cls(**MINIMAL[cls]), cls(**MINIMAL[cls])

        assert a is not b
        assert a == b
        assert hash(a) == hash(b)

    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    def test_a_different_customer_gives_an_unequal_record(self, cls: type[Any]) -> None:
        """Changing one field (the customer's id) makes records unequal."""
        name = "customer_id" if "customer_id" in MINIMAL[cls] else "id"
        other = cls(**{**MINIMAL[cls], name: "someone-else"})

        assert cls(**MINIMAL[cls]) != other

    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    def test_records_are_frozen(self, cls: type[Any]) -> None:
        """Assigning to any field raises FrozenInstanceError."""
        record = cls(**MINIMAL[cls])
        first = attrs.fields(cls)[0].name

        with pytest.raises(FrozenInstanceError):
            setattr(record, first, "changed")

        assert cls(**MINIMAL[cls]) == record

    @given(record=records)
    def test_records_equal_their_copies_and_hash_alike(self, record: Any) -> None:
        """attrs.evolve(x) (a field-by-field copy) equals x and has the same hash."""
        copy = attrs.evolve(record)

        assert record == copy
        assert hash(record) == hash(copy)

    @given(data=st.data())
    def test_records_are_hashable_in_sets(self, data: st.DataObject) -> None:
        """A set of a record and its copy holds one element."""
        cls = data.draw(st.sampled_from(RECORD_TYPES))
        record = data.draw(RECORD_STRATEGIES[cls])

        assert 1 == len({record, attrs.evolve(record)})

    @given(moment=aware_datetimes())
    def test_same_instant_in_another_offset_is_equal(self, moment: datetime) -> None:
        """Records compare timestamps as instants: the same moment shown in +05:30 is equal."""
        shifted = moment.astimezone(IST)
        a = Transaction(**{**MINIMAL[Transaction], "at": moment})
        b = Transaction(**{**MINIMAL[Transaction], "at": shifted})

        assert a == b
        assert hash(a) == hash(b)


# --- individual records -------------------------------------------------------------------


class TestCustomer:
    def test_minimal(self) -> None:
        """Only an id is needed; the kind defaults to a person and the rest to None."""
        expected = (CustomerKind.PERSON, None, None, None, None, None)

        c = Customer(id="c1")

        assert expected == (c.kind, c.name, c.email, c.phone, c.country, c.created_at)

    def test_full(self) -> None:
        """Every field is kept; 'organization' becomes CustomerKind.ORGANIZATION."""
        created = datetime(2024, 6, 1, 12, 0, tzinfo=IST)

        c = Customer(
            id="c1",
            kind="organization",
            name="普通 Trading",
            email="li@example.cn",
            phone="+86 10 1234 5678",
            country="CN",
            created_at=created,
        )

        assert CustomerKind.ORGANIZATION is c.kind
        assert "普通 Trading" == c.name
        assert ("li@example.cn", "+86 10 1234 5678", "CN") == (c.email, c.phone, c.country)
        assert created == c.created_at
        assert timedelta(hours=5, minutes=30) == c.created_at.utcoffset()

    @pytest.mark.parametrize("kind", [*CustomerKind, *(k.value for k in CustomerKind)])
    def test_kind_accepts_members_and_their_strings(self, kind: Any) -> None:
        """CustomerKind.PERSON and 'person' both give CustomerKind.PERSON."""
        expected = CustomerKind(kind)

        actual = Customer(id="c1", kind=kind).kind

        assert expected is actual

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Customer,
            [
                ({"id": ""}, InvalidInputError, "id", r"'id' must be a non-empty string; got ''"),
                (
                    {"id": " \t\n"},
                    InvalidInputError,
                    "id",
                    r"'id' must be a non-empty string; got ' \\t\\n'",
                ),
                ({"id": 1}, InvalidTypeError, "id", r"'id' must be a string; got int 1"),
                (
                    {"kind": "robot"},
                    InvalidInputError,
                    "kind",
                    r"'kind' must be one of 'person', 'organization'; got 'robot'",
                ),
                (
                    {"kind": "Person"},
                    InvalidInputError,
                    "kind",
                    r"'kind' must be one of 'person', 'organization'; got 'Person'",
                ),
                (
                    {"kind": 1},
                    InvalidTypeError,
                    "kind",
                    r"'kind' must be one of 'person', 'organization'; got int 1",
                ),
                (
                    {"name": "  "},
                    InvalidInputError,
                    "name",
                    r"'name' must be a non-empty string",
                ),
                ({"email": 5}, InvalidTypeError, "email", r"'email' must be a string; got int 5"),
                (
                    {"created_at": NAIVE},
                    InvalidInputError,
                    "created_at",
                    rf"'created_at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                (
                    {"created_at": date(2025, 1, 5)},
                    InvalidTypeError,
                    "created_at",
                    r"'created_at' must be a timezone-aware datetime; got date",
                ),
                (
                    {"created_at": "2025-01-05T00:00:00+00:00"},
                    InvalidTypeError,
                    "created_at",
                    r"'created_at' must be a timezone-aware datetime; got str",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Empty ids, unknown kinds, non-strings and naive or non-datetime times are refused."""
        check_bad_input(Customer, kwargs, error, argument, match)


class TestTransaction:
    def test_minimal(self) -> None:
        """Defaults: no channel, no category, a quantity of 1."""
        t = Transaction(id="o1", customer_id="c1", at=AT, amount=Money("19.90", "CNY"))

        assert (None, None, 1) == (t.channel, t.category, t.quantity)
        assert Money("19.90", "CNY") == t.amount

    def test_full(self) -> None:
        """'in_store' becomes Channel.IN_STORE; the other fields are kept as given."""
        at = datetime(2025, 1, 5, 15, 0, tzinfo=IST)

        t = Transaction(
            id="o1",
            customer_id="c1",
            at=at,
            amount=Money("59.70", "CNY"),
            channel="in_store",
            category="普通 茶叶",
            quantity=3,
        )

        assert Channel.IN_STORE is t.channel
        assert ("普通 茶叶", 3) == (t.category, t.quantity)
        assert timedelta(hours=5, minutes=30) == t.at.utcoffset()

    def test_a_refund_has_a_negative_amount(self) -> None:
        """A negative amount (a refund of 19.90) is allowed."""
        t = Transaction(id="r1", customer_id="c1", at=AT, amount=Money("-19.90", "CNY"))

        assert Money("-19.90", "CNY") == t.amount

    @pytest.mark.parametrize("channel", [*Channel, *(c.value for c in Channel)])
    def test_channel_accepts_members_and_their_strings(self, channel: Any) -> None:
        """Every Channel member, or its string value, gives that member."""
        expected = Channel(channel)

        actual = Transaction(**{**MINIMAL[Transaction], "channel": channel}).channel

        assert expected is actual

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Transaction,
            [
                (
                    {"amount": "19.90"},
                    InvalidTypeError,
                    "amount",
                    r"'amount' must be a Money; got str '19\.90' "
                    r"\(e\.g\. Money\('19\.90', 'CNY'\)\)",
                ),
                (
                    {"amount": Decimal("19.90")},
                    InvalidTypeError,
                    "amount",
                    r"'amount' must be a Money; got Decimal",
                ),
                (
                    {"amount": 19.9},
                    InvalidTypeError,
                    "amount",
                    r"'amount' must be a Money; got float 19\.9",
                ),
                (
                    {"at": NAIVE},
                    InvalidInputError,
                    "at",
                    rf"'at' must be a timezone-aware datetime; got {NAIVE_TEXT} "
                    r"\(add tzinfo",
                ),
                (
                    {"at": date(2025, 1, 5)},
                    InvalidTypeError,
                    "at",
                    r"'at' must be a timezone-aware datetime; got date",
                ),
                (
                    {"quantity": 0},
                    InvalidInputError,
                    "quantity",
                    r"'quantity' must be an integer of at least 1; got 0",
                ),
                (
                    {"quantity": -2},
                    InvalidInputError,
                    "quantity",
                    r"'quantity' must be an integer of at least 1; got -2",
                ),
                (
                    {"quantity": 1.5},
                    InvalidTypeError,
                    "quantity",
                    r"'quantity' must be an integer; got float 1\.5",
                ),
                (
                    {"quantity": True},
                    InvalidTypeError,
                    "quantity",
                    r"'quantity' must be an integer; got bool True",
                ),
                (
                    {"channel": "fax"},
                    InvalidInputError,
                    "channel",
                    rf"'channel' must be one of {CHANNELS}; got 'fax'",
                ),
                (
                    {"customer_id": ""},
                    InvalidInputError,
                    "customer_id",
                    r"'customer_id' must be a non-empty string; got ''",
                ),
                (
                    {"id": None},
                    InvalidTypeError,
                    "id",
                    r"'id' must be a string; got NoneType None",
                ),
                (
                    {"category": " "},
                    InvalidInputError,
                    "category",
                    r"'category' must be a non-empty string; got ' '",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """A non-Money amount, a naive time, a quantity below 1 or not an int, an unknown
        channel and empty ids are refused, each naming its field.
        """
        check_bad_input(Transaction, kwargs, error, argument, match)

    @given(quantity=st.integers(max_value=0))
    def test_any_quantity_below_one_is_refused(self, quantity: int) -> None:
        """Every whole number below 1 is refused with 'quantity' as the argument."""
        with pytest.raises(InvalidInputError, match=rf"'quantity' .*; got {quantity}\b") as caught:
            Transaction(**{**MINIMAL[Transaction], "quantity": quantity})

        assert "quantity" == caught.value.argument


class TestInteraction:
    def test_minimal(self) -> None:
        """Channel and direction strings become enum members; kind and outcome default None."""
        i = Interaction(id="i1", customer_id="c1", at=AT, channel="phone", direction="inbound")

        assert (Channel.PHONE, Direction.INBOUND) == (i.channel, i.direction)
        assert (None, None) == (i.kind, i.outcome)

    def test_full(self) -> None:
        """Enum members are kept as they are; free-text kind and outcome are kept."""
        i = Interaction(
            id="i1",
            customer_id="c1",
            at=AT,
            channel=Channel.CHAT,
            direction=Direction.OUTBOUND,
            kind="投诉",
            outcome="resolved",
        )

        assert (Channel.CHAT, Direction.OUTBOUND) == (i.channel, i.direction)
        assert ("投诉", "resolved") == (i.kind, i.outcome)

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Interaction,
            [
                (
                    {"direction": "sideways"},
                    InvalidInputError,
                    "direction",
                    r"'direction' must be one of 'inbound', 'outbound'; got 'sideways'",
                ),
                (
                    {"direction": "INBOUND"},
                    InvalidInputError,
                    "direction",
                    r"'direction' must be one of 'inbound', 'outbound'; got 'INBOUND'",
                ),
                (
                    {"channel": None},
                    InvalidTypeError,
                    "channel",
                    rf"'channel' must be one of {CHANNELS}; got NoneType None",
                ),
                (
                    {"channel": "pigeon"},
                    InvalidInputError,
                    "channel",
                    rf"'channel' must be one of {CHANNELS}; got 'pigeon'",
                ),
                (
                    {"at": NAIVE},
                    InvalidInputError,
                    "at",
                    rf"'at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                ({"kind": ""}, InvalidInputError, "kind", r"'kind' must be a non-empty string"),
                (
                    {"outcome": 3},
                    InvalidTypeError,
                    "outcome",
                    r"'outcome' must be a string; got int 3",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Unknown directions or channels, a missing channel and naive times are refused."""
        check_bad_input(Interaction, kwargs, error, argument, match)


class TestSurveyResponse:
    def test_minimal(self) -> None:
        """An NPS 9 uses the 0-10 scale and has no comment."""
        r = SurveyResponse(id="s1", customer_id="c1", kind="nps", score=9, at=AT)

        assert (SurveyKind.NPS, 9, (0, 10)) == (r.kind, r.score, r.scale)
        assert (None, None) == (r.scale_max, r.comment)

    def test_full(self) -> None:
        """A 1-10 CSAT: scale_max=10 makes the scale (1, 10), so a 10 is allowed."""
        r = SurveyResponse(
            id="s1",
            customer_id="c1",
            kind=SurveyKind.CSAT,
            score=10,
            at=AT,
            scale_max=10,
            comment="很好",
        )

        assert (SurveyKind.CSAT, (1, 10), "很好") == (r.kind, r.scale, r.comment)

    @pytest.mark.parametrize(
        ("kind", "score", "scale_max"),
        [
            ("nps", 0, None),
            ("nps", 10, None),
            ("csat", 1, None),
            ("csat", 5, None),
            ("ces", 1, None),
            ("ces", 7, None),
            ("nps", 5, 5),
            ("ces", 2, 2),
        ],
    )
    def test_scale_ends_are_allowed(self, kind: str, score: int, scale_max: int | None) -> None:
        """Both ends of each scale are valid answers: NPS 0/10, CSAT 1/5, CES 1/7, or scale_max."""
        r = SurveyResponse(
            id="s1", customer_id="c1", kind=kind, score=score, at=AT, scale_max=scale_max
        )

        assert score == r.score

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            SurveyResponse,
            [
                (
                    {"kind": "nps", "score": -1},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 0 to 10; got -1",
                ),
                (
                    {"kind": "nps", "score": 11},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 0 to 10; got 11",
                ),
                (
                    {"kind": "csat", "score": 0},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 1 to 5; got 0",
                ),
                (
                    {"kind": "csat", "score": 6},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 1 to 5; got 6",
                ),
                (
                    {"kind": "ces", "score": 0},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 1 to 7; got 0",
                ),
                (
                    {"kind": "ces", "score": 8},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 1 to 7; got 8",
                ),
                (
                    {"kind": "csat", "score": 11, "scale_max": 10},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 1 to 10; got 11",
                ),
                (
                    {"kind": "nps", "score": 10, "scale_max": 5},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 0 to 5; got 10",
                ),
                (
                    {"kind": "nps", "score": 10**5000},
                    InvalidInputError,
                    "score",
                    r"'score' must be an integer from 0 to 10; got an integer of about \d+ digits",
                ),
                (
                    {"kind": "csat", "score": 1, "scale_max": 1},
                    InvalidInputError,
                    "scale_max",
                    r"'scale_max' must be an integer of at least 2; got 1",
                ),
                (
                    {"kind": "nps", "score": 0, "scale_max": 0},
                    InvalidInputError,
                    "scale_max",
                    r"'scale_max' must be an integer of at least 1; got 0",
                ),
                (
                    {"scale_max": 10.0},
                    InvalidTypeError,
                    "scale_max",
                    r"'scale_max' must be an integer; got float 10\.0",
                ),
                (
                    {"score": 9.0},
                    InvalidTypeError,
                    "score",
                    r"'score' must be an integer; got float 9\.0",
                ),
                (
                    {"score": "9"},
                    InvalidTypeError,
                    "score",
                    r"'score' must be an integer; got str '9'",
                ),
                (
                    {"score": True},
                    InvalidTypeError,
                    "score",
                    r"'score' must be an integer; got bool True",
                ),
                (
                    {"kind": "promoter"},
                    InvalidInputError,
                    "kind",
                    r"'kind' must be one of 'nps', 'csat', 'ces'; got 'promoter'",
                ),
                (
                    {"at": NAIVE},
                    InvalidInputError,
                    "at",
                    rf"'at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                (
                    {"comment": ""},
                    InvalidInputError,
                    "comment",
                    r"'comment' must be a non-empty string; got ''",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Scores off the kind's scale (or off scale_max), non-integer scores, a scale_max
        not above the bottom of the scale, unknown kinds and naive times are refused.
        """
        check_bad_input(SurveyResponse, kwargs, error, argument, match)

    @given(response=survey_responses())
    def test_score_lies_on_the_scale(self, response: SurveyResponse) -> None:
        """Every accepted response has low <= score <= high, with high = scale_max if given."""
        low, high = response.scale

        assert response.kind.default_scale[0] == low
        assert (response.scale_max or response.kind.default_scale[1]) == high
        assert low <= response.score <= high

    @given(
        kind=st.sampled_from(list(SurveyKind)),
        scale_max=st.none() | st.integers(min_value=2, max_value=100),
        beyond=st.integers(min_value=1, max_value=1000),
        above=st.booleans(),
    )
    def test_scores_off_the_scale_are_refused(
        self, kind: SurveyKind, scale_max: int | None, beyond: int, above: bool
    ) -> None:
        """Any score below the bottom or above the top of the scale names 'score'."""
        low, default_high = kind.default_scale
        high = default_high if scale_max is None else scale_max
        score = high + beyond if above else low - beyond

        with pytest.raises(InvalidInputError, match=rf"'score' .* from {low} to {high}") as caught:
            SurveyResponse(
                id="s1", customer_id="c1", kind=kind, score=score, at=AT, scale_max=scale_max
            )

        assert "score" == caught.value.argument


class TestLead:
    def test_minimal(self) -> None:
        """A lead needs an id and created_at; its status starts as 'new'."""
        lead = Lead(id="l1", created_at=AT)

        assert LeadStatus.NEW is lead.status
        assert (None, None, None) == (lead.source, lead.company, lead.company_size)

    def test_full(self) -> None:
        """'qualified' becomes LeadStatus.QUALIFIED; 250 employees and free text are kept."""
        lead = Lead(
            id="l1",
            created_at=AT,
            status="qualified",
            source="webinar",
            company="普通科技",
            industry="retail",
            company_size=250,
            job_title="CTO",
            email="cto@example.cn",
        )

        assert LeadStatus.QUALIFIED is lead.status
        assert ("webinar", "普通科技", "retail") == (lead.source, lead.company, lead.industry)
        assert (250, "CTO", "cto@example.cn") == (lead.company_size, lead.job_title, lead.email)

    @pytest.mark.parametrize("status", [*LeadStatus, *(s.value for s in LeadStatus)])
    def test_status_accepts_members_and_their_strings(self, status: Any) -> None:
        """Every LeadStatus member, or its string value, gives that member."""
        expected = LeadStatus(status)

        actual = Lead(id="l1", created_at=AT, status=status).status

        assert expected is actual

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Lead,
            [
                (
                    {"company_size": 0},
                    InvalidInputError,
                    "company_size",
                    r"'company_size' must be an integer of at least 1; got 0",
                ),
                (
                    {"company_size": "250"},
                    InvalidTypeError,
                    "company_size",
                    r"'company_size' must be an integer; got str '250'",
                ),
                (
                    {"status": "won"},
                    InvalidInputError,
                    "status",
                    r"'status' must be one of 'new', 'contacted', 'qualified', 'disqualified', "
                    r"'converted'; got 'won'",
                ),
                (
                    {"created_at": NAIVE},
                    InvalidInputError,
                    "created_at",
                    rf"'created_at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                ({"id": "   "}, InvalidInputError, "id", r"'id' must be a non-empty string"),
                (
                    {"source": ""},
                    InvalidInputError,
                    "source",
                    r"'source' must be a non-empty string; got ''",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Company sizes below 1 or not integers, unknown statuses and naive times are refused."""
        check_bad_input(Lead, kwargs, error, argument, match)


class TestOpportunity:
    def test_open_deal(self) -> None:
        """Without closed_at and won a deal is open; expected_close is a plain date."""
        deal = Opportunity(**MINIMAL[Opportunity], expected_close=date(2025, 3, 31))

        assert deal.is_open
        assert (None, None, date(2025, 3, 31)) == (deal.closed_at, deal.won, deal.expected_close)

    def test_closed_deal(self) -> None:
        """closed_at and won together close the deal; 40 days later, won."""
        closed = AT + timedelta(days=40)

        deal = Opportunity(**MINIMAL[Opportunity], closed_at=closed, won=True)

        assert not deal.is_open
        assert (closed, True) == (deal.closed_at, deal.won)

    def test_closing_at_the_creation_instant_is_allowed(self) -> None:
        """15:00 at +05:30 is 09:30 UTC, the creation instant, so closed_at == created_at."""
        closed = datetime(2025, 1, 5, 15, 0, tzinfo=IST)

        deal = Opportunity(**MINIMAL[Opportunity], closed_at=closed, won=False)

        assert AT == deal.closed_at
        assert deal.won is False

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Opportunity,
            [
                (
                    {"won": True},
                    InvalidInputError,
                    "won",
                    r"'won' must be given with 'closed_at' \(both for a closed deal, neither for "
                    r"an open one\); got True",
                ),
                (
                    {"closed_at": AT + timedelta(days=1)},
                    InvalidInputError,
                    "won",
                    r"'won' must be given with 'closed_at' .*; got None",
                ),
                (
                    # 14:59 at +05:30 is 09:29 UTC: one minute before creation.
                    {"closed_at": datetime(2025, 1, 5, 14, 59, tzinfo=IST), "won": False},
                    InvalidInputError,
                    "closed_at",
                    r"'closed_at' must be at or after created_at \(2025-01-05 09:30:00\+00:00\)",
                ),
                (
                    {"closed_at": NAIVE + timedelta(days=1), "won": True},
                    InvalidInputError,
                    "closed_at",
                    r"'closed_at' must be a timezone-aware datetime; got datetime\.datetime",
                ),
                (
                    {"created_at": NAIVE},
                    InvalidInputError,
                    "created_at",
                    rf"'created_at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                (
                    {"closed_at": AT, "won": "yes"},
                    InvalidTypeError,
                    "won",
                    r"'won' must be True, False or None; got str 'yes'",
                ),
                (
                    {"closed_at": AT, "won": 1},
                    InvalidTypeError,
                    "won",
                    r"'won' must be True, False or None; got int 1",
                ),
                (
                    {"expected_close": AT},
                    InvalidTypeError,
                    "expected_close",
                    r"'expected_close' must be a date \(not a datetime\); got datetime",
                ),
                (
                    {"expected_close": "2025-03-31"},
                    InvalidTypeError,
                    "expected_close",
                    r"'expected_close' must be a date \(not a datetime\); got str '2025-03-31'",
                ),
                (
                    {"amount": 50000},
                    InvalidTypeError,
                    "amount",
                    r"'amount' must be a Money; got int 50000",
                ),
                (
                    {"stage": ""},
                    InvalidInputError,
                    "stage",
                    r"'stage' must be a non-empty string; got ''",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """won without closed_at (or the reverse), closing before creation, naive times,
        a non-bool won, a datetime or text expected_close and a non-Money amount are refused.
        """
        check_bad_input(Opportunity, kwargs, error, argument, match)

    @given(deal=opportunities())
    def test_open_means_neither_closed_at_nor_won(self, deal: Opportunity) -> None:
        """is_open holds exactly when closed_at is None, and then won is None too."""
        assert (deal.closed_at is None) == deal.is_open
        assert (deal.won is None) == deal.is_open
        assert deal.is_open or deal.closed_at >= deal.created_at  # type: ignore[operator]

    @given(
        created=aware_datetimes(),
        early=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=999)),
        won=st.booleans(),
    )
    def test_closing_before_creation_is_refused(
        self, created: datetime, early: timedelta, won: bool
    ) -> None:
        """Any closed_at strictly before created_at names 'closed_at', whatever the offset."""
        closed = (created - early).astimezone(IST)

        with pytest.raises(InvalidInputError, match=r"'closed_at' must be at or after") as caught:
            Opportunity(
                **{**MINIMAL[Opportunity], "created_at": created}, closed_at=closed, won=won
            )

        assert "closed_at" == caught.value.argument


class TestConsent:
    def test_minimal(self) -> None:
        """A granted email consent for marketing; the lawful basis defaults to 'consent'."""
        c = Consent(
            customer_id="c1", purpose="marketing", channel="email", status="granted", at=AT
        )

        assert (Channel.EMAIL, ConsentStatus.GRANTED) == (c.channel, c.status)
        assert LawfulBasis.CONSENT is c.lawful_basis
        assert c.is_granted
        assert c.source is None

    def test_full(self) -> None:
        """A withdrawal under legitimate interests, recorded from a form, is not granted."""
        c = Consent(
            customer_id="c1",
            purpose="profiling",
            channel=Channel.SMS,
            status=ConsentStatus.WITHDRAWN,
            at=AT,
            lawful_basis="legitimate_interests",
            source="注册表单",
        )

        assert LawfulBasis.LEGITIMATE_INTERESTS is c.lawful_basis
        assert ("profiling", "注册表单") == (c.purpose, c.source)
        assert not c.is_granted

    @pytest.mark.parametrize("basis", [*LawfulBasis, *(b.value for b in LawfulBasis)])
    def test_lawful_basis_accepts_members_and_their_strings(self, basis: Any) -> None:
        """Each of the six GDPR Article 6 bases, as member or string, gives that member."""
        expected = LawfulBasis(basis)

        actual = Consent(**{**MINIMAL[Consent], "lawful_basis": basis}).lawful_basis

        assert expected is actual

    @pytest.mark.parametrize(
        ("kwargs", "error", "argument", "match"),
        bad_input_cases(
            Consent,
            [
                (
                    {"status": "pending"},
                    InvalidInputError,
                    "status",
                    r"'status' must be one of 'granted', 'withdrawn'; got 'pending'",
                ),
                (
                    {"lawful_basis": "because"},
                    InvalidInputError,
                    "lawful_basis",
                    r"'lawful_basis' must be one of 'consent', 'contract', 'legal_obligation', "
                    r"'vital_interests', 'public_task', 'legitimate_interests'; got 'because'",
                ),
                (
                    {"channel": "carrier pigeon"},
                    InvalidInputError,
                    "channel",
                    rf"'channel' must be one of {CHANNELS}; got 'carrier pigeon'",
                ),
                (
                    {"purpose": " "},
                    InvalidInputError,
                    "purpose",
                    r"'purpose' must be a non-empty string; got ' '",
                ),
                (
                    {"at": NAIVE},
                    InvalidInputError,
                    "at",
                    rf"'at' must be a timezone-aware datetime; got {NAIVE_TEXT}",
                ),
                (
                    {"customer_id": 7},
                    InvalidTypeError,
                    "customer_id",
                    r"'customer_id' must be a string; got int 7",
                ),
            ],
        ),
    )
    def test_bad_inputs(
        self, kwargs: dict[str, Any], error: type[CrmkitError], argument: str, match: str
    ) -> None:
        """Unknown statuses, bases and channels, empty purposes and naive times are refused."""
        check_bad_input(Consent, kwargs, error, argument, match)
