"""JSON for records: to_dict/from_dict/to_json/from_json round-trips and errors (crmkit.io)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import RECORD_STRATEGIES, money, records, transactions

from crmkit import io
from crmkit.errors import CrmkitError, InvalidInputError, InvalidTypeError
from crmkit.models import (
    Channel,
    Consent,
    Customer,
    Interaction,
    Lead,
    Money,
    Opportunity,
    SurveyResponse,
    Transaction,
)

IST = timezone(timedelta(hours=5, minutes=30))
CST = timezone(timedelta(hours=8))
AT = datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
AT_TEXT = "2025-01-05T09:30:00+00:00"
CHANNELS = r"'phone', 'email', 'sms', 'social', 'chat', 'web', 'app', 'in_store', 'other'"
RECORD_TYPES = list(RECORD_STRATEGIES)

CONTRACT = Transaction(
    id="o1",
    customer_id="c1",
    at=datetime(2025, 1, 5, tzinfo=UTC),
    amount=Money("19.90", "CNY"),
)

# Hand-written: each record next to the dict to_dict must give for it.
EXAMPLES: list[tuple[Any, dict[str, Any]]] = [
    (
        Money("19.90", "CNY"),
        {"amount": "19.90", "currency": "CNY", "schema_version": 1},
    ),
    (
        CONTRACT,
        {
            "id": "o1",
            "customer_id": "c1",
            "at": "2025-01-05T00:00:00+00:00",
            "amount": {"amount": "19.90", "currency": "CNY"},
            "channel": None,
            "category": None,
            "quantity": 1,
            "schema_version": 1,
        },
    ),
    (
        Customer(
            id="c1",
            kind="organization",
            name="普通",
            country="CN",
            created_at=datetime(2024, 6, 1, 12, 0, tzinfo=IST),
        ),
        {
            "id": "c1",
            "kind": "organization",
            "name": "普通",
            "email": None,
            "phone": None,
            "country": "CN",
            "created_at": "2024-06-01T12:00:00+05:30",
            "schema_version": 1,
        },
    ),
    (
        Interaction(
            id="i1",
            customer_id="c1",
            at=AT,
            channel="phone",
            direction="inbound",
            kind="complaint",
        ),
        {
            "id": "i1",
            "customer_id": "c1",
            "at": AT_TEXT,
            "channel": "phone",
            "direction": "inbound",
            "kind": "complaint",
            "outcome": None,
            "schema_version": 1,
        },
    ),
    (
        SurveyResponse(id="s1", customer_id="c1", kind="nps", score=9, at=AT, comment="很好"),
        {
            "id": "s1",
            "customer_id": "c1",
            "kind": "nps",
            "score": 9,
            "at": AT_TEXT,
            "scale_max": None,
            "comment": "很好",
            "schema_version": 1,
        },
    ),
    (
        Lead(id="l1", created_at=AT, status="qualified", source="webinar", company_size=250),
        {
            "id": "l1",
            "created_at": AT_TEXT,
            "status": "qualified",
            "source": "webinar",
            "company": None,
            "industry": None,
            "company_size": 250,
            "job_title": None,
            "email": None,
            "schema_version": 1,
        },
    ),
    (
        Opportunity(
            id="d1",
            customer_id="c1",
            stage="won",
            amount=Money("50000.00", "CNY"),
            created_at=AT,
            expected_close=date(2025, 3, 31),
            closed_at=datetime(2025, 2, 14, 18, 0, tzinfo=CST),
            won=True,
        ),
        {
            "id": "d1",
            "customer_id": "c1",
            "stage": "won",
            "amount": {"amount": "50000.00", "currency": "CNY"},
            "created_at": AT_TEXT,
            "expected_close": "2025-03-31",
            "closed_at": "2025-02-14T18:00:00+08:00",
            "won": True,
            "schema_version": 1,
        },
    ),
    (
        Consent(customer_id="c1", purpose="marketing", channel="email", status="granted", at=AT),
        {
            "customer_id": "c1",
            "purpose": "marketing",
            "channel": "email",
            "status": "granted",
            "at": AT_TEXT,
            "lawful_basis": "consent",
            "source": None,
            "schema_version": 1,
        },
    ),
]
BASE = {type(record): data for record, data in EXAMPLES}

_DELETE = object()


def edited(cls: type[Any], path: str, value: Any = _DELETE) -> dict[str, Any]:
    """A deep copy of the example dict of *cls* with the dotted *path* set (or deleted)."""
    data = copy.deepcopy(BASE[cls])
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


def assert_plain_json(value: Any, where: str = "") -> None:
    """Fail unless *value* is built only from dict (str keys), list, str, int, bool and None."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"key {key!r} at {where!r} is not a str"
            assert_plain_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_plain_json(item, f"{where}[{index}]")
    else:
        assert value is None or type(value) in (str, int, bool), f"{where!r}: {value!r}"


