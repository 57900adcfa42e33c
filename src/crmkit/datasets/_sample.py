"""The bundled retail sample (private; public names in the package)."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Mapping
from datetime import date
from importlib.resources import files
from types import MappingProxyType
from typing import Any

import numpy as np
from attrs import cmp_using, field, frozen
from numpy.typing import NDArray

from crmkit._fields import arrays_equal
from crmkit.funnel import StageHistory
from crmkit.lifecycle import SALES_PIPELINE
from crmkit.loyalty import STANDARD_TIERS, Expiry, Program
from crmkit.surveys import SurveyResponses
from crmkit.transactions import Transactions

__all__ = ["Sample", "load_sample"]

_TRANSACTIONS_FILE = "retail_transactions.csv.gz"
_SURVEYS_FILE = "retail_surveys.csv.gz"
_PIPELINE_FILE = "retail_pipeline.csv.gz"
_LEADS_FILE = "retail_leads.csv.gz"
_LOYALTY_FILE = "retail_loyalty.csv.gz"

SAMPLE_PROGRAM = Program(
    currency="CNY",
    name="retail points",
    timezone="Asia/Shanghai",
    points_per_unit=1,
    category_multipliers={"beauty": 2},
    expiry=Expiry(kind="months", months=12, round_to="month_end"),
    pending_days=7,
    tiers=STANDARD_TIERS,
)
"""The sample shop's points program: 1 point per CNY (2 on beauty), points
usable after 7 days and expiring at the end of the month a year after earning,
the standard tier ladder on points earned per calendar year."""


def _same_columns(a: Mapping[str, NDArray[Any]], b: Mapping[str, NDArray[Any]]) -> bool:
    return list(a) == list(b) and all(arrays_equal(a[name], b[name]) for name in a)


@frozen(kw_only=True)
class Sample:
    """The bundled retail sample: what the demo, the docs and the tests share.

    Attributes:
        transactions: About 5,000 customers' purchases, 2023-01-01 to
            2024-12-31, in CNY.
        nps_responses: 1,300 NPS answers from 2024 (600 in the first half,
            700 in the second, when the answers improve).
        csat_responses: 800 CSAT answers (1-5) from 2024.
        start: First day of the sample period.
        end: Last day of the sample period (the natural `as_of`).
        currency: Currency of every amount.
        pipeline_history: 2,000 deals created in 2024 walking
            `crmkit.lifecycle.SALES_PIPELINE`, with amounts and expected
            close dates; the ones still moving on 2024-12-31 are open.
        leads: 3,000 closed leads: `lead_id, company_size, industry,
            decision_level, site_visits, downloads, email_opens, stage`
            (where each closed) and `won`, one array per column.
        loyalty_program: The shop's points program (`SAMPLE_PROGRAM`).
        loyalty_events: The points log of the sample's purchases, for
            `crmkit.loyalty.replay_events`: an earn per purchase (some
            retried), refunds, and redemptions; columns `member_id, kind,
            key, at, amount, points, original_key, category`.

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> sample = load_sample()
        >>> sample.start, sample.end, sample.currency
        (datetime.date(2023, 1, 1), datetime.date(2024, 12, 31), 'CNY')
    """

    transactions: Transactions
    nps_responses: SurveyResponses
    csat_responses: SurveyResponses
    start: date
    end: date
    currency: str
    pipeline_history: StageHistory
    leads: Mapping[str, NDArray[Any]] = field(eq=cmp_using(eq=_same_columns), hash=False)
    loyalty_program: Program = SAMPLE_PROGRAM
    loyalty_events: Mapping[str, NDArray[Any]] = field(
        factory=dict, eq=cmp_using(eq=_same_columns), hash=False
    )


def load_sample() -> Sample:
    """Load the bundled retail sample (deterministic; no network access).

    The data were simulated once by `scripts/make_sample_data.py` with
    [`simulate_transactions`][crmkit.datasets.simulate_transactions] (5,000 customers, seed
    20250101, default BG/NBD and Gamma-Gamma parameters) and are shipped as a
    compressed CSV, so they are identical on every machine and numpy version.
    Timestamps are UTC; amounts are CNY with two decimals. The survey answers
    were simulated the same way with
    [`simulate_survey_responses`][crmkit.datasets.simulate_survey_responses]
    (seeds 20250102-20250104), the pipeline history with
    [`simulate_pipeline`][crmkit.datasets.simulate_pipeline] (2,000 deals in
    2024, seed 20250106) and the leads with
    [`simulate_leads`][crmkit.datasets.simulate_leads] (3,000, seed 20250107).

    Returns:
        The sample; each call reads the file afresh.

    Examples:
        >>> from crmkit.datasets import load_sample
        >>> txns = load_sample().transactions
        >>> txns.n_customers
        5000
        >>> txns.currency, str(txns.at.min())[:10], str(txns.at.max())[:10]
        ('CNY', '2023-01-01', '2024-12-31')
        >>> load_sample().nps_responses
        SurveyResponses(kind='nps', scale=(0, 10), n_responses=1300)
    """
    transactions = sample_transactions()
    surveys = _read_columns(_SURVEYS_FILE)
    return Sample(
        transactions=transactions,
        nps_responses=_survey(surveys, "nps"),
        csat_responses=_survey(surveys, "csat"),
        start=date(2023, 1, 1),
        end=date(2024, 12, 31),
        currency="CNY",
        pipeline_history=_pipeline_history(_read_columns(_PIPELINE_FILE)),
        leads=_leads(_read_columns(_LEADS_FILE)),
        loyalty_events=_loyalty_events(_read_columns(_LOYALTY_FILE)),
    )


def sample_transactions() -> Transactions:
    """The sample's purchases alone (what the other sample files were made from)."""
    columns = _read_columns(_TRANSACTIONS_FILE)
    return Transactions.from_arrays(
        customer_id=np.array(columns["customer_id"], dtype=np.str_),
        at=np.array(columns["at"], dtype="datetime64[us]"),
        amount=np.array(columns["amount"], dtype=np.float64),
        quantity=np.array(columns["quantity"], dtype=np.int64),
        category=np.array(columns["category"], dtype=np.str_),
        channel=np.array(columns["channel"], dtype=np.str_),
        currency="CNY",
    )


