"""Regenerate the bundled retail sample (run by hand; the output is committed).

    python scripts/make_sample_data.py

The sample is simulated once and shipped as data so that it is identical on
every machine and numpy version; this script records exactly how.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from crmkit.datasets import (
    simulate_leads,
    simulate_pipeline,
    simulate_survey_responses,
    simulate_transactions,
)
from crmkit.datasets._sample import SAMPLE_PROGRAM, sample_transactions
from crmkit.loyalty import Ledger, balance, replay_events

SEED = 20250101
OUT = Path(__file__).parents[1] / "src" / "crmkit" / "datasets" / "data"


def main() -> None:
    txns = simulate_transactions(
        n_customers=5000, start=date(2023, 1, 1), end=date(2024, 12, 31), seed=SEED
    )
    # Whole seconds are enough for a retail log and keep the file small.
    at = txns.at.astype("datetime64[s]").astype(str)
    rows = zip(
        txns.customer_id.tolist(),
        at.tolist(),
        np.char.mod("%.2f", txns.amount).tolist(),
        txns.quantity.tolist(),
        txns.category.tolist(),
        txns.channel.tolist(),
        strict=True,
    )
    OUT.mkdir(parents=True, exist_ok=True)
    header = ["customer_id", "at", "amount", "quantity", "category", "channel"]
    write_csv("retail_transactions.csv.gz", header, rows)
    print(f"wrote {len(txns)} rows for {txns.n_customers} customers to {OUT}")
    write_surveys()
    write_pipeline()
    write_leads()
    write_loyalty()


def write_csv(name: str, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    # mtime=0 keeps the compressed bytes identical from run to run.
    with (
        gzip.GzipFile(OUT / name, "wb", mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_pipeline() -> None:
    history = simulate_pipeline(
        2000, start=date(2024, 1, 1), end=date(2024, 12, 31), seed=SEED + 5
    )
    deal = history.opportunity_index
    rows = zip(
        history.opportunity_ids[deal].tolist(),
        np.asarray(history.stages)[history.stage_code].tolist(),
        history.entered_at.astype("datetime64[s]").astype(str).tolist(),
        np.char.mod("%.2f", history.amount[deal]).tolist(),
        history.expected_close[deal].astype(str).tolist(),
        strict=True,
    )
    header = ["opportunity_id", "stage", "entered_at", "amount", "expected_close"]
    write_csv("retail_pipeline.csv.gz", header, rows)
    print(f"wrote {len(history)} stage entries of {history.n_opportunities} deals to {OUT}")


def write_leads() -> None:
    leads = simulate_leads(3000, seed=SEED + 6)
    rows = zip(*(column.tolist() for column in leads.values()), strict=True)
    write_csv("retail_leads.csv.gz", list(leads), rows)
    print(f"wrote {leads['won'].size} closed leads to {OUT}")


# NPS answers improve in the second half of 2024, so "is the change real?" has an answer.
NPS_FIRST_HALF = (0.03, 0.02, 0.02, 0.03, 0.04, 0.06, 0.08, 0.13, 0.17, 0.18, 0.24)
NPS_SECOND_HALF = (0.02, 0.01, 0.02, 0.02, 0.03, 0.05, 0.06, 0.12, 0.17, 0.21, 0.29)


def write_surveys() -> None:
    parts = [
        (
            "nps",
            simulate_survey_responses(
                600,
                kind="nps",
                shares=NPS_FIRST_HALF,
                start=date(2024, 1, 1),
                end=date(2024, 6, 30),
                n_customers=5000,
                seed=SEED + 1,
            ),
        ),
        (
            "nps",
            simulate_survey_responses(
                700,
                kind="nps",
                shares=NPS_SECOND_HALF,
                start=date(2024, 7, 1),
                end=date(2024, 12, 31),
                n_customers=5000,
                seed=SEED + 2,
            ),
        ),
        (
            "csat",
            simulate_survey_responses(
                800,
                kind="csat",
                start=date(2024, 1, 1),
                end=date(2024, 12, 31),
                n_customers=5000,
                seed=SEED + 3,
            ),
        ),
    ]
    rows: list[tuple[object, ...]] = []
    for kind, answers in parts:
        # The sample's customer ids are zero-padded: C0001 ... C5000.
        ids = np.char.add("C", np.char.zfill(np.char.lstrip(answers.customer_id, "C"), 4))
        at = answers.at.astype("datetime64[s]").astype(str)
        rows += zip(
            [kind] * len(answers), ids.tolist(), at.tolist(), answers.score.tolist(), strict=True
        )
    write_csv("retail_surveys.csv.gz", ["kind", "customer_id", "at", "score"], rows)
    print(f"wrote {sum(len(a) for _, a in parts)} survey answers to {OUT}")


def write_loyalty() -> None:
    """The sample's points log: an earn per purchase, retries, refunds and redemptions."""
    txns, program = sample_transactions(), SAMPLE_PROGRAM
    rng = np.random.default_rng(SEED + 7)
    end = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
    rows: list[tuple[object, ...]] = []
    starts = np.searchsorted(txns.customer_index, np.arange(txns.n_customers + 1))
    for member_index in range(txns.n_customers):
        member = str(txns.customer_ids[member_index])
        plans = []
        for row in range(starts[member_index], starts[member_index + 1]):
            at = txns.at[row].astype("datetime64[us]").item().replace(tzinfo=UTC)
            key = f"{member}-{row - starts[member_index] + 1}"
            amount = f"{txns.amount[row]:.2f}"
            earn_row = (member, "earn", key, at, amount, 0, "", str(txns.category[row]))
            plans.append(earn_row)
            if rng.random() < 0.03:  # the order system sent the event twice
                plans.append(earn_row)
            if rng.random() < 0.04:  # a refund, in full or half
                refund_at = at + timedelta(days=int(rng.integers(1, 21)))
                refunded = amount if rng.random() < 0.5 else f"{float(amount) / 2:.2f}"
                plans.append((member, "reverse", f"{key}-refund", refund_at, refunded, 0, key, ""))
            if rng.random() < 0.3:  # a wish to redeem, sized at the time from the balance
                wish_at = at + timedelta(days=int(rng.integers(8, 60)))
                plans.append((member, "redeem", f"{key}-redeem", wish_at, "", 0, "", ""))
        ledger = Ledger.empty(member)
        for plan in sorted(plans, key=lambda item: item[3]):
            if plan[3] > end:
                continue
            if plan[1] == "redeem":
                available = balance(ledger, as_of=plan[3]).available
                if available < 200:
                    continue
                plan = (*plan[:5], 100 * (available // 200), *plan[6:])
            ledger = replay_events(program, _columns([plan]), ledgers={member: ledger})[member]
            rows.append(plan)
    rows = [(m, k, key, at.isoformat(), a, p, o, c) for m, k, key, at, a, p, o, c in rows]
    header = ["member_id", "kind", "key", "at", "amount", "points", "original_key", "category"]
    write_csv("retail_loyalty.csv.gz", header, rows)
    print(f"wrote {len(rows)} loyalty events to {OUT}")


def _columns(rows: list[tuple[object, ...]]) -> dict[str, list[object]]:
    names = ["member_id", "kind", "key", "at", "amount", "points", "original_key", "category"]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    columns["amount"] = [float(a) if a else float("nan") for a in columns["amount"]]
    columns["at"] = [at.isoformat() for at in columns["at"]]  # type: ignore[attr-defined]
    return columns


if __name__ == "__main__":
    main()
