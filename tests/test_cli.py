"""The `crmkit` command: demo, report on a user's file, one-line errors with status 2."""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit.cli import main
from crmkit.datasets import Sample
from crmkit.lifecycle import SALES_PIPELINE
from crmkit.loyalty import balance, replay_events

CSV = (
    "customer_id,at,amount\n"
    "a,2024-01-01T10:00:00+08:00,10.50\n"
    "a,2024-02-01T00:00:00+00:00,20\n"
    "b,2024-01-15T00:00:00Z,5\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


class TestDemo:
    def test_demo_prints_the_data_overview_of_the_sample(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo reports 5,000 customers and 20,680 transactions as of 2024-12-31."""
        status, out, err = run(capsys, "demo")

        assert (0, "") == (status, err)
        assert "crmkit demo: retail sample (as of 2024-12-31)" in out
        assert "customers               5,000" in out
        assert "transactions            20,680" in out
        assert "revenue                 5,044,238.02 CNY" in out

    def test_demo_prints_the_segments_section(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Every standard segment is listed, with the Pareto share, Gini and B2C counts."""
        _, out, _ = run(capsys, "demo")
        section = out.split("Segments (RFM, standard scheme)\n", 1)[1]

        for name in ("Champions", "Can't Lose Them", "Lost"):
            assert f"  {name} " in section
        assert "Champions                  907 customers  18.1%   revenue  44.7%" in section
        assert "top 20% of customers    hold 60.3% of revenue" in section
        assert "B2C rules               high_value 15, churn_risk 712, new 614" in section

    def test_demo_prints_survey_and_retention_sections(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """NPS with its interval and the half-year change, CSAT, the cohort head and KM."""
        _, out, _ = run(capsys, "demo")

        assert "  NPS                     +18.8 (95% CI +14.4 to +23.2, n=1,300)" in out
        assert "  NPS, 2nd vs 1st half    +16.1 points (p < 0.001)" in out
        assert "  CSAT                    67.9% satisfied (95% CI 64.6% to 71.0%, n=800)" in out
        assert "  2023-01 (225)           100.0%   27.1%   28.0%   22.7%" in out
        assert "  12-month retention      15.0% of customers" in out
        assert "  active after 1 year     54.1% (Kaplan-Meier" in out

    def test_demo_prints_the_lifecycle_section(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Stage counts (they add up to the 5,000 customers) and the intervention plan."""
        _, out, _ = run(capsys, "demo")
        section = out.split("Lifecycle\n", 1)[1].split("\n\n", 1)[0]

        assert "  new                     562 customers" in section
        assert "  churned                 1,854 customers" in section
        assert "  at-risk high-value      328 " in section
        assert "personal_call 328" in section

    def test_report_without_surveys_says_so(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A transaction file has no survey answers; the section says so rather than failing."""
        path = tmp_path / "orders.csv"
        path.write_text(CSV, encoding="utf-8")

        status, out, _ = run(capsys, "report", str(path))

        assert 0 == status
        assert "  NPS                     no survey answers" in out

    def test_demo_as_of_restricts_the_data(self, capsys: pytest.CaptureFixture[str]) -> None:
        """As of the end of 2023 only the first year's customers count."""
        status, out, _ = run(capsys, "demo", "--as-of", "2023-12-31")

        assert 0 == status
        assert "date range              2023-01-01 to 2023-12-31" in out

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """`--version` prints the installed version and exits 0."""
        with pytest.raises(SystemExit) as exit_info:
            main(["--version"])

        assert 0 == exit_info.value.code
        assert f"crmkit {crmkit.__version__}\n" == capsys.readouterr().out


class TestReport:
    def test_csv_report_with_named_columns(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Three rows of two customers: revenue 35.50, as of the last purchase day."""
        path = tmp_path / "orders.csv"
        path.write_text(CSV.replace("customer_id", "cust"), encoding="utf-8")

        status, out, _ = run(
            capsys, "report", str(path), "--customer-id", "cust", "--currency", "usd"
        )

        assert 0 == status
        assert "(as of 2024-02-01)" in out
        assert "customers               2" in out
        assert "revenue                 35.50 USD" in out

    def test_parquet_report(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A Parquet file is read through pyarrow."""
        path = tmp_path / "orders.parquet"
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "at": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
                "amount": [1.0, 2.0],
            }
        ).to_parquet(path)

        status, out, _ = run(capsys, "report", str(path))

        assert 0 == status
        assert "transactions            2" in out

    def test_an_as_of_before_every_purchase_says_so(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Nothing on or before as_of is reported, not an error."""
        path = tmp_path / "orders.csv"
        path.write_text(CSV, encoding="utf-8")

        status, out, _ = run(capsys, "report", str(path), "--as-of", "2020-01-01")

        assert 0 == status
        assert "none on or before 2020-01-01" in out

    @pytest.mark.parametrize(
        ("content", "argv", "message"),
        [
            (None, [], "cannot read '{path}': no such file"),
            (CSV, ["--amount", "total"], "has no column 'total' (given by --amount)"),
            (
                CSV.replace("10.50", "ten"),
                [],
                "{path}: 'amount' must be numbers; got 'ten' at index 0 (1 of 3 rows)"
                " (line 2 of the file)",
            ),
            (
                CSV.replace("2024-02-01T00:00:00+00:00", "someday"),
                [],
                "'at' must be datetimes or ISO 8601 timestamps; got 'someday' at index 1",
            ),
            (
                CSV.replace("2024-02-01T00:00:00+00:00", "2024-02-01"),
                [],
                "'at' must be all timezone-aware or all naive (not mixed); got '2024-02-01'",
            ),
            (
                CSV.replace("\nb,", "\n,"),
                [],
                "'customer_id' must be non-empty strings; got '' at index 2",
            ),
            (CSV + "c\n", [], "line 5 has no 'at' value"),
            (
                "customer_id,at,amount\n",
                [],
                "'path' must be a file with at least one transaction; got no rows",
            ),
            (CSV, ["--currency", "dollars"], "'currency' must be a three-letter ISO 4217 code"),
        ],
    )
    def test_bad_files_give_one_line_and_status_two(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        content: str | None,
        argv: list[str],
        message: str,
    ) -> None:
        """Every bad file or column is one line on stderr naming it, exit status 2."""
        path = tmp_path / "orders.csv"
        if content is not None:
            path.write_text(content, encoding="utf-8")

        status, out, err = run(capsys, "report", str(path), *argv)

        assert (2, "") == (status, out)
        assert 1 == len(err.strip().splitlines())
        assert err.startswith("crmkit: error: ")
        assert message.format(path=path) in err

    def test_a_bad_as_of_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """argparse refuses an impossible date with status 2."""
        with pytest.raises(SystemExit) as exit_info:
            main(["demo", "--as-of", "2024-13-01"])

        assert 2 == exit_info.value.code
        assert (
            "'--as-of' must be a date such as 2024-12-31; got '2024-13-01'"
            in capsys.readouterr().err
        )


def pipeline_section(out: str) -> str:
    """The report's "Sales pipeline" block, without its title."""
    return out.split("Sales pipeline\n", 1)[1].split("\n\n", 1)[0]


def open_deals(sample: Sample, as_of: date) -> int:
    """The sample's deals open at the end of *as_of*."""
    return int(sample.pipeline_history.until(as_of).is_open.sum())


@pytest.fixture(scope="module")
def demo_output() -> str:
    """`crmkit demo`'s output, run once for the pipeline tests (it takes a few seconds)."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert 0 == main(["demo"])
    return out.getvalue()


class TestPipelineSection:
    def test_demo_counts_the_open_deals_of_the_sample(
        self, demo_output: str, sample: Sample
    ) -> None:
        """The section's open-deal count is the sample's deals still open on 2024-12-31."""
        section = pipeline_section(demo_output)

        expected = open_deals(sample, date(2024, 12, 31))
        assert f"  open deals              {expected:,}, " in section

    def test_one_row_per_open_stage_adding_up_to_the_open_deals(
        self, demo_output: str, sample: Sample
    ) -> None:
        """Each open stage of SALES_PIPELINE has one row, won and lost none; the rows'
        deal counts add up to the open deals."""
        lines = pipeline_section(demo_output).splitlines()

        counts = {
            stage: [
                int(found.group(1))
                for line in lines
                if (found := re.match(rf"  {stage} +(\d+) deals, ", line))
            ]
            for stage in SALES_PIPELINE.stages
        }
        assert [1, 1, 1, 1, 0, 0] == [len(found) for found in counts.values()]
        assert open_deals(sample, date(2024, 12, 31)) == sum(
            sum(found) for found in counts.values()
        )

    def test_next_quarter_range_is_ordered(self, demo_output: str) -> None:
        """Revenue won by the end of the next quarter (2025-03-31) has P10 <= P50 <= P90."""
        section = pipeline_section(demo_output)

        found = re.search(
            r"  won by 2025-03-31 +P10 ([\d,]+), P50 ([\d,]+), P90 ([\d,]+) \(", section
        )
        assert found is not None
        p10, p50, p90 = (float(text.replace(",", "")) for text in found.groups())
        assert 0 < p10 <= p50 <= p90

    def test_a_transactions_report_has_no_pipeline_section(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A user's transaction file has no deals: the section is left out."""
        path = tmp_path / "orders.csv"
        path.write_text(CSV, encoding="utf-8")

        status, out, _ = run(capsys, "report", str(path))

        assert 0 == status
        assert "Sales pipeline" not in out
        assert "open deals" not in out

    def test_demo_as_of_mid_year_still_has_the_section(
        self, capsys: pytest.CaptureFixture[str], sample: Sample
    ) -> None:
        """As of 2024-06-30 the deals open then are counted, and the range runs to the end
        of the next quarter, 2024-09-30."""
        status, out, _ = run(capsys, "demo", "--as-of", "2024-06-30")
        section = pipeline_section(out)

        assert 0 == status
        assert f"  open deals              {open_deals(sample, date(2024, 6, 30)):,}, " in section
        assert "  won by 2024-09-30       P10 " in section

    def test_demo_as_of_before_every_deal_says_so_in_words(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """As of 2023-12-31 no deal exists yet: the report still runs, and the section
        tells the reader so rather than printing a Python repr of the date."""
        status, out, _ = run(capsys, "demo", "--as-of", "2023-12-31")
        section = pipeline_section(out)

        assert 0 == status
        assert "datetime.date(" not in section


def loyalty_section(out: str) -> str:
    """The report's "Loyalty points" block, without its title."""
    return out.split("\nLoyalty points\n", 1)[1].split("\n\n", 1)[0].rstrip("\n")


def loyalty_log_until(sample: Sample, as_of: date) -> tuple[dict[str, Any], datetime]:
    """The sample's loyalty events up to the end of *as_of* in the program's timezone (the
    report's cut), and that moment."""
    program = sample.loyalty_program
    moment = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=program.zone)
    events = sample.loyalty_events
    keep = np.array([datetime.fromisoformat(at) < moment for at in events["at"].tolist()])
    return {name: np.asarray(column)[keep] for name, column in events.items()}, moment


def number(text: str) -> int:
    return int(text.replace(",", ""))


class TestLoyaltySection:
    def test_members_per_tier_add_up_to_the_members_in_the_log(
        self, demo_output: str, sample: Sample
    ) -> None:
        """One count per tier of the sample program, lowest first, adding up to the members
        with an event in the loyalty log up to 2024-12-31 (Asia/Shanghai)."""
        events, _ = loyalty_log_until(sample, date(2024, 12, 31))
        found = re.search(r"^  members per tier +(.+)$", loyalty_section(demo_output), re.M)

        assert found is not None
        counts = [part.rsplit(" ", 1) for part in found.group(1).split(", ")]
        assert [tier.name for tier in sample.loyalty_program.tiers] == [name for name, _ in counts]
        assert len(set(events["member_id"].tolist())) == sum(number(n) for _, n in counts)

    def test_outstanding_points_are_available_and_pending_of_the_replayed_ledgers(
        self, demo_output: str, sample: Sample
    ) -> None:
        """Outstanding points are, over the ledgers replayed from the log up to 2024-12-31,
        the available points (an overdraft counting 0) plus the pending ones."""
        events, moment = loyalty_log_until(sample, date(2024, 12, 31))
        ledgers = replay_events(sample.loyalty_program, events)
        balances = [balance(ledger, as_of=moment) for ledger in ledgers.values()]
        expected = sum(max(b.available, 0) + b.pending for b in balances)

        assert (
            f"  outstanding points      {expected:,} (available and pending)"
            in loyalty_section(demo_output)
        )

    def test_breakage_line_and_the_liability_it_implies(self, demo_output: str) -> None:
        """The breakage line gives the estimated rate and the ultimate redemption rate
        (adding up to 100%); the liability is outstanding x (1 - breakage) x 0.01 CNY, up to
        the rounding of the printed rate (0.05 points of a percent) and of the yuan."""
        section = loyalty_section(demo_output)
        rate = re.search(
            r"^  breakage +(\d+\.\d)% \(ultimate redemption (\d+\.\d)% \+- \d+\.\d%, "
            r"from (\d+) cohort-months\)$",
            section,
            re.M,
        )
        points = re.search(r"^  outstanding points +([\d,]+) ", section, re.M)
        owed = re.search(r"^  liability +([\d,]+) CNY at 0.01 CNY a point$", section, re.M)

        assert rate is not None
        assert points is not None
        assert owed is not None
        breakage, ultimate = float(rate.group(1)), float(rate.group(2))
        assert 100.0 == pytest.approx(breakage + ultimate, abs=0.1)
        assert 0 < int(rate.group(3))
        outstanding = number(points.group(1))
        low = outstanding * (1 - (breakage + 0.05) / 100) * 0.01 - 0.5
        high = outstanding * (1 - (breakage - 0.05) / 100) * 0.01 + 0.5
        assert low <= number(owed.group(1)) <= high

    def test_demo_as_of_before_every_loyalty_event_says_there_are_no_members(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """As of 2022-06-30 the loyalty log has not started: the section says there are no
        members rather than failing or leaving the section out."""
        status, out, _ = run(capsys, "demo", "--as-of", "2022-06-30")

        assert 0 == status
        assert "  members                 none on or before 2022-06-30" == loyalty_section(out)
