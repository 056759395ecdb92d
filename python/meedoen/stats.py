"""Statistics shared by the calibration and the plots."""

import numpy as np

__all__ = ["weighted_quantiles"]


def weighted_quantiles(x: np.ndarray, weights: np.ndarray, qs: list[float]) -> list[float]:
    """Quantiles of the distribution with atoms ``x`` of mass ``weights`` (inverse of the CDF)."""
    order = np.argsort(x)
    cdf = np.cumsum(weights[order]) / np.sum(weights)
    return [float(x[order][min(np.searchsorted(cdf, q), len(x) - 1)]) for q in qs]
