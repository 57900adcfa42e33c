"""Sample data: seeded simulators and the bundled retail sample.

[`load_sample`][crmkit.datasets.load_sample] gives the deterministic data set that
the demo, the docs and the tests share; the `simulate_*` functions make fresh
data of any size from a stated process and seed. Nothing here touches the network.

Examples:
    >>> from crmkit.datasets import load_sample, simulate_transactions
    >>> load_sample().transactions.n_customers
    5000
    >>> simulate_transactions(n_customers=10, seed=1).n_customers
    10
"""

from crmkit.datasets._funnel import simulate_leads, simulate_pipeline
from crmkit.datasets._sample import Sample, load_sample
from crmkit.datasets._simulate import simulate_survey_responses, simulate_transactions

__all__ = [
    "Sample",
    "load_sample",
    "simulate_leads",
    "simulate_pipeline",
    "simulate_survey_responses",
    "simulate_transactions",
]
