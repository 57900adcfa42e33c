"""Survey metrics and the statistics around them: NPS, CSAT, CES, proportions.

Scores come with intervals, comparisons with tests, and plans with sample
sizes, so "did NPS really go up?" gets an answer rather than a guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike
from scipy import stats

from crmkit import _validation as v

__all__ = [
    "CesResult",
    "CsatResult",
    "NpsComparison",
    "NpsMethod",
    "NpsResult",
    "ProportionInterval",
    "ProportionMethod",
    "ProportionTest",
    "ab_sample_size",
    "ces_score",
    "compare_nps",
    "csat_score",
    "net_promoter_score",
    "nps_sample_size",
    "proportion_ci",
    "two_proportion_test",
    "uplift_test",
]

NpsMethod = Literal["adjusted_wald", "wald", "bootstrap"]
ProportionMethod = Literal["wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys"]
_NPS_METHODS = ("adjusted_wald", "wald", "bootstrap")
_PROPORTION_METHODS = ("wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys")


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


def _three_decimals(value: float) -> str:
    return f"{value:.3f}"


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _confidence(confidence: Any) -> float:
    return v.check_open_interval("confidence", confidence, 0.0, 1.0)


# --- NPS ----------------------------------------------------------------------------------


@frozen(kw_only=True)
class NpsResult:
    """Net Promoter Score of one group of answers, with its confidence interval.

    Attributes:
        score: Percent promoters minus percent detractors, from -100 to 100.
        ci_low: Lower end of the confidence interval, same scale.
        ci_high: Upper end of the confidence interval, same scale.
        n_responses: Number of answers.
        method: How the interval was computed.
        n_promoters: Answers of 9 or 10.
        n_passives: Answers of 7 or 8.
        n_detractors: Answers of 0 to 6.
        confidence: Confidence level of the interval.

    Examples:
        >>> from crmkit.metrics import net_promoter_score
        >>> net_promoter_score([10, 9, 9, 8, 7, 10, 3, 6, 9, 10])
        NpsResult(score=40.0, ci_low=-12.6, ci_high=74.1, n_responses=10, method='adjusted_wald')
    """

    score: float = field(repr=_one_decimal)
    ci_low: float = field(repr=_one_decimal)
    ci_high: float = field(repr=_one_decimal)
    n_responses: int
    method: NpsMethod
    n_promoters: int = field(repr=False)
    n_passives: int = field(repr=False)
    n_detractors: int = field(repr=False)
    confidence: float = field(repr=False)

    @property
    def promoter_share(self) -> float:
        """Share of promoters, a fraction."""
        return self.n_promoters / self.n_responses

    @property
    def detractor_share(self) -> float:
        """Share of detractors, a fraction."""
        return self.n_detractors / self.n_responses


def net_promoter_score(
    ratings: ArrayLike,
    *,
    confidence: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    seed: int | np.random.Generator | None = None,
    n_resamples: int = 10_000,
) -> NpsResult:
    """Compute the Net Promoter Score of 0-10 answers, with a confidence interval.

    Promoters answer 9 or 10, detractors 0 to 6; the score is the percentage of
    promoters minus the percentage of detractors. Per answer the score is +1,
    0 or -1, so its variance is `p_P + p_D - (p_P - p_D)**2`.

    - `"adjusted_wald"` (default): add 3 to n and 3/4 to each of the
      promoter and detractor counts before the normal approximation (Rocks 2016);
      good coverage even for small samples and all-promoter groups.
    - `"wald"`: the textbook normal approximation on the raw shares (an
      all-promoter sample gets the degenerate interval [100, 100]).
    - `"bootstrap"`: percentile interval of `n_resamples` multinomial
      resamples drawn with *seed*.

    Intervals are clipped to [-100, 100]. The adjusted interval is centred on
    the adjusted shares, so with very few answers it need not contain the raw
    score (one detractor alone scores -100, with an interval of [-98.5, 48.5]).

    Args:
        ratings: Answers to "How likely are you to recommend us?", whole numbers
            from 0 to 10.
        confidence: Confidence level, strictly between 0 and 1.
        method: `"adjusted_wald"`, `"wald"` or `"bootstrap"`.
        seed: Seed or generator for the bootstrap.
        n_resamples: Bootstrap resamples, at least 100.

    Raises:
        InvalidInputError: If *ratings* is empty or holds a value that is not a
            whole number from 0 to 10, or an option is out of range.

    Examples:
        Six promoters and two detractors out of ten give +40:

        >>> from crmkit.metrics import net_promoter_score
        >>> r = net_promoter_score([10, 9, 9, 8, 7, 10, 3, 6, 9, 10])
        >>> r.score, r.n_promoters, r.n_detractors
        (40.0, 6, 2)
        >>> net_promoter_score([10, 10, 9], method="wald")
        NpsResult(score=100.0, ci_low=100.0, ci_high=100.0, n_responses=3, method='wald')

    References:
        Reichheld (2003), "The One Number You Need to Grow", Harvard Business
        Review 81(12). Rocks (2016), "Interval Estimation for the 'Net
        Promoter Score'", The American Statistician 70(4).
    """
    answers = v.integer_array("ratings", ratings, low=0, high=10)
    level = _confidence(confidence)
    v.check_choice("method", method, _NPS_METHODS)
    resamples = v.check_int("n_resamples", n_resamples, low=100)
    rng = v.random_generator("seed", seed)
    counts = np.bincount(answers, minlength=11)
    promoters, detractors = int(counts[9:].sum()), int(counts[:7].sum())
    n = int(answers.size)
    if method == "bootstrap":
        low, high = _bootstrap_interval(n, promoters, detractors, level, resamples, rng)
    else:
        low, high = _wald_interval(
            n, promoters, detractors, level, adjusted=method == "adjusted_wald"
        )
    return NpsResult(
        score=100.0 * (promoters - detractors) / n,
        ci_low=100.0 * max(low, -1.0),
        ci_high=100.0 * min(high, 1.0),
        n_responses=n,
        method=method,
        n_promoters=promoters,
        n_passives=n - promoters - detractors,
        n_detractors=detractors,
        confidence=level,
    )


def _nps_moments(
    n: int, promoters: int, detractors: int, *, adjusted: bool
) -> tuple[float, float, float]:
    """Centre, per-answer variance and effective size of an NPS estimate (as shares)."""
    shift = 3.0 if adjusted else 0.0  # Rocks (2016): n + 3, and 3/4 more of each kind
    size = n + shift
    p_pro, p_det = (promoters + shift / 4) / size, (detractors + shift / 4) / size
    centre = p_pro - p_det
    return centre, max(p_pro + p_det - centre**2, 0.0), size


def _wald_interval(
    n: int, promoters: int, detractors: int, confidence: float, *, adjusted: bool
) -> tuple[float, float]:
    centre, variance, size = _nps_moments(n, promoters, detractors, adjusted=adjusted)
    half = _z(confidence) * math.sqrt(variance / size)
    return centre - half, centre + half


def _bootstrap_interval(
    n: int,
    promoters: int,
    detractors: int,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    shares = np.array([promoters, n - promoters - detractors, detractors]) / n
    draws = rng.multinomial(n, shares, size=resamples)
    scores = (draws[:, 0] - draws[:, 2]) / n
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(scores, [tail, 1.0 - tail])
    return float(low), float(high)


@frozen(kw_only=True)
class NpsComparison:
    """The change in NPS from a first group of answers to a second.

    Attributes:
        difference: Second score minus first, in NPS points.
        ci_low: Lower end of the difference's confidence interval.
        ci_high: Upper end of the difference's confidence interval.
        z: The difference over its standard error.
        p_value: Two-sided p-value of "no change".
        first: The first group's result.
        second: The second group's result.
        confidence: Confidence level.

    Examples:
        >>> from crmkit.metrics import compare_nps
        >>> c = compare_nps([10, 9, 6, 3, 8] * 20, [10, 9, 9, 6, 8] * 20)
        >>> c
        NpsComparison(difference=40.0, ci_low=15.7, ci_high=61.9, p_value=0.001)
    """

    difference: float = field(repr=_one_decimal)
    ci_low: float = field(repr=_one_decimal)
    ci_high: float = field(repr=_one_decimal)
    z: float = field(repr=False)
    p_value: float = field(repr=_three_decimals)
    first: NpsResult = field(repr=False)
    second: NpsResult = field(repr=False)
    confidence: float = field(repr=False)


def compare_nps(first: ArrayLike, second: ArrayLike, *, confidence: float = 0.95) -> NpsComparison:
    """Test whether NPS changed between two groups of answers (say, two quarters).

    Uses the adjusted-Wald estimates of both groups: the difference of the
    centres, the standard error `sqrt(var_1 / n_1 + var_2 / n_2)`, a normal
    interval and a two-sided z-test. `difference` is the change of the raw
    scores; the interval and z are centred on the adjusted estimates, so with
    small samples the difference need not sit in the middle of the interval.

    Args:
        first: 0-10 answers of the first group (e.g. last quarter).
        second: 0-10 answers of the second group (e.g. this quarter).
        confidence: Confidence level of the interval.

    Raises:
        InvalidInputError: If either group is empty or off the 0-10 scale.

    Examples:
        From 40 promoters and 40 detractors in 100 (NPS 0) to 60 and 20 (+40):

        >>> from crmkit.metrics import compare_nps
        >>> c = compare_nps([10, 9, 6, 3, 8] * 20, [10, 9, 9, 6, 8] * 20)
        >>> round(c.difference, 1), round(c.p_value, 3)
        (40.0, 0.001)

    References:
        Rocks (2016), "Interval Estimation for the 'Net Promoter Score'", The
        American Statistician 70(4).
    """
    a = net_promoter_score(v.integer_array("first", first, low=0, high=10), confidence=confidence)
    b = net_promoter_score(
        v.integer_array("second", second, low=0, high=10), confidence=confidence
    )
    centre_a, var_a, size_a = _nps_moments(
        a.n_responses, a.n_promoters, a.n_detractors, adjusted=True
    )
    centre_b, var_b, size_b = _nps_moments(
        b.n_responses, b.n_promoters, b.n_detractors, adjusted=True
    )
    error = math.sqrt(var_a / size_a + var_b / size_b)  # > 0: adjusted shares never hit 0
    shift = centre_b - centre_a
    z = shift / error
    half = _z(a.confidence) * error
    return NpsComparison(
        difference=b.score - a.score,
        ci_low=100.0 * (shift - half),
        ci_high=100.0 * (shift + half),
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))),
        first=a,
        second=b,
        confidence=a.confidence,
    )


def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    expected: tuple[float, float] | None = None,
) -> int:
    """Answers needed for an NPS interval of +/- *margin* points.

    `n = ceil((z * sd / (margin / 100))**2)`, with the per-answer standard
    deviation from the expected promoter and detractor shares, or the worst
    case (sd = 1, half promoters and half detractors) when none are given.

    Args:
        margin: Half-width of the interval in NPS points, in (0, 200].
        confidence: Confidence level.
        expected: Expected (promoter share, detractor share), each in [0, 1]
            and summing to at most 1.

    Examples:
        >>> from crmkit.metrics import nps_sample_size
        >>> nps_sample_size(10)               # worst case: (1.96 / 0.1)**2 = 384.1
        385
        >>> nps_sample_size(5, expected=(0.5, 0.2))   # sd = sqrt(0.7 - 0.3**2) = 0.781
        938
    """
    half = v.check_float("margin", margin, low=0.0, high=200.0, low_open=True)
    level = _confidence(confidence)
    if expected is None:
        variance = 1.0
    else:
        if not isinstance(expected, Sequence) or isinstance(expected, str) or len(expected) != 2:
            v.fail_type("expected", "a (promoter share, detractor share) pair", expected)
        p_pro = v.check_float("expected", expected[0], low=0.0, high=1.0)
        p_det = v.check_float("expected", expected[1], low=0.0, high=1.0)
        if p_pro + p_det > 1.0:
            v.fail("expected", "shares summing to at most 1", tuple(expected))
        variance = max(p_pro + p_det - (p_pro - p_det) ** 2, 1e-12)
    return math.ceil((_z(level) * math.sqrt(variance) / (half / 100.0)) ** 2)


# --- proportions --------------------------------------------------------------------------


@frozen(kw_only=True)
class ProportionInterval:
    """A share with its confidence interval.

    Attributes:
        estimate: successes / n.
        ci_low: Lower end of the interval, in [0, 1].
        ci_high: Upper end of the interval, in [0, 1].
        successes: Number of successes.
        n: Number of trials.
        method: How the interval was computed.
        confidence: Confidence level.

    Examples:
        >>> from crmkit.metrics import proportion_ci
        >>> proportion_ci(8, 10)
        ProportionInterval(estimate=0.800, ci_low=0.490, ci_high=0.943, method='wilson')
    """

    estimate: float = field(repr=_three_decimals)
    ci_low: float = field(repr=_three_decimals)
    ci_high: float = field(repr=_three_decimals)
    successes: int = field(repr=False)
    n: int = field(repr=False)
    method: ProportionMethod
    confidence: float = field(repr=False)


def proportion_ci(
    successes: int,
    n: int,
    *,
    confidence: float = 0.95,
    method: ProportionMethod = "wilson",
) -> ProportionInterval:
    """Confidence interval of a proportion (conversion, satisfaction, retention).

    `"wilson"` (default) and `"clopper_pearson"` (exact) come from
    `scipy.stats.binomtest`; `"jeffreys"` is the Beta(k + 1/2, n - k + 1/2)
    equal-tailed interval; `"agresti_coull"` adds z**2/2 successes and
    failures; `"wald"` is the textbook normal interval (clipped to [0, 1]).

    Args:
        successes: Whole number from 0 to *n*.
        n: Number of trials, at least 1.
        confidence: Confidence level.
        method: One of the methods above.

    Raises:
        InvalidInputError: If `n` is 0 or *successes* is outside 0..n.

    Examples:
        >>> from crmkit.metrics import proportion_ci
        >>> r = proportion_ci(0, 20, method="clopper_pearson")
        >>> r.estimate, round(r.ci_high, 4)
        (0.0, 0.1684)

    References:
        Brown, Cai & DasGupta (2001), "Interval Estimation for a Binomial
        Proportion", Statistical Science 16(2).
    """
    trials = v.check_int("n", n, low=1)
    hits = v.check_int("successes", successes, low=0, high=trials)
    level = _confidence(confidence)
    v.check_choice("method", method, _PROPORTION_METHODS)
    return _proportion(hits, trials, level, method)


def _proportion(k: int, n: int, level: float, method: ProportionMethod) -> ProportionInterval:
    low, high = _interval(k, n, level, method)
    return ProportionInterval(
        estimate=k / n,
        ci_low=max(low, 0.0),
        ci_high=min(high, 1.0),
        successes=k,
        n=n,
        method=method,
        confidence=level,
    )


def _interval(k: int, n: int, confidence: float, method: ProportionMethod) -> tuple[float, float]:
    if method in ("wilson", "clopper_pearson"):
        test = stats.binomtest(k, n)
        if method == "wilson":
            ci = test.proportion_ci(confidence_level=confidence, method="wilson")
        else:
            ci = test.proportion_ci(confidence_level=confidence, method="exact")
        return float(ci.low), float(ci.high)
    if method == "jeffreys":
        tail = (1.0 - confidence) / 2
        low = 0.0 if k == 0 else float(stats.beta.ppf(tail, k + 0.5, n - k + 0.5))
        high = 1.0 if k == n else float(stats.beta.ppf(1 - tail, k + 0.5, n - k + 0.5))
        return low, high
    z = _z(confidence)
    if method == "agresti_coull":
        size = n + z**2
        p = (k + z**2 / 2) / size
    else:
        size, p = float(n), k / n
    half = z * math.sqrt(p * (1 - p) / size)
    return p - half, p + half


@frozen(kw_only=True)
class ProportionTest:
    """Difference of two proportions (second minus first), its interval and test.

    Attributes:
        difference: p_second - p_first.
        ci_low: Lower end of the Newcombe (hybrid Wilson) interval.
        ci_high: Upper end of the interval.
        z: Pooled two-proportion z statistic (0 when both shares are 0 or 1).
        p_value: Two-sided p-value of "no difference".
        first: The first group's proportion with its Wilson interval.
        second: The second group's proportion with its Wilson interval.

    Examples:
        >>> from crmkit.metrics import two_proportion_test
        >>> two_proportion_test(50, 1000, 70, 1000)
        ProportionTest(difference=0.020, ci_low=-0.001, ci_high=0.041, p_value=0.060)
    """

    difference: float = field(repr=_three_decimals)
    ci_low: float = field(repr=_three_decimals)
    ci_high: float = field(repr=_three_decimals)
    z: float = field(repr=False)
    p_value: float = field(repr=_three_decimals)
    first: ProportionInterval = field(repr=False)
    second: ProportionInterval = field(repr=False)


def two_proportion_test(
    successes_first: int,
    n_first: int,
    successes_second: int,
    n_second: int,
    *,
    confidence: float = 0.95,
) -> ProportionTest:
    """Compare two proportions: difference, Newcombe interval, pooled z-test.

    Args:
        successes_first: Successes in the first group.
        n_first: Size of the first group.
        successes_second: Successes in the second group.
        n_second: Size of the second group.
        confidence: Confidence level.

    Examples:
        5.0 % vs 7.0 % conversion in two groups of 1,000:

        >>> from crmkit.metrics import two_proportion_test
        >>> t = two_proportion_test(50, 1000, 70, 1000)
        >>> round(t.difference, 3), round(t.z, 2)   # 0.02 / sqrt(0.06 * 0.94 * 2 / 1000)
        (0.02, 1.88)

    References:
        Newcombe (1998), "Interval estimation for the difference between
        independent proportions: comparison of eleven methods", Statistics in
        Medicine 17(8), method 10.
    """
    size_1 = v.check_int("n_first", n_first, low=1)
    hits_1 = v.check_int("successes_first", successes_first, low=0, high=size_1)
    size_2 = v.check_int("n_second", n_second, low=1)
    hits_2 = v.check_int("successes_second", successes_second, low=0, high=size_2)
    level = _confidence(confidence)
    first = _proportion(hits_1, size_1, level, "wilson")
    second = _proportion(hits_2, size_2, level, "wilson")
    p1, p2 = first.estimate, second.estimate
    delta = p2 - p1
    low = delta - math.sqrt((p2 - second.ci_low) ** 2 + (first.ci_high - p1) ** 2)
    high = delta + math.sqrt((second.ci_high - p2) ** 2 + (p1 - first.ci_low) ** 2)
    pooled = (first.successes + second.successes) / (first.n + second.n)
    error = math.sqrt(pooled * (1 - pooled) * (1 / first.n + 1 / second.n))
    z = delta / error if error > 0 else 0.0
    return ProportionTest(
        difference=delta,
        ci_low=low,
        ci_high=high,
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))),
        first=first,
        second=second,
    )


def uplift_test(
    treated_conversions: int,
    treated_n: int,
    control_conversions: int,
    control_n: int,
    *,
    confidence: float = 0.95,
) -> ProportionTest:
    """Did the campaign lift conversion? Treated minus control, with interval and test.

    The same statistics as
    [`two_proportion_test`][crmkit.metrics.two_proportion_test], with the
    control group first, so `difference` is the uplift (treated minus
    control), `.first` is the control group and `.second` the treated one.

    Args:
        treated_conversions: Conversions in the treated group.
        treated_n: Size of the treated group, at least 1.
        control_conversions: Conversions in the control group.
        control_n: Size of the control group, at least 1.
        confidence: Confidence level of the interval.

    Raises:
        InvalidInputError: If a group is empty or has more conversions than members.

    Examples:
        >>> from crmkit.metrics import uplift_test
        >>> u = uplift_test(120, 2000, 80, 2000)
        >>> round(u.difference, 3), u.p_value < 0.01
        (0.02, True)

    References:
        Newcombe (1998), "Interval estimation for the difference between
        independent proportions: comparison of eleven methods", Statistics in
        Medicine 17(8).
    """
    # Checked under this function's own argument names before delegating.
    treated = v.check_int("treated_n", treated_n, low=1)
    control = v.check_int("control_n", control_n, low=1)
    hits_treated = v.check_int("treated_conversions", treated_conversions, low=0, high=treated)
    hits_control = v.check_int("control_conversions", control_conversions, low=0, high=control)
    return two_proportion_test(hits_control, control, hits_treated, treated, confidence=confidence)


def ab_sample_size(p1: float, p2: float, *, power: float = 0.8, alpha: float = 0.05) -> int:
    """Answers per group to detect a change from *p1* to *p2* (two-sided test).

    `n = (z_(1-alpha/2) * sqrt(2 * pbar * (1 - pbar)) + z_power * sqrt(p1 q1 + p2 q2))**2
    / (p1 - p2)**2`, rounded up.

    Args:
        p1: Baseline proportion, in (0, 1).
        p2: Proportion to detect, in (0, 1), different from *p1*.
        power: Chance of detecting it, in (0, 1).
        alpha: Significance level, in (0, 1).

    Examples:
        >>> from crmkit.metrics import ab_sample_size
        >>> ab_sample_size(0.05, 0.06)
        8158

    References:
        Fleiss, Levin & Paik (2003), "Statistical Methods for Rates and
        Proportions", 3rd ed., Wiley, section 4.2.
    """
    a = v.check_open_interval("p1", p1, 0.0, 1.0)
    b = v.check_open_interval("p2", p2, 0.0, 1.0)
    if a == b:
        v.fail("p2", "different from p1", p2)
    z_beta = float(stats.norm.ppf(v.check_open_interval("power", power, 0.0, 1.0)))
    z_alpha = float(stats.norm.ppf(1 - v.check_open_interval("alpha", alpha, 0.0, 1.0) / 2))
    pbar = (a + b) / 2
    spread = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_beta * math.sqrt(
        a * (1 - a) + b * (1 - b)
    )
    return math.ceil(spread**2 / (a - b) ** 2)


# --- CSAT and CES -------------------------------------------------------------------------


@frozen(kw_only=True)
class CsatResult:
    """Customer satisfaction: the share of satisfied answers and the mean.

    Attributes:
        satisfied_share: Share of answers in the top box.
        ci_low: Lower end of the share's Wilson interval.
        ci_high: Upper end of the share's Wilson interval.
        mean: Mean answer on the scale.
        n_responses: Number of answers.
        n_satisfied: Answers in the top box.
        scale: Top of the scale.

    Examples:
        >>> from crmkit.metrics import csat_score
        >>> csat_score([5, 4, 4, 3, 1])
        CsatResult(satisfied_share=0.600, ci_low=0.231, ci_high=0.882, mean=3.400, n_responses=5)
    """

    satisfied_share: float = field(repr=_three_decimals)
    ci_low: float = field(repr=_three_decimals)
    ci_high: float = field(repr=_three_decimals)
    mean: float = field(repr=_three_decimals)
    n_responses: int
    n_satisfied: int = field(repr=False)
    scale: int = field(repr=False)


def csat_score(
    ratings: ArrayLike,
    *,
    scale: int = 5,
    top_box: Sequence[int] | None = None,
    confidence: float = 0.95,
) -> CsatResult:
    """CSAT: the share of answers in the top box (4 or 5 of 5), with a Wilson interval.

    The top box defaults to the top two points of whatever scale is given.

    Args:
        ratings: Answers, whole numbers from 1 to *scale*.
        scale: Top of the scale (at least 2).
        top_box: The answers that count as satisfied; by default the top two
            points of the scale (4 and 5 of 5).
        confidence: Confidence level of the share's interval.

    Examples:
        Three of five answers are 4 or 5:

        >>> from crmkit.metrics import csat_score
        >>> r = csat_score([5, 4, 4, 3, 1])
        >>> r.satisfied_share, r.mean
        (0.6, 3.4)
    """
    top = v.check_int("scale", scale, low=2)
    answers = v.integer_array("ratings", ratings, low=1, high=top)
    box = (
        np.array([top - 1, top])
        if top_box is None
        else v.integer_array("top_box", top_box, low=1, high=top)
    )
    level = _confidence(confidence)
    satisfied = int(np.isin(answers, box).sum())
    share = proportion_ci(satisfied, answers.size, confidence=level)
    return CsatResult(
        satisfied_share=share.estimate,
        ci_low=share.ci_low,
        ci_high=share.ci_high,
        mean=float(answers.mean()),
        n_responses=int(answers.size),
        n_satisfied=satisfied,
        scale=top,
    )


@frozen(kw_only=True)
class CesResult:
    """Customer effort: mean answer with a t interval, and the share of easy answers.

    Attributes:
        mean: Mean answer on the original scale.
        ci_low: Lower end of the mean's t interval (equals the mean when all
            answers agree or there is one answer).
        ci_high: Upper end of the mean's t interval.
        easy_share: Share of answers in the two easiest points of the scale.
        n_responses: Number of answers.
        scale: Top of the scale.
        higher_is_easier: Whether a high answer means little effort.

    Examples:
        >>> from crmkit.metrics import ces_score
        >>> ces_score([7, 6, 6, 5, 2])
        CesResult(mean=5.200, ci_low=2.812, ci_high=7.588, easy_share=0.600, n_responses=5)
    """

    mean: float = field(repr=_three_decimals)
    ci_low: float = field(repr=_three_decimals)
    ci_high: float = field(repr=_three_decimals)
    easy_share: float = field(repr=_three_decimals)
    n_responses: int
    scale: int = field(repr=False)
    higher_is_easier: bool = field(repr=False)


def ces_score(
    ratings: ArrayLike,
    *,
    scale: int = 7,
    higher_is_easier: bool = True,
    confidence: float = 0.95,
) -> CesResult:
    """CES: mean effort answer with a t interval, and the share of easy answers.

    Args:
        ratings: Answers, whole numbers from 1 to *scale*.
        scale: Top of the scale (at least 3).
        higher_is_easier: True when 7 means "very easy" (the CES 2.0
            agreement scale); False when 1 means "very low effort".
        confidence: Confidence level of the mean's interval.

    Examples:
        >>> from crmkit.metrics import ces_score
        >>> r = ces_score([1, 2, 2, 5], higher_is_easier=False)
        >>> r.mean, r.easy_share
        (2.5, 0.75)

    References:
        Dixon, Freeman & Toman (2010), "Stop Trying to Delight Your Customers",
        Harvard Business Review 88(7).
    """
    top = v.check_int("scale", scale, low=3)
    answers = v.integer_array("ratings", ratings, low=1, high=top)
    if not isinstance(higher_is_easier, bool):
        v.fail_type("higher_is_easier", "True or False", higher_is_easier)
    level = _confidence(confidence)
    easy = answers >= top - 1 if higher_is_easier else answers <= 2
    mean = float(answers.mean())
    n = int(answers.size)
    spread = float(answers.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * spread / math.sqrt(n) if spread else 0.0
    return CesResult(
        mean=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        easy_share=float(easy.mean()),
        n_responses=n,
        scale=top,
        higher_is_easier=higher_is_easier,
    )