def _pipeline_history(columns: dict[str, NDArray[np.str_]]) -> StageHistory:
    return StageHistory.from_arrays(
        opportunity_id=columns["opportunity_id"],
        stage=columns["stage"],
        entered_at=columns["entered_at"].astype("datetime64[us]"),
        pipeline=SALES_PIPELINE,
        amount=columns["amount"].astype(np.float64),
        expected_close=columns["expected_close"].astype("datetime64[D]"),
    )


def _loyalty_events(columns: dict[str, NDArray[np.str_]]) -> Mapping[str, NDArray[Any]]:
    events: dict[str, NDArray[Any]] = dict(columns)
    events["amount"] = np.array(
        [float(x) if x else np.nan for x in columns["amount"].tolist()], dtype=np.float64
    )
    events["points"] = columns["points"].astype(np.int64)
    for values in events.values():
        values.setflags(write=False)
    return MappingProxyType(events)


def _leads(columns: dict[str, NDArray[np.str_]]) -> Mapping[str, NDArray[Any]]:
    leads: dict[str, NDArray[Any]] = dict(columns)
    for name in ("site_visits", "downloads", "email_opens"):
        leads[name] = columns[name].astype(np.int64)
    leads["won"] = columns["won"] == "True"
    for values in leads.values():
        values.setflags(write=False)
    return MappingProxyType(leads)


def _read_columns(name: str) -> dict[str, NDArray[np.str_]]:
    resource = files(__package__).joinpath("data", name)
    with (
        resource.open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8", newline="") as handle,
    ):
        reader = csv.reader(handle)
        header = next(reader)
        columns = zip(header, zip(*reader, strict=True), strict=True)
        return {column: np.array(values, dtype=np.str_) for column, values in columns}


def _survey(columns: dict[str, NDArray[np.str_]], kind: str) -> SurveyResponses:
    rows = columns["kind"] == kind
    return SurveyResponses.from_arrays(
        kind=kind,
        customer_id=columns["customer_id"][rows],
        at=columns["at"][rows].astype("datetime64[us]"),
        score=columns["score"][rows].astype(np.int64),
    )
