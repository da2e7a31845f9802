"""The statistics behind every interval, verdict and gate decision (numpy only; no scipy here).

- Score intervals: Wilson's score interval, which stays inside [0, 1] and keeps a width at 0%,
  100% and small n (the normal approximation gives +-0 at 0%/100% and +-98 at n=2). For
  per-sample values that are not 0/1 (fractional scores, means over epochs) the same formula is
  used on the mean: for values in [0, 1] the variance is at most p(1-p), so it is conservative.
  Samples that share a cluster (e.g. SWE instances of one repository) shrink the effective n by
  the design effect measured from the data (cluster-robust over iid variance, never below 1).
- Paired comparisons: the exact McNemar test on discordant pairs for binary scores; a paired
  bootstrap (resampling samples, or whole clusters) of the mean difference otherwise.
- Minimum detectable effect: (z_{1-alpha/2} + z_{power}) x the standard error of the difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20241201


@dataclass(frozen=True)
class Interval:
    """A two-sided interval of a score in [0, 1] and how it was made."""

    low: float
    high: float
    method: str
    """`wilson` (0/1 scores), `wilson-mean` (fractional/epoch means), `+ clustered(...)`."""


METHODS = {
    "wilson": "Wilson score interval over samples (0/1 scores)",
    "wilson-mean": "Wilson interval on the mean of per-sample values in [0,1] (conservative)",
    "clustered": "effective n = samples / design effect (cluster-robust vs iid variance)",
}


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion P observed over N (N may be fractional)."""
    if n <= 0:
        return 0.0, 1.0
    p = min(1.0, max(0.0, p))
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def design_effect(values: Sequence[float], clusters: Sequence[str]) -> float:
    """Cluster-robust variance of the mean over its iid variance (>= 1; 1 without clusters)."""
    n = len(values)
    groups = set(clusters)
    if n < 2 or len(groups) in (1, n):
        # One cluster: no between-cluster information; every sample its own cluster: iid.
        return 1.0
    x = np.asarray(values, dtype=float)
    residual = x - x.mean()
    iid = float((residual**2).sum()) / (n * (n - 1))
    if iid == 0:
        return 1.0
    sums: dict[str, float] = {}
    for r, c in zip(residual, clusters, strict=True):
        sums[c] = sums.get(c, 0.0) + float(r)
    g = len(groups)
    robust = g / (g - 1) * sum(s * s for s in sums.values()) / (n * n)
    return max(1.0, robust / iid)


def score_interval(values: Sequence[float], clusters: Sequence[str] | None = None) -> Interval:
    """95% interval of the mean of per-sample VALUES in [0, 1]."""
    n = len(values)
    if n == 0:
        return Interval(0.0, 1.0, "none (no samples)")
    mean = sum(values) / n
    binary = all(v in (0.0, 1.0) for v in values)
    deff = design_effect(values, clusters) if clusters else 1.0
    low, high = wilson(mean, n / deff)
    method = "wilson" if binary else "wilson-mean"
    if clusters and len(set(clusters)) < n:
        method += f" clustered({len(set(clusters))} clusters, deff {deff:.2f})"
    return Interval(low, high, method)


def pass_at_k(correct: int, trials: int, k: int) -> float:
    """Unbiased pass@k of one sample (Chen et al., 2021): 1 - C(n-c, k) / C(n, k)."""
    if trials - correct < k:
        return 1.0
    return 1.0 - math.comb(trials - correct, k) / math.comb(trials, k)


def binomial_cdf(k: int, trials: int, p: float) -> float:
    """P(X <= k) for X ~ Bin(trials, p), summed in log space (stable for large trials)."""
    if k < 0:
        return 0.0
    if k >= trials or p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    i = np.arange(k + 1)
    log_terms = _log_comb(k, trials) + i * math.log(p) + (trials - i) * math.log1p(-p)
    top = float(log_terms.max())
    return float(min(1.0, math.exp(top) * np.exp(log_terms - top).sum()))


@lru_cache(maxsize=4096)
def _log_comb(k: int, trials: int) -> np.ndarray:
    """log C(trials, i) for i = 0..k (cached: bisections evaluate the same tails many times)."""
    i = np.arange(k + 1, dtype=float)
    return math.lgamma(trials + 1) - _lgamma(i + 1) - _lgamma(trials - i + 1)


def _lgamma(x: np.ndarray) -> np.ndarray:
    return np.array([math.lgamma(v) for v in x])


def binomial_two_sided(successes: int, trials: int) -> float:
    """Exact two-sided p-value of SUCCESSES in TRIALS under p = 1/2 (McNemar's exact test)."""
    if trials == 0:
        return 1.0
    k = min(successes, trials - successes)
    return min(1.0, 2 * binomial_cdf(k, trials, 0.5))


