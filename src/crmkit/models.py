"""Typed, immutable CRM records: one customer, one purchase, one survey answer.

Records are frozen, slotted attrs classes with keyword-only fields, checked at
construction: timestamps must be timezone-aware, money is a `Decimal` with a
currency, enumerations accept their string values. Records are the face for
*individuals*; for populations use the columnar bundles such as
[`crmkit.Transactions`][crmkit.transactions.Transactions]. JSON goes through
[`crmkit.io`][crmkit.io].

Examples:
    >>> from datetime import datetime, timezone
    >>> from crmkit.models import Money, Transaction
    >>> t = Transaction(id="o1", customer_id="c1",
    ...                 at=datetime(2025, 1, 5, tzinfo=timezone.utc),
    ...                 amount=Money("19.90", "CNY"), channel="app")
    >>> t.amount, t.channel
    (Money('19.90', 'CNY'), <Channel.APP: 'app'>)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import attrs
from attrs import field, frozen

from crmkit import _validation as v
from crmkit.errors import CurrencyMismatchError

__all__ = [
    "Channel",
    "Consent",
    "ConsentStatus",
    "Customer",
    "CustomerKind",
    "Direction",
    "Interaction",
    "LawfulBasis",
    "Lead",
    "LeadStatus",
    "Money",
    "Opportunity",
    "SurveyKind",
    "SurveyResponse",
    "Transaction",
]


# --- enumerations -------------------------------------------------------------------------


class Channel(StrEnum):
    """Where a contact or a purchase happened.

    Examples:
        >>> Channel("in_store")
        <Channel.IN_STORE: 'in_store'>
    """

    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL = "social"
    CHAT = "chat"
    WEB = "web"
    APP = "app"
    IN_STORE = "in_store"
    OTHER = "other"


class Direction(StrEnum):
    """Who started a contact: the customer (inbound) or the company (outbound).

    Examples:
        >>> Direction("inbound").value
        'inbound'
    """

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SurveyKind(StrEnum):
    """Which survey question an answer belongs to, with its usual scale.

    NPS answers run from 0 to 10, CSAT from 1 to 5 and CES from 1 to 7 unless a
    response states another `scale_max`.

    Examples:
        >>> SurveyKind.NPS.default_scale
        (0, 10)
    """

    NPS = "nps"
    CSAT = "csat"
    CES = "ces"

    @property
    def default_scale(self) -> tuple[int, int]:
        """The lowest and highest allowed answer when no scale is given."""
        return {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[self.value]


class CustomerKind(StrEnum):
    """A person (B2C) or an organisation (B2B account).

    Examples:
        >>> CustomerKind("organization")
        <CustomerKind.ORGANIZATION: 'organization'>
    """

    PERSON = "person"
    ORGANIZATION = "organization"


class LeadStatus(StrEnum):
    """Where a lead stands before it becomes an opportunity or is dropped.

    Examples:
        >>> LeadStatus("qualified").value
        'qualified'
    """

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


class ConsentStatus(StrEnum):
    """Whether a consent is in force (granted) or was taken back (withdrawn).

    Examples:
        >>> ConsentStatus("withdrawn").value
        'withdrawn'
    """

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class LawfulBasis(StrEnum):
    """The lawful bases for processing personal data (GDPR Article 6(1)).

    Examples:
        >>> LawfulBasis("legitimate_interests").value
        'legitimate_interests'
    """

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


# Named converters: attrs' mypy plugin only understands named functions.
def _channel(value: Channel | str | None) -> Channel | None:
    return None if value is None else v.enum_value(Channel, "channel", value)


def _required_channel(value: Channel | str) -> Channel:
    return v.enum_value(Channel, "channel", value)


def _direction(value: Direction | str) -> Direction:
    return v.enum_value(Direction, "direction", value)


def _survey_kind(value: SurveyKind | str) -> SurveyKind:
    return v.enum_value(SurveyKind, "kind", value)


def _customer_kind(value: CustomerKind | str) -> CustomerKind:
    return v.enum_value(CustomerKind, "kind", value)


def _lead_status(value: LeadStatus | str) -> LeadStatus:
    return v.enum_value(LeadStatus, "status", value)


def _consent_status(value: ConsentStatus | str) -> ConsentStatus:
    return v.enum_value(ConsentStatus, "status", value)


def _lawful_basis(value: LawfulBasis | str) -> LawfulBasis:
    return v.enum_value(LawfulBasis, "lawful_basis", value)


# --- shared field validators --------------------------------------------------------------


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    v.check_str(attribute.name, value)


def _optional_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    v.check_optional_str(attribute.name, value)


def _aware(_: object, attribute: attrs.Attribute[datetime], value: object) -> None:
    v.aware_datetime(attribute.name, value)


def _optional_aware(_: object, attribute: attrs.Attribute[datetime | None], value: object) -> None:
    if value is not None:
        v.aware_datetime(attribute.name, value)


def _optional_date(_: object, attribute: attrs.Attribute[date | None], value: object) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        v.fail_type(attribute.name, "a date (not a datetime)", value)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    v.check_int(attribute.name, value, low=1)


def _optional_bool(_: object, attribute: attrs.Attribute[bool | None], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        v.fail_type(attribute.name, "True, False or None", value)


def _money(_: object, attribute: attrs.Attribute[Money], value: object) -> None:
    if not isinstance(value, Money):
        v.fail_type(attribute.name, "a Money", value, hint="e.g. Money('19.90', 'CNY')")


def _optional_money(_: object, attribute: attrs.Attribute[Money | None], value: object) -> None:
    if value is not None:
        _money(_, attribute, value)  # type: ignore[arg-type]


# --- Money --------------------------------------------------------------------------------


def _amount(value: Decimal | int | str) -> Decimal:
    return v.decimal_amount("amount", value)


def _currency(value: str) -> str:
    code = v.check_str("currency", value)
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        v.fail("currency", "a three-letter ISO 4217 code such as 'CNY'", value)
    return code.upper()


@frozen(repr=False)
class Money:
    """An exact amount of one currency.

    The amount is a `Decimal`; it accepts a `str`, `int` or `Decimal` but never a
    `float` (binary floats cannot hold most cents exactly). The currency is an
    ISO 4217 code, normalised to upper case. Arithmetic and ordering work only
    within one currency; mixing two raises
    [`CurrencyMismatchError`][crmkit.errors.CurrencyMismatchError]. Equality across currencies is
    simply `False`.

    Attributes:
        amount: The amount, e.g. `"19.90"`, `1990` or `Decimal("19.90")`.
        currency: Three-letter ISO 4217 code, e.g. `"CNY"`.

    Raises:
        InvalidTypeError: If *amount* is a float or another type.
        InvalidInputError: If *amount* is not a finite decimal number or
            *currency* is not three letters.

    Examples:
        >>> from decimal import Decimal
        >>> m = Money("19.90", "CNY")
        >>> m.amount
        Decimal('19.90')
        >>> Money("1.10", "CNY") + Money("2.20", "CNY")
        Money('3.30', 'CNY')
        >>> Money("10", "CNY") * 3, -Money("5", "CNY")
        (Money('30', 'CNY'), Money('-5', 'CNY'))
        >>> Money("1", "CNY") == Money("1", "USD")
        False
        >>> sum([Money("1.50", "CNY"), Money("2", "CNY")])
        Money('3.50', 'CNY')
    """

    amount: Decimal = field(converter=_amount)
    currency: str = field(converter=_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in *currency*.

        Examples:
            >>> Money.zero("EUR")
            Money('0', 'EUR')
        """
        return cls(Decimal(0), currency)

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            v.fail_type("other", "a Money", other)
        if other.currency != self.currency:
            message = f"cannot combine {self.currency} with {other.currency}; convert one first"
            raise CurrencyMismatchError(message, currencies=(self.currency, other.currency))
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, (int, Decimal)):
            v.fail_type("factor", "an int or Decimal", factor, hint="floats are inexact")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __radd__(self, other: int) -> Money:
        # Lets `sum(amounts)` start from its default 0; any other left operand is refused.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        v.fail_type("other", "a Money (or 0, as sum() starts from)", other)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount


