"""Regenerate the bundled retail sample (run by hand; the output is committed).

    python scripts/make_sample_data.py

The sample is simulated once and shipped as data so that it is identical on
every machine and numpy version; this script records exactly how.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path

import numpy as np

from crmkit.datasets import simulate_transactions

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
    # mtime=0 keeps the compressed bytes identical from run to run.
    with (
        gzip.GzipFile(OUT / "retail_transactions.csv.gz", "wb", mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer_id", "at", "amount", "quantity", "category", "channel"])
        writer.writerows(rows)
    print(f"wrote {len(txns)} rows for {txns.n_customers} customers to {OUT}")


if __name__ == "__main__":
    main()
