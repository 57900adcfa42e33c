"""Seeded simulators of customer behaviour (private; public names in the package)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crmkit import _validation as v
from crmkit.models import SurveyKind
from crmkit.surveys import SurveyResponses
from crmkit.transactions import Transactions

__all__ = ["simulate_survey_responses", "simulate_transactions"]

_MICROSECONDS_PER_DAY = 86_400_000_000
_CATEGORIES = ("apparel", "beauty", "electronics", "grocery", "home")
_CATEGORY_SHARES = (0.25, 0.15, 0.10, 0.35, 0.15)
_CHANNELS = ("app", "in_store", "web")
_CHANNEL_SHARES = (0.40, 0.35, 0.25)
# Answer shares per score of a typical, mildly positive survey population.
_DEFAULT_SHARES = {
    SurveyKind.NPS: (0.02, 0.01, 0.02, 0.03, 0.03, 0.06, 0.07, 0.12, 0.18, 0.20, 0.26),
    SurveyKind.CSAT: (0.05, 0.08, 0.17, 0.38, 0.32),
    SurveyKind.CES: (0.03, 0.05, 0.09, 0.16, 0.25, 0.24, 0.18),
}


def simulate_transactions(
    n_customers: int = 1000,
    *,
    start: date = date(2023, 1, 1),
    end: date = date(2024, 12, 31),
    seed: int | np.random.Generator | None = None,
    r: float = 0.9,
    alpha: float = 60.0,
    a: float = 0.6,
    b: float = 3.0,
    spend_p: float = 6.0,
    spend_q: float = 4.0,
    spend_gamma: float = 120.0,
    currency: str = "CNY",
) -> Transactions:
    """Simulate purchases from a BG/NBD process with Gamma-Gamma spend.

    Each customer makes a first purchase at a uniformly random time between
    *start* and *end*. While alive, they buy as a Poisson process with a rate
    drawn from Gamma(*r*, rate *alpha*) per day; after each repeat purchase they
    drop out with a probability drawn from Beta(*a*, *b*). Each purchase's
    amount is drawn from Gamma(*spend_p*, rate nu), with nu drawn once per
    customer from Gamma(*spend_q*, rate *spend_gamma*), and rounded to cents.
    Every row also gets a category, a channel and a quantity.

    With the defaults a customer buys about 5.5 times a year while alive and
    spends about 240 per purchase.

    Args:
        n_customers: Number of customers, at least 1.
        start: First day a customer can make their first purchase.
        end: Last day of the simulated period (inclusive, UTC).
        seed: Seed or generator; the same seed gives the same data.
        r: Shape of the purchase-rate distribution.
        alpha: Rate of the purchase-rate distribution, in days.
        a: First shape of the dropout-probability distribution.
        b: Second shape of the dropout-probability distribution.
        spend_p: Shape of each purchase's amount.
        spend_q: Shape of the customers' spend-rate distribution.
        spend_gamma: Rate of the customers' spend-rate distribution.
        currency: ISO 4217 code recorded on the result.

    Returns:
        The purchases, sorted by customer and time. Customer ids are `C` plus a
        zero-padded number.

    Raises:
        InvalidInputError: If a count or parameter is out of range or *end* is
            before *start*.

    Examples:
        >>> from crmkit.datasets import simulate_transactions
        >>> sim = simulate_transactions(n_customers=100, seed=7)
        >>> sim.n_customers, sim.currency
        (100, 'CNY')
        >>> sim == simulate_transactions(n_customers=100, seed=7)
        True

    References:
        Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way:
        An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
        Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for
        Customer Base Analysis", Journal of Marketing Research 42(4).
    """
    n = v.check_int("n_customers", n_customers, low=1)
    first, last = _period(start, end)
    for name, value in {
        "r": r,
        "alpha": alpha,
        "a": a,
        "b": b,
        "spend_p": spend_p,
        "spend_q": spend_q,
        "spend_gamma": spend_gamma,
    }.items():
        v.check_float(name, value, low=0.0, low_open=True)
    rng = v.random_generator("seed", seed)
    span_days = (last - first) / np.timedelta64(_MICROSECONDS_PER_DAY, "us")
    customer, day = _purchase_days(rng, n, span_days, r=r, alpha=alpha, a=a, b=b)
    nu = rng.gamma(spend_q, 1.0 / spend_gamma, size=n)
    amount = np.round(rng.gamma(spend_p, 1.0, size=day.size) / nu[customer], 2)
    at = first + (day * _MICROSECONDS_PER_DAY).astype("timedelta64[us]")
    width = len(str(n))
    labels = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(np.str_), width))
    return Transactions.from_arrays(
        customer_id=labels[customer],
        at=at,
        amount=np.maximum(amount, 0.01),
        quantity=1 + rng.poisson(0.4, size=day.size),
        category=_pick(rng, _CATEGORIES, _CATEGORY_SHARES, day.size),
        channel=_pick(rng, _CHANNELS, _CHANNEL_SHARES, day.size),
        currency=currency,
    )


def _purchase_days(
    rng: np.random.Generator, n: int, span: float, *, r: float, alpha: float, a: float, b: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    # One vectorised step per purchase round (not per customer or row): every
    # customer still alive draws their next gap at once.
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    now = rng.uniform(0.0, span, size=n)
    customers, days = [np.arange(n)], [now.copy()]
    alive = np.arange(n)
    while alive.size:
        now[alive] += rng.exponential(1.0, size=alive.size) / rate[alive]
        alive = alive[now[alive] <= span]
        customers.append(alive)
        days.append(now[alive].copy())
        alive = alive[rng.uniform(size=alive.size) >= dropout[alive]]
    return np.concatenate(customers), np.concatenate(days)


def simulate_survey_responses(
    n_responses: int = 500,
    *,
    kind: SurveyKind | str = "nps",
    shares: Sequence[float] | None = None,
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    n_customers: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> SurveyResponses:
    """Simulate answers to an NPS, CSAT or CES question.

    Scores are drawn independently with the given share per score, at uniformly
    random times between *start* and the end of *end*, from customers `C1`,
    `C2`, ... (each answers at most once when *n_customers* is at least
    *n_responses*).

    Args:
        n_responses: Number of answers, at least 1.
        kind: `"nps"` (0-10), `"csat"` (1-5) or `"ces"` (1-7).
        shares: Probability of each score from the bottom of the scale up; they
            must be non-negative and sum to 1. The default is a mildly positive
            population (NPS about +25).
        start: First day of the survey period.
        end: Last day of the survey period (inclusive, UTC).
        n_customers: Size of the customer base answering; defaults to
            *n_responses*.
        seed: Seed or generator; the same seed gives the same answers.

    Returns:
        The answers, in time order.

    Raises:
        InvalidInputError: If *shares* has the wrong length or does not sum to 1,
            or a count is out of range.

    Examples:
        >>> from crmkit.datasets import simulate_survey_responses
        >>> r = simulate_survey_responses(200, kind="csat", seed=1)
        >>> r.n_responses, r.scale, int(r.score.min()) >= 1
        (200, (1, 5), True)
    """
    n = v.check_int("n_responses", n_responses, low=1)
    survey = v.enum_value(SurveyKind, "kind", kind)
    low, high = survey.default_scale
    probabilities = _shares(shares, survey, high - low + 1)
    base = n if n_customers is None else v.check_int("n_customers", n_customers, low=1)
    first, last = _period(start, end)
    rng = v.random_generator("seed", seed)
    scores = low + rng.choice(high - low + 1, size=n, p=probabilities)
    who = rng.choice(base, size=n, replace=base < n) + 1
    span = int((last - first) / np.timedelta64(1, "us"))
    at = np.sort(first + rng.integers(0, span, size=n).astype("timedelta64[us]"))
    return SurveyResponses.from_arrays(
        kind=survey, customer_id=np.char.add("C", who.astype(np.str_)), at=at, score=scores
    )


def _shares(shares: Sequence[float] | None, kind: SurveyKind, size: int) -> NDArray[np.float64]:
    if shares is None:
        return np.asarray(_DEFAULT_SHARES[kind], dtype=np.float64) / sum(_DEFAULT_SHARES[kind])
    probabilities = v.float_array("shares", shares, low=0.0)
    if probabilities.size != size:
        v.fail(
            "shares",
            f"{size} values, one per score on the {kind.value} scale",
            v.described(f"{probabilities.size} values"),
        )
    if not np.isclose(probabilities.sum(), 1.0):
        v.fail("shares", "probabilities summing to 1", float(probabilities.sum()))
    normalised: NDArray[np.float64] = probabilities / probabilities.sum()
    return normalised


def _period(start: Any, end: Any) -> tuple[np.datetime64, np.datetime64]:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, date) or isinstance(value, datetime):
            v.fail_type(name, "a date", value)
    if end < start:
        v.fail("end", f"on or after start ({start})", end)
    first = np.datetime64(start, "us")
    return first, np.datetime64(end, "us") + np.timedelta64(_MICROSECONDS_PER_DAY - 1, "us")


def _pick(
    rng: np.random.Generator, labels: tuple[str, ...], shares: tuple[float, ...], size: int
) -> NDArray[np.str_]:
    return np.asarray(labels)[rng.choice(len(labels), size=size, p=shares)]
