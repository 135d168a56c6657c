"""Exponent fits with uncertainty, for the asymptotic statements of ``fpc`` (Theta(P^a),
poly(P)): least squares of log y on log x, the slope's standard error and a 95% interval
(Student t with n - 2 degrees of freedom)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from models.errors import InvalidParameter


@dataclass(frozen=True)
class PowerFit:
    slope: float          # fitted exponent a in y ~ c x^a
    stderr: float         # standard error of the slope (nan with 2 points)
    ci95: tuple           # 95% confidence interval of the slope
    intercept: float      # log c
    r2: float             # coefficient of determination of the log-log fit
    n: int                # points used

    def as_json(self) -> dict:
        d = asdict(self)
        d["ci95"] = list(self.ci95)
        return d


def linear_fit(x, y) -> PowerFit:
    """Ordinary least squares y = a x + b with the slope's uncertainty."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.size < 2:
        raise InvalidParameter("sweep", x.size, "a fit needs at least 2 points of matching shape",
                               "add sizes to the sweep")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidParameter("sweep", y.tolist(), "the fitted values must be finite")
    n = x.size
    A = np.vstack([x, np.ones(n)]).T
    (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - (a * x + b)
    ss_res = float(resid @ resid)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    if n > 2:
        s2 = ss_res / (n - 2)
        se = math.sqrt(s2 / float(((x - x.mean()) ** 2).sum()))
        q = float(stats.t.ppf(0.975, n - 2))
        ci = (float(a - q * se), float(a + q * se))
    else:
        se, ci = float("nan"), (float("nan"), float("nan"))
    return PowerFit(float(a), se, ci, float(b), float(r2), n)


def power_fit(x, y) -> PowerFit:
    """Fit y ~ c x^a on log-log axes (x, y > 0)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if (x <= 0).any() or (y <= 0).any():
        raise InvalidParameter("sweep", y.tolist(), "a power-law fit needs positive values")
    return linear_fit(np.log(x), np.log(y))


def exp_fit(x, y) -> PowerFit:
    """Fit y ~ c e^(b x) (log y linear in x): the alternative to a power law."""
    y = np.asarray(y, float)
    if (y <= 0).any():
        raise InvalidParameter("sweep", y.tolist(), "an exponential fit needs positive values")
    return linear_fit(np.asarray(x, float), np.log(y))