# --- records ------------------------------------------------------------------------------


@frozen(kw_only=True)
class Customer:
    """A person or organisation the company sells to.

    Attributes:
        id: Your identifier for the customer.
        kind: `"person"` (B2C, the default) or `"organization"` (a B2B account).
        name: Display name.
        email: E-mail address, as given (not verified).
        phone: Phone number, as given.
        country: Country, e.g. an ISO 3166 code.
        created_at: When the customer record was created (timezone-aware).

    Examples:
        >>> Customer(id="c1", name="Li Wei").kind
        <CustomerKind.PERSON: 'person'>
    """

    id: str = field(validator=_text)
    kind: CustomerKind = field(default=CustomerKind.PERSON, converter=_customer_kind)
    name: str | None = field(default=None, validator=_optional_text)
    email: str | None = field(default=None, validator=_optional_text)
    phone: str | None = field(default=None, validator=_optional_text)
    country: str | None = field(default=None, validator=_optional_text)
    created_at: datetime | None = field(default=None, validator=_optional_aware)


@frozen(kw_only=True)
class Transaction:
    """One purchase (or, with a negative amount, one refund).

    Attributes:
        id: Order or receipt identifier.
        customer_id: Who bought.
        at: When (timezone-aware).
        amount: What was paid, as [`Money`][crmkit.models.Money].
        channel: Where it was bought (`"web"`, `"app"`, `"in_store"`, ...).
        category: Product category, free text.
        quantity: Number of items, a whole number of at least 1.

    Examples:
        >>> from datetime import datetime, timezone
        >>> t = Transaction(id="o1", customer_id="c1",
        ...                 at=datetime(2025, 1, 5, tzinfo=timezone.utc),
        ...                 amount=Money("19.90", "CNY"))
        >>> t.quantity
        1
    """

    id: str = field(validator=_text)
    customer_id: str = field(validator=_text)
    at: datetime = field(validator=_aware)
    amount: Money = field(validator=_money)
    channel: Channel | None = field(default=None, converter=_channel)
    category: str | None = field(default=None, validator=_optional_text)
    quantity: int = field(default=1, validator=_positive_int)