@attrs.frozen
class NotCrmkit:
    """An attrs class from outside crmkit: io must refuse it."""

    x: int = 1


# --- to_dict ------------------------------------------------------------------------------


class TestToDict:
    @pytest.mark.parametrize(
        ("record", "expected"), EXAMPLES, ids=[type(r).__name__ for r, _ in EXAMPLES]
    )
    def test_examples(self, record: Any, expected: dict[str, Any]) -> None:
        """Amounts become strings ('19.90', '50000.00'), times ISO 8601 with their offset
        (+05:30, +08:00), dates 'YYYY-MM-DD', enums their values, and schema_version is 1.
        """
        actual = io.to_dict(record)

        assert expected == actual

    def test_schema_version_is_the_module_constant(self) -> None:
        """The written schema_version is io.SCHEMA_VERSION, which is 1."""
        assert 1 == io.SCHEMA_VERSION
        assert io.SCHEMA_VERSION == io.to_dict(CONTRACT)["schema_version"]

    def test_each_call_returns_a_new_dict(self) -> None:
        """Changing one returned dict does not change the next one."""
        first = io.to_dict(CONTRACT)
        first["amount"]["currency"] = "USD"

        actual = io.to_dict(CONTRACT)

        assert "CNY" == actual["amount"]["currency"]

    @pytest.mark.parametrize(
        "obj",
        [
            object(),
            {"amount": "19.90", "currency": "CNY"},
            Decimal("19.90"),
            datetime(2025, 1, 5, tzinfo=UTC),
            Channel.APP,
            Money,
            NotCrmkit(),
            None,
        ],
        ids=["object", "dict", "Decimal", "datetime", "enum", "class", "foreign-attrs", "None"],
    )
    def test_non_crmkit_objects_are_refused(self, obj: Any) -> None:
        """Anything but a crmkit record or rules value raises InvalidTypeError naming 'obj'."""
        with pytest.raises(
            InvalidTypeError, match=r"'obj' must be a crmkit record, rules value or fit; got "
        ) as caught:
            io.to_dict(obj)

        assert "obj" == caught.value.argument

    @given(record=records)
    def test_output_is_plain_json_types(self, record: Any) -> None:
        """to_dict gives only dicts, lists, str, int, bool and None: no Decimal, datetime,
        enum member or float, so json.dumps needs no hooks.
        """
        data = io.to_dict(record)

        assert_plain_json(data)
        assert data == json.loads(json.dumps(data))

    @given(record=records)
    def test_schema_version_is_one_at_the_top_level_only(self, record: Any) -> None:
        """schema_version is 1 at the top; nested values (the amount) carry none."""
        data = io.to_dict(record)

        assert 1 == data["schema_version"]
        assert [f.name for f in attrs.fields(type(record))] + ["schema_version"] == list(data)
        if isinstance(data.get("amount"), dict):
            assert "schema_version" not in data["amount"]

    @given(m=money())
    def test_amounts_are_strings_keeping_every_digit(self, m: Money) -> None:
        """The amount is str(Decimal): '19.90' stays '19.90', and reads back to the same digits."""
        data = io.to_dict(m)

        assert str(m.amount) == data["amount"]
        assert m.amount.as_tuple() == Decimal(data["amount"]).as_tuple()
        assert m.currency == data["currency"]

    @given(record=records)
    def test_datetimes_keep_their_offset(self, record: Any) -> None:
        """Each datetime is written as ISO 8601 with its own UTC offset (not moved to UTC)."""
        data = io.to_dict(record)

        for field in attrs.fields(type(record)):
            value = getattr(record, field.name)
            if isinstance(value, datetime):
                written = datetime.fromisoformat(data[field.name])
                assert value.utcoffset() == written.utcoffset()
                assert value == written

    def test_enums_become_plain_strings(self) -> None:
        """Channel.APP and Direction.INBOUND are written as the plain str 'app' and 'inbound',
        not as enum members (which are str subclasses that other encoders may refuse).
        """
        interaction = Interaction(
            id="i1", customer_id="c1", at=AT, channel=Channel.APP, direction="inbound"
        )

        data = io.to_dict(interaction)

        assert ("app", "inbound") == (data["channel"], data["direction"])
        assert (str, str) == (type(data["channel"]), type(data["direction"]))

    @given(record=records)
    def test_every_enum_becomes_its_plain_string_value(self, record: Any) -> None:
        """Each enum field is written as exactly the str of its value."""
        data = io.to_dict(record)

        for field in attrs.fields(type(record)):
            value = getattr(record, field.name)
            if isinstance(value, Enum):
                assert str is type(data[field.name])
                assert value.value == data[field.name]


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
"""Anything json.loads could return."""