def _crossing(f, target: float) -> float:
    """The p in [0, 1] where the monotone F crosses TARGET (bisection)."""
    lo, hi = 0.0, 1.0
    rising = f(0.75) > f(0.25)
    for _ in range(50):
        mid = (lo + hi) / 2
        below = f(mid) < target
        lo, hi = (mid, hi) if below == rising else (lo, mid)
    return (lo + hi) / 2


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Exact (1 - ALPHA) interval of a proportion."""
    if trials == 0:
        return 0.0, 1.0
    # low: P(X >= successes | p) = alpha/2; high: P(X <= successes | p) = alpha/2.
    low = (
        0.0
        if successes == 0
        else _crossing(lambda p: 1 - binomial_cdf(successes - 1, trials, p), alpha / 2)
    )
    high = (
        1.0
        if successes == trials
        else _crossing(lambda p: binomial_cdf(successes, trials, p), alpha / 2)
    )
    return low, high


def mcnemar_mde(n: int, discordant: int, alpha: float, power: float) -> float:
    """Smallest drop (in [0, 1]) the exact McNemar test detects with POWER, by exact power.

    Holding the discordant pairs at their observed number m (at least 1), a true drop d makes
    a discordant pair "better" with probability 1/2 - d n / (2 m); the test flags a regression
    when the better count is at most the largest k with P(Bin(m, 1/2) <= k) <= alpha / 2.
    """
    m = max(discordant, 1)
    critical = -1
    while binomial_cdf(critical + 1, m, 0.5) <= alpha / 2:
        critical += 1
    if critical < 0:
        # So few discordant pairs that no outcome is significant: nothing is detectable.
        return 1.0
    share = m / n
    lo, hi = 0.0, share
    for _ in range(50):
        mid = (lo + hi) / 2
        theta = 0.5 - mid / (2 * share)
        lo, hi = (mid, hi) if binomial_cdf(critical, m, theta) < power else (lo, mid)
    return min(1.0, hi)


@dataclass(frozen=True)
class PairedResult:
    """Candidate minus baseline over paired samples, in [−1, 1]."""

    n: int
    difference: float
    low: float
    high: float
    p_value: float
    mde: float
    """Smallest true difference the test detects with `power` at `alpha` at this n."""
    test: str


def z_of(probability: float) -> float:
    return NormalDist().inv_cdf(probability)


def mcnemar(base: Sequence[float], cand: Sequence[float], alpha: float, power: float):
    """Exact McNemar test of paired binary scores; exact conditional interval of the difference."""
    n = len(base)
    worse = sum(1 for b, c in zip(base, cand, strict=True) if b == 1 and c == 0)
    better = sum(1 for b, c in zip(base, cand, strict=True) if b == 0 and c == 1)
    discordant = worse + better
    difference = (better - worse) / n
    p_value = binomial_two_sided(better, discordant)
    # Conditional on the discordant pairs, better/discordant has an exact interval [l, h];
    # the difference is discordant/n x (2 theta - 1).
    lo_theta, hi_theta = clopper_pearson(better, discordant, alpha)
    share = discordant / n
    low, high = share * (2 * lo_theta - 1), share * (2 * hi_theta - 1)
    mde = mcnemar_mde(n, discordant, alpha, power)
    test = f"exact McNemar ({worse} worse, {better} better of {n} pairs)"
    return PairedResult(n, difference, low, high, p_value, mde, test)


def paired_bootstrap(
    differences: Sequence[float],
    clusters: Sequence[str] | None,
    alpha: float,
    power: float,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> PairedResult:
    """Paired (cluster) bootstrap of the mean of per-sample DIFFERENCES (percentile interval).

    The p-value resamples the differences centred on 0 (the null of no difference) and counts
    means at least as far from 0 as the observed one.
    """
    d = np.asarray(differences, dtype=float)
    n = len(d)
    observed = float(d.mean())
    rng = np.random.default_rng(seed)
    if clusters and len(set(clusters)) < n:
        names = sorted(set(clusters))
        index = {c: i for i, c in enumerate(names)}
        ids = np.array([index[c] for c in clusters])
        sums = np.bincount(ids, weights=d, minlength=len(names))
        counts = np.bincount(ids, minlength=len(names)).astype(float)
        picks = rng.integers(0, len(names), size=(resamples, len(names)))
        means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
        centred_sums = sums - observed * counts
        null = centred_sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
        test = f"paired cluster bootstrap ({len(names)} clusters, {resamples} resamples)"
    else:
        picks = rng.integers(0, n, size=(resamples, n))
        means = d[picks].mean(axis=1)
        null = (d - observed)[picks].mean(axis=1)
        test = f"paired bootstrap ({n} samples, {resamples} resamples)"
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    extreme = int((np.abs(null) >= abs(observed) - 1e-12).sum())
    p_value = (extreme + 1) / (resamples + 1) if observed else 1.0
    se = float(means.std(ddof=1))
    # An all-equal sample gives se = 0; one sample-unit of spread keeps the MDE finite.
    se = max(se, 1 / (n * math.sqrt(n)))
    mde = (z_of(1 - alpha / 2) + z_of(power)) * se
    return PairedResult(n, observed, float(low), float(high), p_value, mde, test)
