"""The Pareto/NBD log-likelihood with its gradient and Hessian, by quadrature (private).

The individual likelihood (Fader, Hardie & Lee 2005, note 009; Schmittlein,
Morrison & Colombo 1987), with the death time integrated explicitly, is

    L = Gamma(r+x)/Gamma(r) alpha^r beta^s [ (alpha+T)^-(r+x) (beta+T)^-s + s I ],
    I = integral_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau.

`pareto_nbd` evaluates I exactly through 2F1, whose derivatives in its
parameters have no closed form. For Newton's method the fit uses this
module instead: I as a Gauss-Legendre sum, so L is a positive mixture
sum_k exp(l_k) over the "alive at T" term and the nodes, and in
theta = log(r, alpha, s, beta)

    d log L = sum_k p_k dl_k,   d2 log L = sum_k p_k (d2l_k + dl_k dl_k') - g g',
    p_k = exp(l_k - log L).

The nodes are placed from the current parameters and held fixed when
differentiating: the derivative of the integral is the integral of the
derivative, approximated by the same rule. The fit checks the result
against the exact likelihood at its optimum.

Substitution: with p = min(alpha, beta), q = max(alpha, beta) and a_p, a_q
the exponents of (p+tau) and (q+tau), u = log((p+tau)/(p+t_x)) turns the
integrand into exp(F(u)) times a constant, with

    F(u)  = (1 - a_p) u - a_q log((q+tau)/(q+t_x)),
    F'(u) = 1 - a_p - a_q (p+tau)/(q+tau),

so F is concave and the integrand has one peak. Each scale becomes a feature
about one unit wide in u: a power law's singularity near tau = -p (tiny p,
t_x = 0) is resolved, and the sharp peak of a large x is the plain
exponential exp(-(r+s+x) u). The range is cut where the integrand has fallen
exp(-40) below its peak, and one Gauss-Legendre rule covers the rest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]
Curve = Callable[[FloatArray], FloatArray]

NODES = 16  # ~1e-14 on CDNOW; the fit retries with more where the check asks for it
_DROP = 40.0  # exp(-40) ~ 4e-18: what lies beyond the cut is below double precision
_NEWTON_STEPS = 4
_SUBNORMAL = -600.0  # shares below exp(-600) are clipped: negligible, and slow as subnormals


class QuadratureLikelihood:
    """Merged customers and work arrays for the repeated evaluations of one fit.

    Every evaluation fills the same (rows, nodes + 1) arrays in place: fresh
    arrays of that size are returned to the system and faulted in again on
    each call, which costs about as much as the arithmetic.
    """

    def __init__(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray, nodes: int = NODES
    ) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        y, weights = np.polynomial.legendre.leggauss(nodes)
        self.y, self.log_w = (y + 1) / 2, np.log(weights / 2)
        # Gamma-function terms depend on x alone: once per distinct x.
        self.x_values, x_index = np.unique(x, return_inverse=True)
        self.x_index = x_index.reshape(-1)
        self.w_by_x = np.bincount(self.x_index, weights=w, minlength=self.x_values.size)
        shape = (x.size, nodes + 1)
        self.u, self.p_tau, self.q_tau, self.log_p, self.log_q = np.empty((5, *shape))
        self.keep_p, self.keep_q, self.terms, self.share = np.empty((4, *shape))
        self.dl, self.shared = np.empty((2, 4, *shape))

    def rows(self, theta: FloatArray) -> FloatArray:
        """Per-row log L.

        Column 0 of every (rows, nodes + 1) array is "alive at T", the others
        deaths at the nodes. alpha^r beta^s is folded into each term, which
        leaves log((alpha+tau)/alpha) and log((beta+tau)/beta): small logs, so
        neither values nor derivatives cancel large numbers.
        """
        x, t_x, T = self.x, self.t_x, self.T
        r, alpha, s, beta = self.params = np.exp(theta)
        p, q = min(alpha, beta), max(alpha, beta)
        u_lo, u_hi, u_end = _range(r, alpha, s, beta, x, t_x, T)
        base = p + t_x
        width = u_hi - u_lo
        u, p_tau, q_tau, terms, share = self.u, self.p_tau, self.q_tau, self.terms, self.share
        u[:, 0] = u_end
        np.multiply(width[:, None], self.y, out=u[:, 1:])
        u[:, 1:] += u_lo[:, None]
        # p + tau = (p + t_x) e^u exactly, so the p side needs no log of its own.
        np.exp(u, out=p_tau)
        p_tau *= base[:, None]
        np.add(p_tau, q - p, out=q_tau)
        np.add(u, np.log(base / p)[:, None], out=self.log_p)
        np.divide(q_tau, q, out=self.log_q)
        np.log(self.log_q, out=self.log_q)
        np.divide(p, p_tau, out=self.keep_p)  # p / (p + tau)
        np.divide(q, q_tau, out=self.keep_q)
        if alpha <= beta:
            self.log_a, self.keep_a, self.log_b, self.keep_b = (
                self.log_p,
                self.keep_p,
                self.log_q,
                self.keep_q,
            )
        else:
            self.log_a, self.keep_a, self.log_b, self.keep_b = (
                self.log_q,
                self.keep_q,
                self.log_p,
                self.keep_p,
            )
        self.rx = r + x
        np.multiply(self.log_a, -self.rx[:, None], out=terms)
        np.multiply(self.log_b, s, out=share)  # scratch until the shares below
        terms -= share
        # A node adds log(s/beta x weight x du x (p+tau) / ((beta+tau)/beta)).
        with np.errstate(divide="ignore"):  # width 0 when t_x == T: no death in between
            offset = np.log(width * (s / beta)) + np.log(base)
        nodes = terms[:, 1:]
        nodes += u[:, 1:]
        nodes -= self.log_b[:, 1:]
        nodes += offset[:, None]
        nodes += self.log_w
        common = (special.gammaln(r + self.x_values) - special.gammaln(r))[self.x_index]
        common -= x * np.log(alpha)
        peak = terms.max(axis=1)
        np.subtract(terms, peak[:, None], out=share)
        np.maximum(share, _SUBNORMAL, out=share)
        np.exp(share, out=share)
        total = share.sum(axis=1)
        share /= total[:, None]
        log_rows: FloatArray = common + peak + np.log(total)
        return log_rows

    def value_gradient_hessian(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Weighted total log-likelihood, gradient and Hessian in theta = log(r, alpha, s, beta).

        With Ra = log((alpha+tau)/alpha), K_alpha = alpha/(alpha+tau) and
        likewise for beta, a term l = -(r+x) Ra - (s+d) Rb + constants (d = 1
        for a death node, 0 for "alive") has
            dl = (-r Ra, (r+x)(1 - K_alpha), d - s Rb, (s+d)(1 - K_beta) - d)
        and the non-zero second derivatives
            rr = -r Ra, r.alpha = r (1 - K_alpha), alpha.alpha = -(r+x) K_alpha (1 - K_alpha),
            ss = -s Rb, s.beta = s (1 - K_beta), beta.beta = -(s+d) K_beta (1 - K_beta).
        Gamma(r+x)/Gamma(r) alpha^-x adds the digamma and trigamma terms.
        """
        with np.errstate(under="ignore"):
            rows = self.rows(theta)
        x, w = self.x, self.w
        r, _, s, _ = self.params
        share, keep_a, keep_b, dl, shared = (
            self.share,
            self.keep_a,
            self.keep_b,
            self.dl,
            self.shared,
        )
        np.multiply(self.log_a, -r, out=dl[0])
        np.subtract(1.0, keep_a, out=dl[1])
        dl[1] *= self.rx[:, None]
        np.multiply(self.log_b, -s, out=dl[2])
        dl[2, :, 1:] += 1.0
        np.subtract(1.0, keep_b, out=dl[3])
        dl[3] *= s
        dl[3, :, 1:] -= keep_b[:, 1:]
        np.multiply(dl, share, out=shared)  # p_k dl_k
        g = shared.sum(axis=2)  # each row's gradient, (4, rows)
        died = 1.0 - share[:, 0]  # each row's share of the death nodes
        died_keep_b = np.einsum("ik,ik->i", share[:, 1:], keep_b[:, 1:])
        keep_a_1 = np.einsum("ik,ik->i", shared[1], keep_a)
        keep_b_3 = np.einsum("ik,ik->i", shared[3], keep_b)
        xs = self.x_values
        psi = special.digamma(r + xs) - special.digamma(r)
        trigamma = special.zeta(2.0, np.append(r + xs, r))  # polygamma(1, .) without its wrapper

        gradient: FloatArray = g @ w
        gradient[0] += r * (psi @ self.w_by_x)
        gradient[1] -= x @ w
        # sum_k p_k dl_k dl_k' - g g', weighted over rows (einsum: no BLAS thread hand-offs).
        shared *= w[:, None]
        hessian: FloatArray = np.einsum("aik,bik->ab", shared, dl) - (g * w) @ g.T
        # sum_k p_k d2l_k, written through dl to reuse what is computed.
        hessian[0, 0] += gradient[0] + r * r * ((trigamma[:-1] - trigamma[-1]) @ self.w_by_x)
        hessian[0, 1] += (g[1] * r / self.rx) @ w
        hessian[1, 1] -= keep_a_1 @ w
        hessian[2, 2] += (g[2] - died) @ w
        hessian[2, 3] += (g[3] + died_keep_b) @ w
        hessian[3, 3] -= (keep_b_3 + died_keep_b) @ w
        hessian[1, 0], hessian[3, 2] = hessian[0, 1], hessian[2, 3]
        return float(rows @ w), gradient, hessian


