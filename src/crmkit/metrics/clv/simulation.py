"""Simulated customers for the BTYD models: what `simulate_<model>` returns.

Parameter-recovery tests and what-if studies draw customers from a model with
known parameters, fit it again, and compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import ArrayLike, NDArray

from crmkit import _validation as v
from crmkit._fields import array_field
from crmkit.metrics.clv._base import FloatArray, ModelFit, positive

__all__ = ["SimulatedCustomers", "SimulatedOpportunities"]


@frozen(kw_only=True, repr=False)
class SimulatedCustomers:
    """Customers drawn from a continuous-time model: frequency, recency, T.

    Attributes:
        frequency: Repeat purchases in the window.
        recency: Time of the last repeat purchase (0 when none).
        T: Length of each customer's window.

    Examples:
        >>> from crmkit.metrics.clv import simulate_pareto_nbd
        >>> sample = simulate_pareto_nbd({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7},
        ...                              n_customers=2, T=[10, 20], seed=0)
        >>> sample
        SimulatedCustomers(n_customers=2)
        >>> sample.T.tolist()
        [10.0, 20.0]
    """

    frequency: NDArray[np.int64] = array_field()
    recency: FloatArray = array_field()
    T: FloatArray = array_field()

    def __repr__(self) -> str:
        return f"SimulatedCustomers(n_customers={len(self)})"

    def __len__(self) -> int:
        return int(self.frequency.size)

    @classmethod
    def _from_events(
        cls,
        frequency: NDArray[np.int64],
        events: NDArray[np.int64],
        window: FloatArray,
        T: FloatArray,
        rng: np.random.Generator,
    ) -> SimulatedCustomers:
        """Place the purchases: the frequency-th of *events* uniform times in (0, window]."""
        bought = frequency > 0
        recency = np.zeros(frequency.size)
        # The k-th smallest of m uniforms on (0, 1) is Beta(k, m - k + 1).
        recency[bought] = window[bought] * rng.beta(
            frequency[bought], events[bought] - frequency[bought] + 1
        )
        return cls(frequency=frequency.astype(np.int64), recency=recency, T=T)


@frozen(kw_only=True, repr=False)
class SimulatedOpportunities:
    """Customers drawn from the discrete-time BG/BB model.

    Attributes:
        frequency: Transactions in the opportunities observed.
        recency: The opportunity of the last transaction (0 when none).
        n_periods: Opportunities observed.

    Examples:
        >>> from crmkit.metrics.clv import simulate_bg_bb
        >>> sample = simulate_bg_bb({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78},
        ...                         n_customers=4, n_periods=6, seed=0)
        >>> sample
        SimulatedOpportunities(n_customers=4)
    """

    frequency: NDArray[np.int64] = array_field()
    recency: NDArray[np.int64] = array_field()
    n_periods: NDArray[np.int64] = array_field()

    def __repr__(self) -> str:
        return f"SimulatedOpportunities(n_customers={len(self)})"

    def __len__(self) -> int:
        return int(self.frequency.size)


def resolve_params(
    fit_or_params: Any, kind: type[ModelFit], names: Sequence[str]
) -> tuple[float, ...]:
    """The parameters of a fit of *kind*, or of a mapping holding each of *names*."""
    if isinstance(fit_or_params, kind):
        return tuple(fit_or_params.params.values())
    if not isinstance(fit_or_params, Mapping):
        v.fail_type(
            "fit_or_params", f"a {kind.__name__} or a mapping of parameters", fit_or_params
        )
    missing = [name for name in names if name not in fit_or_params]
    unknown = [name for name in fit_or_params if name not in names]
    if missing or unknown:
        allowed = f"a mapping with exactly {', '.join(names)}"
        v.fail("fit_or_params", allowed, dict(fit_or_params))
    return tuple(positive(name, fit_or_params[name]) for name in names)


def observation_lengths(T: ArrayLike, n: int) -> FloatArray:
    """One positive observation length per customer (a single number is repeated)."""
    if np.ndim(T) == 0:
        return np.full(n, positive("T", T))
    lengths = v.float_array("T", T, low=0.0, low_open=True)
    if lengths.size != n:
        v.fail(
            "T", f"one number, or one per customer ({n})", v.described(f"{lengths.size} values")
        )
    return lengths
