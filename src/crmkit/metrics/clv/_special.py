"""Log of the Gauss hypergeometric function 2F1(1, b; c; z), accurate for z near 1 (private).

The Pareto/NBD likelihood needs 2F1(1, b; c; z) for 0 < b < c and 0 <= z < 1,
with b and c as large as the purchase count. `scipy.special.hyp2f1` is exact
to ~1e-15 for z <= 0.9 there, but returns inf, NaN or wrong values as z nears
1 with large b (the overflow lifetimes' Pareto/NBD is known for). For those
arguments this module integrates Euler's representation

    2F1(1, b; c; z) = (c - 1) (1 - z)^(g - 1) * integral_0^inf
                      exp(-(c - 1) v) ((1 - z) - z expm1(-v))^(-g) dv,   g = c - b,

in log space with Gauss-Legendre panels spaced geometrically between the two
scales of the integrand, 1 - z and 1 / (c - 1). Its integrand is positive and
decreasing, so the sum has no cancellation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]

_SCIPY_EXACT_UP_TO = 0.9
_N_UNIFORM = 8
_N_GEOMETRIC = 40
_DROP = 60.0  # exp(-60): past this fall the integrand is negligible
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(10)
_CHUNK = 4096


def log_hyp2f1_one(
    b: FloatArray, c: FloatArray, z: FloatArray, one_minus_z: FloatArray, gap: FloatArray
) -> FloatArray:
    """Log 2F1(1, b; c; z) elementwise, for 0 < b < c, c > 1 and 0 <= z < 1.

    *one_minus_z* (1 - z) and *gap* (c - b) come from the caller, computed
    without cancellation.
    """
    b, c, z, one_minus_z, gap = np.broadcast_arrays(b, c, z, one_minus_z, gap)
    result = np.empty(b.shape)
    near_one = z > _SCIPY_EXACT_UP_TO
    far = ~near_one
    result[far] = np.log(special.hyp2f1(1.0, b[far], c[far], z[far]))
    if near_one.any():
        result[near_one] = _log_by_quadrature(
            c[near_one], z[near_one], one_minus_z[near_one], gap[near_one]
        )
    return result


def _log_by_quadrature(
    c: FloatArray, z: FloatArray, one_minus_z: FloatArray, gap: FloatArray
) -> FloatArray:
    parts = [
        _log_chunk(
            c[i : i + _CHUNK], z[i : i + _CHUNK], one_minus_z[i : i + _CHUNK], gap[i : i + _CHUNK]
        )
        for i in range(0, c.size, _CHUNK)
    ]
    return np.concatenate(parts)


def _log_chunk(c: FloatArray, z: FloatArray, one_minus_z: FloatArray, g: FloatArray) -> FloatArray:
    rate = c - 1
    # The log-integrand is convex and decreasing: steepest at v = 0, where it
    # falls by one over `first`; past `end` it has fallen by more than _DROP.
    first = one_minus_z / (rate * one_minus_z + g * z)
    with np.errstate(over="ignore"):
        reach = one_minus_z * np.expm1(_DROP / g) / z
    beyond = np.where(reach < 1, -np.log1p(-np.minimum(reach, 0.5)), np.inf)
    end = np.maximum(np.minimum(_DROP / rate, np.where(reach < 0.5, beyond, np.inf)), 2 * first)
    edges = np.concatenate(
        [
            first[:, None] * np.linspace(0.0, 1.0, _N_UNIFORM + 1)[None, :-1],
            first[:, None]
            * (end / first)[:, None] ** np.linspace(0.0, 1.0, _N_GEOMETRIC + 1)[None, :],
        ],
        axis=1,
    )
    left, right = edges[:, :-1, None], edges[:, 1:, None]
    half = (right - left) / 2
    v = left + half * (_NODES[None, None, :] + 1)
    base = one_minus_z[:, None, None] - z[:, None, None] * np.expm1(-v)
    log_integrand = -rate[:, None, None] * v - g[:, None, None] * np.log(base)
    log_weights = np.log(half * _WEIGHTS[None, None, :])
    log_integral = special.logsumexp((log_integrand + log_weights).reshape(c.size, -1), axis=1)
    result: FloatArray = np.log(rate) + (g - 1) * np.log(one_minus_z) + log_integral
    return result
