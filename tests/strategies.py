"""Shared Hypothesis strategies: currency codes, amounts, money, timestamps and records.

Every strategy here draws *valid* values: a record strategy only builds records its
class accepts, so a property test that fails points at the code under test, not at
the strategy. Amounts stay within 12 integer digits and 10 decimal places, so that
sums of a few of them are exact in the default 28-digit `Decimal` context.
"""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from hypothesis import strategies as st

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

__all__ = [
    "REAL_CURRENCIES",
    "RECORD_STRATEGIES",
    "amounts",
    "aware_datetimes",
    "consents",
    "currency_codes",
    "customers",
    "dates",
    "enum_inputs",
    "fixed_offsets",
    "interactions",
    "leads",
    "money",
    "opportunities",
    "optional",
    "records",
    "survey_responses",
    "texts",
    "transactions",
]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

REAL_CURRENCIES = ("CNY", "USD", "EUR", "JPY", "GBP")
"""A few real ISO 4217 codes, drawn often so that mismatches between them are common."""

_MAX_AMOUNT = Decimal(10**12)

# --- scalars ------------------------------------------------------------------------------

currency_codes: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(REAL_CURRENCIES),
    st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3),
)
"""Three upper-case ASCII letters: a few real codes plus generated ones."""


@st.composite
def amounts(draw: st.DrawFn, *, max_places: int = 10) -> Decimal:
    """Finite decimals up to 10**12 in size with 0 to *max_places* decimal places.

    The places are kept as drawn, so trailing zeros (`Decimal("19.90")`) and
    negative amounts (refunds) both occur.
    """
    places = draw(st.integers(min_value=0, max_value=max_places))
    value: Decimal = draw(
        st.decimals(
            min_value=-_MAX_AMOUNT,
            max_value=_MAX_AMOUNT,
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    return value


def money(currency: str | st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Money]:
    """`Money` values, in *currency* when given (a code or a strategy of codes)."""
    if currency is None:
        codes = currency_codes
    elif isinstance(currency, str):
        codes = st.just(currency)
    else:
        codes = currency
    return st.builds(Money, amounts(), codes)


_NAMED_OFFSETS = [
    timedelta(0),
    timedelta(hours=-12),
    timedelta(hours=14),
    timedelta(hours=5, minutes=30),  # India
    timedelta(hours=5, minutes=45),  # Nepal
    timedelta(hours=-3, minutes=-30),  # Newfoundland
    timedelta(hours=8),  # China
    timedelta(hours=12, minutes=45),  # Chatham Islands
]


def fixed_offsets() -> st.SearchStrategy[timezone]:
    """Fixed UTC offsets from -12:00 to +14:00, whole-minute, with real odd ones often."""
    minutes = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
        lambda m: timedelta(minutes=m)
    )
    return st.one_of(st.sampled_from(_NAMED_OFFSETS), minutes).map(timezone)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes from 1970 to 2100 in varied fixed offsets."""
    return st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 12, 31),
        timezones=fixed_offsets(),
    )


def dates() -> st.SearchStrategy[date]:
    """Calendar dates from 1970 to 2100."""
    return st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))


texts: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(["普通", "黄金会员", "Li Wei", "Zoë Müller", "c-001", "  padded  "]),
    st.text(min_size=1, max_size=20).filter(lambda s: bool(s.strip())),
)
"""Non-empty text that is not only whitespace, often non-ASCII."""


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """Either None or a value of *strategy*."""
    return st.none() | strategy


def enum_inputs(kind: type[E]) -> st.SearchStrategy[E | str]:
    """What a caller may pass for an enumeration field: a member or its string value."""
    members = list(kind)
    return st.sampled_from(members) | st.sampled_from([member.value for member in members])


# --- records ------------------------------------------------------------------------------

customers: st.SearchStrategy[Customer] = st.builds(
    Customer,
    id=texts,
    kind=enum_inputs(CustomerKind),
    name=optional(texts),
    email=optional(texts),
    phone=optional(texts),
    country=optional(texts),
    created_at=optional(aware_datetimes()),
)

transactions: st.SearchStrategy[Transaction] = st.builds(
    Transaction,
    id=texts,
    customer_id=texts,
    at=aware_datetimes(),
    amount=money(),
    channel=optional(enum_inputs(Channel)),
    category=optional(texts),
    quantity=st.integers(min_value=1, max_value=10_000),
)

interactions: st.SearchStrategy[Interaction] = st.builds(
    Interaction,
    id=texts,
    customer_id=texts,
    at=aware_datetimes(),
    channel=enum_inputs(Channel),
    direction=enum_inputs(Direction),
    kind=optional(texts),
    outcome=optional(texts),
)


@st.composite
def survey_responses(draw: st.DrawFn) -> SurveyResponse:
    """Answers whose score lies on the kind's scale, or on a stated `scale_max`."""
    kind = draw(st.sampled_from(list(SurveyKind)))
    low, default_high = kind.default_scale
    scale_max = draw(optional(st.integers(min_value=low + 1, max_value=100)))
    high = default_high if scale_max is None else scale_max
    return SurveyResponse(
        id=draw(texts),
        customer_id=draw(texts),
        kind=draw(st.sampled_from([kind, kind.value])),
        score=draw(st.integers(min_value=low, max_value=high)),
        at=draw(aware_datetimes()),
        scale_max=scale_max,
        comment=draw(optional(texts)),
    )


leads: st.SearchStrategy[Lead] = st.builds(
    Lead,
    id=texts,
    created_at=aware_datetimes(),
    status=enum_inputs(LeadStatus),
    source=optional(texts),
    company=optional(texts),
    industry=optional(texts),
    company_size=optional(st.integers(min_value=1, max_value=10**6)),
    job_title=optional(texts),
    email=optional(texts),
)


@st.composite
def opportunities(draw: st.DrawFn) -> Opportunity:
    """Open deals, and closed ones with `closed_at >= created_at` and `won` set.

    A closing time is drawn as a non-negative delay after creation, then shown
    in another fixed offset, so the order holds between instants, not wall clocks.
    """
    created_at = draw(aware_datetimes())
    closed_at: datetime | None = None
    won: bool | None = None
    if draw(st.booleans()):
        delay = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)))
        closed_at = (created_at + delay).astimezone(draw(fixed_offsets()))
        won = draw(st.booleans())
    return Opportunity(
        id=draw(texts),
        customer_id=draw(texts),
        stage=draw(texts),
        amount=draw(money()),
        created_at=created_at,
        expected_close=draw(optional(dates())),
        closed_at=closed_at,
        won=won,
    )


consents: st.SearchStrategy[Consent] = st.builds(
    Consent,
    customer_id=texts,
    purpose=texts,
    channel=enum_inputs(Channel),
    status=enum_inputs(ConsentStatus),
    at=aware_datetimes(),
    lawful_basis=enum_inputs(LawfulBasis),
    source=optional(texts),
)

RECORD_STRATEGIES: dict[type[Any], st.SearchStrategy[Any]] = {
    Money: money(),
    Customer: customers,
    Transaction: transactions,
    Interaction: interactions,
    SurveyResponse: survey_responses(),
    Lead: leads,
    Opportunity: opportunities(),
    Consent: consents,
}
"""One strategy per serialisable crmkit value type, keyed by its class."""

records: st.SearchStrategy[Any] = st.one_of(*RECORD_STRATEGIES.values())
"""Any crmkit record or `Money`."""