plausible_json: st.SearchStrategy[Any] = st.one_of(
    json_values,
    st.sampled_from(
        [
            AT_TEXT,
            "2025-01-05T09:30:00",
            "2025-01-05",
            "19.90",
            "NaN",
            "CNY",
            "",
            " ",
            "nps",
            "app",
            "inbound",
            "granted",
            "consent",
            "qualified",
            0,
            1,
            11,
            -1,
            1.5,
            {"amount": "1", "currency": "CNY"},
            {"amount": 1.5, "currency": "cny"},
            {"amount": "1"},
        ]
    ),
)
"""Random JSON mixed with values that are nearly right for some field."""


def build_or_error(cls: type[Any], data: dict[str, Any]) -> Any:
    """from_dict(cls, data), or the CrmkitError it raised; any other exception propagates."""
    try:
        return io.from_dict(cls, data)
    except CrmkitError as error:
        return error


def garbage_for(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts whose keys are mostly the fields of *cls* (plus schema_version) and whose
    values are random or nearly-right JSON.
    """
    names = [field.name for field in attrs.fields(cls)] + ["schema_version"]
    keys = st.sampled_from(names) | st.text(max_size=8)
    return st.dictionaries(keys, plausible_json, max_size=len(names) + 2)


# --- from_dict ----------------------------------------------------------------------------


class TestFromDict:
    @pytest.mark.parametrize(
        ("expected", "data"), EXAMPLES, ids=[type(r).__name__ for r, _ in EXAMPLES]
    )
    def test_examples(self, expected: Any, data: dict[str, Any]) -> None:
        """Each hand-written dict builds the record it was written from."""
        actual = io.from_dict(type(expected), data)

        assert expected == actual

    def test_schema_version_may_be_absent_and_defaults_fill_in(self) -> None:
        """A hand-made dict without schema_version, channel, category or quantity is read with
        the class defaults (no channel, no category, quantity 1).
        """
        data = {
            "id": "o1",
            "customer_id": "c1",
            "at": "2025-01-05T00:00:00+00:00",
            "amount": {"amount": "19.90", "currency": "cny"},
        }

        actual = io.from_dict(Transaction, data)

        assert CONTRACT == actual

    def test_offsets_and_enum_members_are_restored(self) -> None:
        """'+08:00' comes back as an 8-hour offset and 'email' as Channel.EMAIL."""
        data = edited(Consent, "at", "2025-01-05T17:30:00+08:00")

        actual = io.from_dict(Consent, data)

        assert timedelta(hours=8) == actual.at.utcoffset()
        assert AT == actual.at
        assert Channel.EMAIL is actual.channel

    def test_input_is_not_mutated(self) -> None:
        """from_dict reads schema_version without removing it from the caller's dict."""
        data = copy.deepcopy(BASE[Transaction])

        io.from_dict(Transaction, data)

        assert BASE[Transaction] == data

    @pytest.mark.parametrize(
        ("cls", "data", "argument", "match"),
        [
            pytest.param(
                Transaction,
                edited(Transaction, "amount.currency", "C"),
                "amount.currency",
                r"'amount\.currency' must be a three-letter ISO 4217 code such as 'CNY'; "
                r"got 'C'",
                id="nested-currency",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.amount", 19.9),
                "amount.amount",
                r"'amount\.amount' must be a decimal string such as '19\.90'; got 19\.9",
                id="float-amount",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.amount", "abc"),
                "amount.amount",
                r"'amount\.amount' must be a decimal string .*; got 'abc'",
                id="garbage-amount",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.amount", "NaN"),
                "amount.amount",
                r"'amount\.amount' must be a decimal string .*; got 'NaN'",
                id="nan-amount",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.amount", True),
                "amount.amount",
                r"'amount\.amount' must be a decimal string .*; got True",
                id="bool-amount",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount", "19.90"),
                "amount",
                r"'amount' must be ",
                id="amount-not-an-object",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount", None),
                "amount",
                r"'amount' must be ",
                id="amount-null",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "at", "2025-01-05T00:00:00"),
                "at",
                r"'at' must be a timezone-aware datetime; "
                r"got datetime\.datetime\(2025, 1, 5, 0, 0\)",
                id="naive-timestamp",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "at", "2025-01-05"),
                "at",
                r"'at' must be a timezone-aware datetime",
                id="date-for-timestamp",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "at", "yesterday"),
                "at",
                r"'at' must be an ISO 8601 timestamp with offset such as "
                r"'2025-01-05T00:00:00\+00:00'; got 'yesterday'",
                id="unparsable-timestamp",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "at", 1736035200),
                "at",
                r"'at' must be an ISO 8601 timestamp .*; got 1736035200",
                id="epoch-number-timestamp",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "customer_id"),
                "customer_id",
                r"'customer_id' is required",
                id="missing-key",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.currency"),
                "amount.currency",
                r"'amount\.currency' is required",
                id="missing-nested-key",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "colour", "red"),
                "colour",
                r"'colour' is not a field of Transaction \(its fields: id, customer_id, at, "
                r"amount, channel, category, quantity\)",
                id="unknown-key",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "amount.rate", "7.1"),
                "amount.rate",
                r"'amount\.rate' is not a field of Money",
                id="unknown-nested-key",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "channel", "fax"),
                "channel",
                rf"'channel' must be one of {CHANNELS}; got 'fax'",
                id="bad-enum",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "id", 5),
                "id",
                r"'id' must be a string; got 5",
                id="number-for-string",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "id", ""),
                "id",
                r"'id' must be a non-empty string; got ''",
                id="empty-id",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "quantity", "2"),
                "quantity",
                r"'quantity' must be an integer; got '2'",
                id="string-for-integer",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "quantity", 1.0),
                "quantity",
                r"'quantity' must be an integer; got 1\.0",
                id="float-for-integer",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "quantity", True),
                "quantity",
                r"'quantity' must be an integer; got True",
                id="bool-for-integer",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "quantity", 0),
                "quantity",
                r"'quantity' must be an integer of at least 1; got 0",
                id="quantity-zero",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "schema_version", 2),
                "schema_version",
                r"'schema_version' must be 1 \(the version this release reads\); got 2",
                id="schema-version-2",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "schema_version", "1"),
                "schema_version",
                r"'schema_version' must be 1 .*; got '1'",
                id="schema-version-string",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "schema_version", None),
                "schema_version",
                r"'schema_version' must be 1 .*; got None",
                id="schema-version-null",
            ),
            pytest.param(
                Transaction,
                edited(Transaction, "schema_version", True),
                "schema_version",
                r"'schema_version' must be 1 .*; got True",
                id="schema-version-true",
            ),
            pytest.param(
                Customer,
                edited(Customer, "kind", "robot"),
                "kind",
                r"'kind' must be one of 'person', 'organization'; got 'robot'",
                id="customer-kind",
            ),
            pytest.param(
                Customer,
                edited(Customer, "created_at", "2024-06-01T12:00:00"),
                "created_at",
                r"'created_at' must be a timezone-aware datetime",
                id="customer-naive-created-at",
            ),
            pytest.param(
                Customer,
                edited(Customer, "name", 5),
                "name",
                r"'name' must be a string; got 5",
                id="customer-name-number",
            ),
            pytest.param(
                Interaction,
                edited(Interaction, "direction", "sideways"),
                "direction",
                r"'direction' must be one of 'inbound', 'outbound'; got 'sideways'",
                id="interaction-direction",
            ),
            pytest.param(
                Interaction,
                edited(Interaction, "channel", None),
                "channel",
                rf"'channel' must be one of {CHANNELS}; got None",
                id="interaction-channel-null",
            ),
            pytest.param(
                SurveyResponse,
                edited(SurveyResponse, "score", 11),
                "score",
                r"'score' must be an integer from 0 to 10; got 11",
                id="survey-score-off-scale",
            ),
            pytest.param(
                SurveyResponse,
                edited(SurveyResponse, "score", 9.5),
                "score",
                r"'score' must be an integer; got 9\.5",
                id="survey-score-float",
            ),
            pytest.param(
                SurveyResponse,
                edited(SurveyResponse, "kind", "promoter"),
                "kind",
                r"'kind' must be one of 'nps', 'csat', 'ces'; got 'promoter'",
                id="survey-kind",
            ),
            pytest.param(
                Lead,
                edited(Lead, "status", "won"),
                "status",
                r"'status' must be one of 'new', 'contacted', 'qualified', 'disqualified', "
                r"'converted'; got 'won'",
                id="lead-status",
            ),
            pytest.param(
                Lead,
                edited(Lead, "company_size", 0),
                "company_size",
                r"'company_size' must be an integer of at least 1; got 0",
                id="lead-company-size",
            ),
            pytest.param(
                Opportunity,
                edited(Opportunity, "won", None),
                "won",
                r"'won' must be given with 'closed_at'",
                id="opportunity-closed-without-won",
            ),
            pytest.param(
                Opportunity,
                edited(Opportunity, "closed_at", "2025-01-05T17:29:00+08:00"),
                "closed_at",
                r"'closed_at' must be at or after created_at",
                id="opportunity-closed-before-created",
            ),
            pytest.param(
                Opportunity,
                edited(Opportunity, "expected_close", "31/03/2025"),
                "expected_close",
                r"'expected_close' must be an ISO 8601 date such as '2025-01-05'; "
                r"got '31/03/2025'",
                id="opportunity-date",
            ),
            pytest.param(
                Opportunity,
                edited(Opportunity, "won", "yes"),
                "won",
                r"'won' must be true or false; got 'yes'",
                id="opportunity-won-string",
            ),
            pytest.param(
                Opportunity,
                edited(Opportunity, "amount.currency", "cn"),
                "amount.currency",
                r"'amount\.currency' must be a three-letter ISO 4217 code .*; got 'cn'",
                id="opportunity-currency",
            ),
            pytest.param(
                Consent,
                edited(Consent, "lawful_basis", "because"),
                "lawful_basis",
                r"'lawful_basis' must be one of 'consent', 'contract', 'legal_obligation', "
                r"'vital_interests', 'public_task', 'legitimate_interests'; got 'because'",
                id="consent-basis",
            ),
            pytest.param(
                Consent,
                edited(Consent, "status", "pending"),
                "status",
                r"'status' must be one of 'granted', 'withdrawn'; got 'pending'",
                id="consent-status",
            ),
            pytest.param(
                Money,
                edited(Money, "currency", "C"),
                "currency",
                r"'currency' must be a three-letter ISO 4217 code such as 'CNY'; got 'C'",
                id="money-currency",
            ),
            pytest.param(
                Money,
                edited(Money, "amount", 19.9),
                "amount",
                r"'amount' must be a decimal string such as '19\.90'; got 19\.9",
                id="money-float",
            ),
            pytest.param(
                Money,
                edited(Money, "amount"),
                "amount",
                r"'amount' is required",
                id="money-missing-amount",
            ),
            pytest.param(
                Money,
                edited(Money, "rate", 1),
                "rate",
                r"'rate' is not a field of Money \(its fields: amount, currency\)",
                id="money-unknown-key",
            ),
        ],
    )
    def test_malformed_input(
        self, cls: type[Any], data: dict[str, Any], argument: str, match: str
    ) -> None:
        """Bad values, missing or unknown keys, wrong JSON types and a wrong schema_version
        raise InvalidInputError (never a raw cattrs, KeyError or ValueError) whose `.argument`
        is the dotted path of the field and whose message names it and the value.
        """
        with pytest.raises(InvalidInputError, match=match) as caught:
            io.from_dict(cls, data)

        assert argument == caught.value.argument

    @pytest.mark.parametrize(
        "data",
        [[1, 2], "{}", None, 5, ("id", "o1")],
        ids=["list", "str", "None", "int", "tuple"],
    )
    def test_non_mapping_data_is_refused(self, data: Any) -> None:
        """Data that is not a mapping raises InvalidTypeError naming 'data'."""
        with pytest.raises(
            InvalidTypeError, match=r"'data' must be a mapping \(a dict parsed from JSON\); got "
        ) as caught:
            io.from_dict(Transaction, data)

        assert "data" == caught.value.argument

    @pytest.mark.parametrize(
        "cls",
        [dict, Decimal, datetime, Channel, NotCrmkit, CONTRACT, "Transaction", None],
        ids=["dict", "Decimal", "datetime", "enum", "foreign-attrs", "instance", "str", "None"],
    )
    def test_cls_that_is_not_a_crmkit_class_is_refused(self, cls: Any) -> None:
        """A cls that is not a crmkit attrs class raises InvalidTypeError naming 'cls'."""
        with pytest.raises(
            InvalidTypeError, match=r"'cls' must be a crmkit record, rules value or fit; got "
        ) as caught:
            io.from_dict(cls, {"x": 1})

        assert "cls" == caught.value.argument

    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    @given(data=st.data())
    def test_round_trip_every_record_type(self, cls: type[Any], data: st.DataObject) -> None:
        """from_dict(cls, to_dict(x)) == x, and writing it again gives the same dict, so
        offsets, amount digits and enum values all survive.
        """
        record = data.draw(RECORD_STRATEGIES[cls])
        written = io.to_dict(record)

        actual = io.from_dict(cls, written)

        assert record == actual
        assert written == io.to_dict(actual)

    @given(record=records)
    def test_round_trip_keeps_datetime_offsets(self, record: Any) -> None:
        """Every datetime read back has the same UTC offset as the one written, not just the
        same instant (datetime equality alone would not tell).
        """
        actual = io.from_dict(type(record), io.to_dict(record))

        for field in attrs.fields(type(record)):
            value = getattr(record, field.name)
            if isinstance(value, datetime):
                assert value.utcoffset() == getattr(actual, field.name).utcoffset()

    @given(record=records)
    def test_schema_version_is_optional_on_input(self, record: Any) -> None:
        """A dict without schema_version reads as the current version."""
        data = io.to_dict(record)
        del data["schema_version"]

        actual = io.from_dict(type(record), data)

        assert record == actual

    @given(case=st.data())
    def test_garbage_raises_only_crmkit_errors(self, case: st.DataObject) -> None:
        """Random JSON-like dicts either build a record or raise a CrmkitError, nothing else."""
        cls = case.draw(st.sampled_from(RECORD_TYPES), label="cls")
        data = case.draw(garbage_for(cls), label="data")

        outcome = build_or_error(cls, data)

        if isinstance(outcome, CrmkitError):
            assert isinstance(outcome, (InvalidInputError, InvalidTypeError))
            assert outcome.argument
        else:
            assert isinstance(outcome, cls)

    @given(case=st.data())
    def test_one_corrupted_field_raises_only_crmkit_errors(self, case: st.DataObject) -> None:
        """A valid dict with one value (top-level or nested) replaced by random JSON either
        still builds a record or raises InvalidInputError with a path.
        """
        cls = case.draw(st.sampled_from(RECORD_TYPES), label="cls")
        data = io.to_dict(case.draw(RECORD_STRATEGIES[cls], label="record"))
        key = case.draw(st.sampled_from(sorted(data)), label="key")
        target = data
        if isinstance(data[key], dict):
            target = data[key]
            key = case.draw(st.sampled_from(sorted(target)), label="nested key")
        target[key] = case.draw(plausible_json, label="value")

        outcome = build_or_error(cls, data)

        if isinstance(outcome, CrmkitError):
            assert isinstance(outcome, InvalidInputError)
            assert outcome.argument
        else:
            assert isinstance(outcome, cls)


