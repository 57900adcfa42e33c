"""The `crmkit` command: demo, report on a user's file, one-line errors with status 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import crmkit
from crmkit.cli import main

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