@frozen(kw_only=True)
class Interaction:
    """One contact between the company and a customer.

    Attributes:
        id: Identifier of the contact.
        customer_id: Who was contacted or got in touch.
        at: When (timezone-aware).
        channel: Phone, email, sms, social, chat, web, app, in_store or other.
        direction: `"inbound"` (the customer started it) or `"outbound"`.
        kind: What it was about, free text (`"complaint"`, `"inquiry"`, ...).
        outcome: How it ended, free text (`"resolved"`, `"no_answer"`, ...).

    Examples:
        >>> from datetime import datetime, timezone
        >>> i = Interaction(id="i1", customer_id="c1",
        ...                 at=datetime(2025, 1, 5, 9, 30, tzinfo=timezone.utc),
        ...                 channel="phone", direction="inbound", kind="complaint")
        >>> i.channel, i.direction
        (<Channel.PHONE: 'phone'>, <Direction.INBOUND: 'inbound'>)
    """

    id: str = field(validator=_text)
    customer_id: str = field(validator=_text)
    at: datetime = field(validator=_aware)
    channel: Channel = field(converter=_required_channel)
    direction: Direction = field(converter=_direction)
    kind: str | None = field(default=None, validator=_optional_text)
    outcome: str | None = field(default=None, validator=_optional_text)


@frozen(kw_only=True)
class SurveyResponse:
    """One answer to an NPS, CSAT or CES question.

    The score must be a whole number on the survey's scale: 0-10 for NPS, 1-5
    for CSAT and 1-7 for CES, unless *scale_max* states another top of scale.

    Attributes:
        id: Identifier of the answer.
        customer_id: Who answered.
        kind: `"nps"`, `"csat"` or `"ces"`.
        score: The answer.
        at: When (timezone-aware).
        scale_max: Top of the scale when it is not the usual one (e.g. 10 for
            a 1-10 CSAT).
        comment: Free-text comment.

    Examples:
        >>> from datetime import datetime, timezone
        >>> r = SurveyResponse(id="s1", customer_id="c1", kind="nps", score=9,
        ...                    at=datetime(2025, 1, 5, tzinfo=timezone.utc))
        >>> r.kind, r.scale
        (<SurveyKind.NPS: 'nps'>, (0, 10))
    """

    id: str = field(validator=_text)
    customer_id: str = field(validator=_text)
    kind: SurveyKind = field(converter=_survey_kind)
    score: int = field()
    at: datetime = field(validator=_aware)
    scale_max: int | None = field(default=None)
    comment: str | None = field(default=None, validator=_optional_text)

    @scale_max.validator
    def _check_scale_max(self, _: attrs.Attribute[int | None], value: object) -> None:
        if value is not None:
            v.check_int("scale_max", value, low=self.scale[0] + 1)

    def __attrs_post_init__(self) -> None:
        low, high = self.scale
        v.check_int("score", self.score, low=low, high=high)

    @property
    def scale(self) -> tuple[int, int]:
        """The lowest and highest allowed score for this response."""
        low, high = self.kind.default_scale
        return low, high if self.scale_max is None else self.scale_max


