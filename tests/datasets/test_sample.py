"""crmkit.datasets.load_sample: the bundled, deterministic retail sample."""

from __future__ import annotations

import numpy as np

from crmkit.datasets import Sample, load_sample


class TestLoadSample:
    def test_the_sample_has_the_documented_shape(self, sample: Sample) -> None:
        """5,000 customers buying from 2023-01-01 to 2024-12-31 in CNY."""
        txns = sample.transactions

        assert 5000 == txns.n_customers
        assert 20_680 == len(txns)
        assert "CNY" == txns.currency == sample.currency
        assert np.datetime64("2023-01-01") <= txns.at.min()
        assert txns.at.max() < np.datetime64("2025-01-01")
        assert (sample.start.isoformat(), sample.end.isoformat()) == ("2023-01-01", "2024-12-31")

    def test_revenue_is_fixed_to_the_cent(self, sample: Sample) -> None:
        """The shipped file always gives 5,044,238.02 CNY of revenue."""
        assert 5_044_238.02 == round(float(sample.transactions.amount.sum()), 2)

    def test_every_optional_column_is_present(self, sample: Sample) -> None:
        """Quantity, category and channel ship with the sample."""
        txns = sample.transactions

        assert txns.quantity is not None
        assert txns.quantity.min() >= 1
        assert {"apparel", "beauty", "electronics", "grocery", "home"} == set(
            txns.category.tolist()
        )
        assert {"app", "in_store", "web"} == set(txns.channel.tolist())

    def test_survey_answers_ship_with_the_sample(self, sample: Sample) -> None:
        """1,300 NPS answers (2024) whose second half scores higher, and 800 CSAT answers."""
        nps, csat = sample.nps_responses, sample.csat_responses

        assert (1300, 800) == (nps.n_responses, csat.n_responses)
        assert ((0, 10), (1, 5)) == (nps.scale, csat.scale)
        assert set(nps.customer_id.tolist()) <= set(sample.transactions.customer_ids.tolist())
        second_half = nps.at >= np.datetime64("2024-07-01")
        assert 700 == int(second_half.sum())

    def test_loading_twice_gives_equal_samples(self, sample: Sample) -> None:
        """Each call reads the same data."""
        assert sample == load_sample()