# --- to_json ------------------------------------------------------------------------------


class TestToJson:
    def test_contract_round_trip(self) -> None:
        """The issue's contract: io.from_json(Transaction, io.to_json(t)) == t."""
        t = Transaction(
            id="o1",
            customer_id="c1",
            at=datetime(2025, 1, 5, tzinfo=UTC),
            amount=Money("19.90", "CNY"),
        )

        assert io.from_json(Transaction, io.to_json(t)) == t

    def test_exact_text(self) -> None:
        """Compact JSON with fields in class order, the amount as "19.90", schema_version last."""
        expected = (
            '{"id": "o1", "customer_id": "c1", "at": "2025-01-05T00:00:00+00:00", '
            '"amount": {"amount": "19.90", "currency": "CNY"}, "channel": null, '
            '"category": null, "quantity": 1, "schema_version": 1}'
        )

        actual = io.to_json(CONTRACT)

        assert expected == actual

    def test_non_ascii_is_written_as_is(self) -> None:
        """'普通' appears literally, not as \\u escapes, and reads back the same."""
        customer = Customer(id="c1", name="普通")

        text = io.to_json(customer)

        assert '"name": "普通"' in text
        assert "\\u" not in text
        assert customer == io.from_json(Customer, text)

    def test_indent_pretty_prints_the_same_data(self) -> None:
        """indent=2 puts each top-level key on its own line, two spaces in; same content."""
        text = io.to_json(Money("19.90", "CNY"), indent=2)

        expected = '{\n  "amount": "19.90",\n  "currency": "CNY",\n  "schema_version": 1\n}'

        assert expected == text
        assert io.to_dict(Money("19.90", "CNY")) == json.loads(text)

    def test_non_crmkit_objects_are_refused(self) -> None:
        """to_json of a plain dict raises InvalidTypeError naming 'obj'."""
        with pytest.raises(InvalidTypeError, match=r"'obj' must be a crmkit record") as caught:
            io.to_json({"amount": "19.90"})

        assert "obj" == caught.value.argument

    @pytest.mark.parametrize(
        ("indent", "error", "match"),
        [
            (-1, InvalidInputError, r"'indent' must be an integer of at least 0; got -1"),
            ("2", InvalidTypeError, r"'indent' must be an integer; got str '2'"),
            (2.0, InvalidTypeError, r"'indent' must be an integer; got float 2\.0"),
        ],
    )
    def test_bad_indent_is_refused(
        self, indent: Any, error: type[CrmkitError], match: str
    ) -> None:
        """A negative or non-integer indent raises an error naming 'indent'."""
        with pytest.raises(error, match=match) as caught:
            io.to_json(CONTRACT, indent=indent)

        assert "indent" == caught.value.argument

    @pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
    @given(data=st.data())
    def test_round_trip_every_record_type(self, cls: type[Any], data: st.DataObject) -> None:
        """from_json(cls, to_json(x)) == x for every record type and Money."""
        record = data.draw(RECORD_STRATEGIES[cls])

        actual = io.from_json(cls, io.to_json(record))

        assert record == actual

    @given(record=records)
    def test_text_is_the_dict_as_json(self, record: Any) -> None:
        """json.loads(to_json(x)) == to_dict(x): the text carries exactly the dict."""
        expected = io.to_dict(record)

        actual = json.loads(io.to_json(record))

        assert expected == actual


