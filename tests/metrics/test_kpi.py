"""crmkit.metrics.kpi_report: the KPI framework from whichever inputs are given."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from crmkit import Transactions
from crmkit.datasets import Sample
from crmkit.errors import InvalidInputError, InvalidTypeError
from crmkit.metrics import KpiReport, kpi_report


def small_log() -> Transactions:
    """a buys in 2023 and 2024 (home, then beauty); b only in 2023; c is new in 2024."""
    return Transactions.from_arrays(
        customer_id=["a", "a", "a", "b", "c"],
        at=np.array(
            ["2023-03-01", "2024-03-01", "2024-11-01", "2023-05-01", "2024-12-20"],
            dtype="datetime64[us]",
        ),
        amount=[10.0, 30.0, 20.0, 40.0, 50.0],
        category=["home", "home", "beauty", "home", "home"],
        channel=["web", "web", "app", "web", "app"],
    )


class TestKpiReport:
    def test_hand_checked_kpis_on_a_small_log(self) -> None:
        """As of 2024-12-31: the year's buyers are a and c (revenue 30 + 20 + 50 = 100, ARPU 50);
        c is the only new customer (CAC 200 / 1); a bought home and beauty (cross-sell 1 of 2);
        of 2023's buyers a and b only a came back (retention 0.5); a and c bought within 90 days
        of the end and b did not (activity 2 / 3); web earned 30 on 60 of spend (0.5)."""
        report = kpi_report(
            transactions=small_log(),
            as_of=date(2024, 12, 31),
            marketing_spend=200.0,
            channel_spend={"web": 60.0},
        )

        assert 200.0 == report["CAC"]
        assert 50.0 == report["ARPU"]
        assert 0.5 == report["cross-sell rate"]
        assert 0.5 == report["retention rate"]
        assert 0.5 == report["churn rate"]
        assert 2 / 3 == report["activity rate"]
        assert 0.5 == report["channel efficiency: web"]
        assert 1.0 == report["penetration: home"]
        assert 0.5 == report["penetration: beauty"]

    def test_missing_inputs_are_listed_not_raised(self) -> None:
        """With only leads, one KPI is computed and the rest say what they need."""
        report = kpi_report(leads=200, converted_leads=30)

        assert 0.15 == report["lead conversion rate"]
        assert 6 == len(report.missing)
        assert any(line.startswith("NPS: needs nps_ratings") for line in report.missing)

    def test_survey_kpis(self) -> None:
        """Two promoters and one detractor of three: NPS +33.3; CSAT 2 of 3 in the top box."""
        report = kpi_report(nps_ratings=[10, 9, 3], csat_ratings=[5, 4, 2])

        assert round(100 / 3, 6) == round(report["NPS"], 6)
        assert 2 / 3 == report["CSAT"]

    def test_cac_is_missing_when_the_year_has_no_new_customers(self) -> None:
        """As of mid-2026 the year holds no purchase, so nobody is new: CAC is listed as
        missing (and so is ARPU) instead of dividing by zero."""
        log = small_log()
        report = kpi_report(transactions=log, as_of=date(2026, 6, 30), marketing_spend=10.0)

        assert not any(k.name == "CAC" for k in report.kpis)
        assert any(line.startswith("CAC:") for line in report.missing)
        assert any(line.startswith("ARPU:") for line in report.missing)

    def test_sample_figures(self, sample: Sample) -> None:
        """On the sample (checked against pandas): 2,545 new customers in the year, so CAC of
        250,000 spend is 98.23; 61.6 % of 2023's buyers bought again in 2024."""
        report = kpi_report(
            transactions=sample.transactions, as_of=date(2024, 12, 31), marketing_spend=250_000
        )

        assert 98.23 == round(report["CAC"], 2)
        assert 0.616 == round(report["retention rate"], 3)
        assert 815.30 == round(report["ARPU"], 2)

    def test_to_frame_lists_the_computed_kpis(self) -> None:
        """One row per KPI with group, name, value and definition."""
        frame = kpi_report(leads=10, converted_leads=2).to_frame()

        assert ["group", "kpi", "value", "definition"] == frame.columns.tolist()
        assert [("acquisition", "lead conversion rate", 0.2)] == list(
            zip(frame["group"], frame["kpi"], frame["value"], strict=True)
        )

    def test_an_unknown_kpi_name_is_refused(self) -> None:
        """Indexing a KPI that was not computed names what was."""
        report = kpi_report(leads=10, converted_leads=2)

        assert isinstance(report, KpiReport)
        with pytest.raises(InvalidInputError, match=r"'name' must be the name of a computed KPI"):
            report["NPS"]

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"transactions": "log"}, InvalidInputError, r"'as_of' must be a date"),
            ({"marketing_spend": -1.0}, InvalidInputError, r"'marketing_spend'.*got -1\.0"),
            ({"leads": 0}, InvalidInputError, r"'leads' must be an integer of at least 1"),
            ({"leads": 5, "converted_leads": 6}, InvalidInputError, r"'converted_leads'.*got 6"),
            ({"nps_ratings": [11]}, InvalidInputError, r"'nps_ratings'.*11 at index 0"),
            ({"csat_ratings": [0]}, InvalidInputError, r"'csat_ratings'.*0 at index 0"),
            ({"channel_spend": ["web"]}, InvalidTypeError, r"'channel_spend' must be a mapping"),
            ({"active_days": 0}, InvalidInputError, r"'active_days'"),
        ],
    )
    def test_bad_inputs_are_named(
        self, kwargs: dict[str, object], error: type[Exception], match: str
    ) -> None:
        """A given input is checked under its own name, even if no KPI ends up using it."""
        with pytest.raises(error, match=match):
            kpi_report(**kwargs)  # type: ignore[arg-type]

    def test_unknown_channels_are_refused(self) -> None:
        """Spend on a channel the transactions never use is an error listing the channels."""
        with pytest.raises(
            InvalidInputError, match=r"'channel_spend' must be keys among .*app, web"
        ):
            kpi_report(
                transactions=small_log(), as_of=date(2024, 12, 31), channel_spend={"online": 5.0}
            )