def _range(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(u_lo, u_hi, u_end): where in [0, u_end] the integrand is within _DROP of its peak."""
    p, q = min(alpha, beta), max(alpha, beta)
    a_p, a_q = (r + x, s + 1.0) if alpha <= beta else (s + 1.0, r + x)
    base = p + t_x
    u_end = np.log1p((T - t_x) / base)

    def curve(u: FloatArray) -> FloatArray:
        result: FloatArray = (1 - a_p) * u - a_q * np.log1p(base * np.expm1(u) / (q + t_x))
        return result

    def slope(u: FloatArray) -> FloatArray:
        at = base * np.exp(u)
        result: FloatArray = 1 - a_p - a_q * at / (q - p + at)
        return result

    # F'(u) = 0 is linear in tau.
    tau_peak = ((1 - a_p) * q - a_q * p) / (r + s + x)
    u_peak = np.clip(np.log(np.maximum(p + tau_peak, base) / base), 0.0, u_end)
    floor = curve(u_peak) - _DROP
    u_hi = _cut(curve, slope, u_peak, floor, u_end, 1.0)
    u_lo = _cut(curve, slope, u_peak, floor, np.zeros_like(u_end), -1.0)
    return u_lo, u_hi, u_end


def _cut(
    curve: Curve,
    slope: Curve,
    u_peak: FloatArray,
    floor: FloatArray,
    limit: FloatArray,
    sign: float,
) -> FloatArray:
    """Where the concave curve falls to *floor* on the *sign* side of the peak (else *limit*).

    Newton's method runs on log(fall) against log(distance from the peak):
    linear both where the curve falls linearly (large x: an exponential in u)
    and where it falls like -exp(u) (a steep power law at the far scale), so a
    few steps land near the root from anywhere. A last tangent step makes the
    cut safe: a concave curve lies below its tangents, so beyond the tangent's
    root it is below the floor too.
    """
    reach = sign * (limit - u_peak)
    needed = (reach > 0) & (curve(limit) < floor)
    if not needed.any():
        return limit
    top = floor + _DROP
    reach = np.where(needed, reach, 1.0)  # harmless values in rows left alone
    distance = reach
    for _ in range(_NEWTON_STEPS):
        u = u_peak + sign * distance
        fall = np.maximum(top - curve(u), 1e-300)
        # d log(fall) / d log(distance) >= 1 for a concave curve: the bound damps the step.
        log_slope = np.maximum(-sign * slope(u) * distance / fall, 1.0)
        step = np.minimum((np.log(_DROP) - np.log(fall)) / log_slope, 1.0)
        distance = np.minimum(distance * np.exp(step), reach)
    u = u_peak + sign * distance
    steepness = np.maximum(-sign * slope(u), 1e-300)
    distance = np.minimum(distance + (curve(u) - floor) / steepness, reach)
    cut: FloatArray = np.where(needed, u_peak + sign * distance, limit)
    return cut