# --- from_json ----------------------------------------------------------------------------


class TestFromJson:
    def test_reads_a_hand_written_document(self) -> None:
        """'{"amount": "5", "currency": "CNY"}' is 5 CNY."""
        expected = Money("5", "CNY")

        actual = io.from_json(Money, '{"amount": "5", "currency": "CNY"}')

        assert expected == actual

    def test_bytes_are_accepted(self) -> None:
        """UTF-8 bytes of the JSON, non-ASCII included, read the same as the text."""
        customer = Customer(id="c1", name="普通")

        actual = io.from_json(Customer, io.to_json(customer).encode("utf-8"))

        assert customer == actual

    def test_field_errors_name_the_path(self) -> None:
        """A bad nested currency in JSON text is reported at 'amount.currency'."""
        text = io.to_json(CONTRACT).replace('"CNY"', '"C"')

        with pytest.raises(InvalidInputError, match=r"'amount\.currency' .*; got 'C'") as caught:
            io.from_json(Transaction, text)

        assert "amount.currency" == caught.value.argument

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            (
                "{",
                r"'text' must be valid JSON; got '\{' "
                r"\(Expecting property name enclosed in double quotes at line 1\)",
            ),
            ("", r"'text' must be valid JSON; got ''"),
            ("{'amount': '5'}", r"'text' must be valid JSON; got \"\{'amount': '5'\}\""),
            ('{"amount": "5",}', r"'text' must be valid JSON"),
            ("not json", r"'text' must be valid JSON; got 'not json'"),
        ],
        ids=["truncated", "empty", "single-quotes", "trailing-comma", "words"],
    )
    def test_invalid_json_names_text(self, text: str, match: str) -> None:
        """Text json cannot parse raises InvalidInputError naming 'text', with the reason."""
        with pytest.raises(InvalidInputError, match=match) as caught:
            io.from_json(Money, text)

        assert "text" == caught.value.argument

    @pytest.mark.parametrize(
        "text",
        [
            b'{"amount": "19.90\xff", "currency": "CNY"}',
            "[" * 100_000 + "]" * 100_000,
            '{"amount": ' + "1" * 5000 + ', "currency": "CNY"}',
        ],
        ids=["bytes-not-utf8", "nested-too-deep", "integer-too-long"],
    )
    def test_text_the_json_module_refuses_names_text(self, text: str | bytes) -> None:
        """Bytes that are not UTF-8, nesting too deep to parse, and an integer too long for
        Python to convert are not JSON this reader can parse: InvalidInputError naming 'text'.
        """
        with pytest.raises(InvalidInputError, match=r"'text' must be valid JSON") as caught:
            io.from_json(Money, text)

        assert "text" == caught.value.argument

    @pytest.mark.parametrize(
        "text",
        [{"amount": "5", "currency": "CNY"}, None, 5, bytearray(b"{}")],
        ids=["dict", "None", "int", "bytearray"],
    )
    def test_non_string_text_is_refused(self, text: Any) -> None:
        """A dict (use from_dict), None or a number raises InvalidTypeError naming 'text'."""
        with pytest.raises(
            InvalidTypeError, match=r"'text' must be a JSON string; got "
        ) as caught:
            io.from_json(Money, text)

        assert "text" == caught.value.argument

    @pytest.mark.parametrize(
        "text", ["[1, 2]", '"19.90"', "null", "5"], ids=["array", "string", "null", "number"]
    )
    def test_json_that_is_not_an_object_names_data(self, text: str) -> None:
        """Valid JSON that is not an object raises InvalidTypeError naming 'data'."""
        with pytest.raises(InvalidTypeError, match=r"'data' must be a mapping") as caught:
            io.from_json(Money, text)

        assert "data" == caught.value.argument

    @given(t=transactions)
    def test_transactions_round_trip_through_bytes(self, t: Transaction) -> None:
        """from_json also reads the UTF-8 bytes of to_json's text."""
        actual = io.from_json(Transaction, io.to_json(t).encode("utf-8"))

        assert t == actual