@frozen(kw_only=True)
class Lead:
    """A prospective customer not yet qualified into an opportunity.

    Attributes:
        id: Identifier of the lead.
        created_at: When it came in (timezone-aware).
        status: new, contacted, qualified, disqualified or converted.
        source: Where it came from (`"webinar"`, `"referral"`, ...).
        company: Organisation name.
        industry: Industry, free text.
        company_size: Number of employees.
        job_title: The contact's role, e.g. for decision level.
        email: E-mail address, as given.

    Examples:
        >>> from datetime import datetime, timezone
        >>> lead = Lead(id="l1", created_at=datetime(2025, 1, 5, tzinfo=timezone.utc),
        ...             source="webinar", company_size=250)
        >>> lead.status
        <LeadStatus.NEW: 'new'>
    """

    id: str = field(validator=_text)
    created_at: datetime = field(validator=_aware)
    status: LeadStatus = field(default=LeadStatus.NEW, converter=_lead_status)
    source: str | None = field(default=None, validator=_optional_text)
    company: str | None = field(default=None, validator=_optional_text)
    industry: str | None = field(default=None, validator=_optional_text)
    company_size: int | None = field(default=None)
    job_title: str | None = field(default=None, validator=_optional_text)
    email: str | None = field(default=None, validator=_optional_text)

    @company_size.validator
    def _check_company_size(self, _: attrs.Attribute[int | None], value: object) -> None:
        if value is not None:
            v.check_int("company_size", value, low=1)


@frozen(kw_only=True)
class Opportunity:
    """A deal in the sales pipeline.

    An open deal has neither *closed_at* nor *won*; a closed one has both.

    Attributes:
        id: Identifier of the deal.
        customer_id: The account it is with.
        stage: Current pipeline stage name, as your pipeline defines it.
        amount: Expected deal value.
        created_at: When the deal was opened (timezone-aware).
        expected_close: The date it is expected to close.
        closed_at: When it closed (timezone-aware), if it has.
        won: Whether it was won, once closed.

    Raises:
        InvalidInputError: If only one of *closed_at* and *won* is given, or
            the deal closed before it was created.

    Examples:
        >>> from datetime import date, datetime, timezone
        >>> deal = Opportunity(id="d1", customer_id="c1", stage="proposal",
        ...                    amount=Money("50000", "CNY"),
        ...                    created_at=datetime(2025, 1, 5, tzinfo=timezone.utc),
        ...                    expected_close=date(2025, 3, 31))
        >>> deal.is_open
        True
    """

    id: str = field(validator=_text)
    customer_id: str = field(validator=_text)
    stage: str = field(validator=_text)
    amount: Money = field(validator=_money)
    created_at: datetime = field(validator=_aware)
    expected_close: date | None = field(default=None, validator=_optional_date)
    closed_at: datetime | None = field(default=None, validator=_optional_aware)
    won: bool | None = field(default=None, validator=_optional_bool)

    def __attrs_post_init__(self) -> None:
        if (self.closed_at is None) != (self.won is None):
            v.fail(
                "won",
                "given with 'closed_at' (both for a closed deal, neither for an open one)",
                self.won,
            )
        if self.closed_at is not None and self.closed_at < self.created_at:
            v.fail("closed_at", f"at or after created_at ({self.created_at})", self.closed_at)

    @property
    def is_open(self) -> bool:
        """Whether the deal is still open."""
        return self.closed_at is None


@frozen(kw_only=True)
class Consent:
    """A customer's permission (or its withdrawal) for one purpose and channel.

    Attributes:
        customer_id: Whose consent.
        purpose: What it covers (`"marketing"`, `"profiling"`, ...).
        channel: Through which channel contact is allowed.
        status: `"granted"` or `"withdrawn"`.
        at: When it was given or withdrawn (timezone-aware).
        lawful_basis: The GDPR Article 6 basis, `"consent"` by default.
        source: Where it was recorded (`"signup_form"`, ...).

    Examples:
        >>> from datetime import datetime, timezone
        >>> c = Consent(customer_id="c1", purpose="marketing", channel="email",
        ...             status="granted", at=datetime(2025, 1, 5, tzinfo=timezone.utc))
        >>> c.is_granted, c.lawful_basis
        (True, <LawfulBasis.CONSENT: 'consent'>)
    """

    customer_id: str = field(validator=_text)
    purpose: str = field(validator=_text)
    channel: Channel = field(converter=_required_channel)
    status: ConsentStatus = field(converter=_consent_status)
    at: datetime = field(validator=_aware)
    lawful_basis: LawfulBasis = field(default=LawfulBasis.CONSENT, converter=_lawful_basis)
    source: str | None = field(default=None, validator=_optional_text)

    @property
    def is_granted(self) -> bool:
        """Whether this record grants (rather than withdraws) consent."""
        return self.status is ConsentStatus.GRANTED