class TestResultsWithArrays:
    """Results holding numpy arrays round-trip too: arrays travel as lists, times as ISO text."""

    @staticmethod
    def results() -> list[Any]:
        import numpy as np

        from crmkit.datasets import simulate_pipeline
        from crmkit.funnel import (
            calibration_report,
            fit_markov_pipeline,
            forecast_distribution,
            stage_conversion,
            stage_velocity,
            weighted_pipeline,
        )
        from crmkit.lifecycle import SALES_PIPELINE

        history = simulate_pipeline(60, seed=4)
        closes = np.array(["2025-01-31", "NaT"], dtype="datetime64[D]")
        return [
            history,
            fit_markov_pipeline(history, SALES_PIPELINE),
            stage_conversion(history, SALES_PIPELINE, as_of=date(2024, 12, 31)),
            stage_velocity(history, SALES_PIPELINE, as_of=date(2024, 12, 31)),
            forecast_distribution([1.0, 2.0, 3.0], [0.5, 0.25, 1.0]),
            calibration_report([0.2, 0.8], [0, 1]),
            weighted_pipeline([1.0, 2.0], ["proposal"] * 2, SALES_PIPELINE, expected_close=closes),
        ]

    def test_every_result_round_trips(self) -> None:
        """from_json(type(r), to_json(r)) == r for funnel results, NaT and NaN included."""
        for result in self.results():
            assert result == io.from_json(type(result), io.to_json(result)), type(result).__name__

    def test_arrays_are_lists_and_timestamps_iso_text(self) -> None:
        """A StageHistory's entry times come out as ISO 8601 strings in a list."""
        history = self.results()[0]
        data = io.to_dict(history)
        assert isinstance(data["entered_at"], list)
        assert str(history.entered_at[0]) == data["entered_at"][0]

    def test_an_array_field_given_a_scalar_is_refused(self) -> None:
        """A stored array replaced by a number is refused with the field's name."""
        from crmkit.funnel import CalibrationReport, calibration_report

        data = io.to_dict(calibration_report([0.2, 0.8], [0, 1]))
        data["n"] = 3
        with pytest.raises(InvalidInputError, match=r"'n' must be a list of values"):
            io.from_dict(CalibrationReport, data)
