"""The one judgment rule: measured replicate values -> an outcome per prediction.

No claim module has statistics of its own; the runner hands every prediction here with the
values its replicates measured. For each prediction:

1. **Interval.** A 95% interval for the measured quantity: the t-interval of the mean over
   replicates (3 or more); with fewer, the hull of the replicates' own intervals when the check
   gave one (an exponent fit's), else the t-interval of 2 values, else the single value
   ``[v, v]`` (said so in ``interval_method``). A deterministic claim runs once: ``[v, v]``.
2. **Flaky.** Replicates that disagree (one holds, another fails) make the outcome
   ``inconclusive`` and ``flaky``, each replicate's value shown.
3. **Interval rule.** ``holds`` when the whole interval lies on the predicted side, ``fails``
   when the whole interval lies on the wrong side, ``inconclusive`` otherwise ("interval
   [lo, hi] straddles the threshold").
4. **Undecided.** A replicate whose check said the scale cannot decide a prediction makes it
   ``inconclusive`` with that reason.
5. **Regime.** An unmet regime condition turns ``fails`` into ``inconclusive`` ("not in the
   regime of the statement: ..."); an unmet *instrument* condition turns ``holds`` into
   ``inconclusive`` too. Nothing becomes ``holds`` through a regime condition.
6. **Reduced scale.** For a claim asymptotic in some size, a ``fails`` read off a run below the
   statement's scale, from a prediction that is not a trend over that size, is
   ``inconclusive``: a toy size says nothing about P -> infinity. (Not applied to a violation
   control, a run that deliberately breaks an assumption to show the instrument can fail.)
7. **By construction.** A prediction that cannot fail is judged and shown, but does not count
   as numerical support; if it fails anyway the check has a bug (``error``).

``margin`` is the signed distance of the mean from the edge of the predicted set (> 0 on the
predicted side), ``margin_hw`` the same in interval half-widths (None for a point interval).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

STATUSES = ("holds", "fails", "inconclusive", "error")


class BadMeasurement(ValueError):
    """A measured value that is not one finite real number."""


def as_number(name: str, value: Any) -> float:
    """``value`` as a finite float, or :class:`BadMeasurement` naming the value."""
    if isinstance(value, bool):
        return float(value)
    if hasattr(value, "numel") and callable(value.numel):          # torch tensor
        if value.numel() != 1:
            raise BadMeasurement(f"measured {name!r} is a tensor with {value.numel()} elements, "
                                 "not one number")
        value = value.item()
    elif hasattr(value, "size") and hasattr(value, "item"):          # numpy array / scalar
        if getattr(value, "size", 1) != 1:
            raise BadMeasurement(f"measured {name!r} is an array with {value.size} elements, "
                                 "not one number")
        value = value.item()
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, (int, float)):
        raise BadMeasurement(f"measured {name!r} is {type(value).__name__} {value!r:.60}, not a number")
    v = float(value)
    if math.isnan(v):
        raise BadMeasurement(f"measured {name!r} is NaN: the run diverged or measured nothing; "
                             "lower the step size or enlarge the sample")
    if math.isinf(v):
        raise BadMeasurement(f"measured {name!r} is {v}: not a finite number "
                             "(a division by zero or a diverged run)")
    return v


def t_quantile(df: int) -> float:
    from scipy.stats import t
    return float(t.ppf(0.975, df))


def interval(values: Sequence[float], own: Sequence[tuple[float, float] | None] = (),
             deterministic: bool = False) -> tuple[float, float, str]:
    """(lo, hi, method): the 95% interval of the measured quantity (module docstring, rule 1)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    if deterministic:
        return values[0], values[0], "deterministic: measured once"
    own = [o for o in own if o is not None]
    if n >= 3 or (n == 2 and len(own) < 2):
        mean = math.fsum(values) / n
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
        hw = t_quantile(n - 1) * sd / math.sqrt(n)
        return mean - hw, mean + hw, f"t-interval of the mean over {n} replicates"
    if own and len(own) == n:
        lo, hi = min(o[0] for o in own), max(o[1] for o in own)
        return lo, hi, ("the fit's own 95% interval" if n == 1 else
                        f"hull of the {n} replicates' own 95% intervals")
    return values[0], values[0], "single replicate: no interval (run with --replicates 3 or more)"


def _side(pred, lo: float, hi: float) -> str:
    """Where [lo, hi] lies against the predicted set: holds (inside), fails (outside), straddles."""
    if lo == hi:
        return pred.judge(lo)
    blo, blo_closed, bhi, bhi_closed = pred.band()
    inside_lo = lo > blo or (lo == blo and blo_closed)
    inside_hi = hi < bhi or (hi == bhi and bhi_closed)
    if inside_lo and inside_hi:
        return "holds"
    below = hi < blo or (hi == blo and not blo_closed)
    above = lo > bhi or (lo == bhi and not bhi_closed)
    return "fails" if (below or above) else "straddles"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def judge_prediction(pred, raw_values: Sequence[Any], *, own: Sequence[tuple | None] = (),
                     undecided: Sequence[str] = (), deterministic: bool = False) -> dict:
    """The outcome of one prediction over its replicates (rules 1-4 and 7 of the module doc)."""
    out: dict[str, Any] = {"name": pred.name, "outcome": "error", "reason": "", "flaky": False,
                           "by_construction": pred.by_construction, "replicates": [],
                           "interval": None, "interval_method": "", "margin": None, "margin_hw": None,
                           "measured": None}
    if any(v is None for v in raw_values) or not raw_values:
        out["reason"] = f"prediction {pred.name!r} has no measured value"
        return out
    try:
        values = [as_number(pred.name, v) for v in raw_values]
    except BadMeasurement as exc:
        out["reason"] = str(exc)
        return out
    lo, hi, method = interval(values, own, deterministic)
    mean = math.fsum(values) / len(values)
    margin = pred.margin(mean)
    hw = (hi - lo) / 2
    out.update(replicates=values, measured=mean, interval=[lo, hi], interval_method=method,
               margin=margin, margin_hw=(margin / hw if hw > 0 else None))
    per = [pred.judge(v) for v in values]
    side = _side(pred, lo, hi)
    if undecided:
        out.update(outcome="inconclusive", reason=undecided[0])
    elif "holds" in per and "fails" in per:
        n_ok = per.count("holds")
        out.update(outcome="inconclusive", flaky=True,
                   reason=f"flaky: replicates disagree, {n_ok} of {len(per)} on the predicted side "
                          f"(values {', '.join(_fmt(v) for v in values)})")
    elif side == "straddles":
        out.update(outcome="inconclusive",
                   reason=f"interval [{_fmt(lo)}, {_fmt(hi)}] straddles the threshold ({pred.describe()})")
    else:
        out["outcome"] = side
    if pred.by_construction and out["outcome"] == "fails":
        out.update(outcome="error", reason=f"a by-construction prediction failed ({pred.by_construction}): "
                                           "a bug in the check, not a finding")
    return out


def judge_regime(cond, raw_values: Sequence[Any]) -> dict:
    """A regime condition is met when every replicate meets it."""
    res = {"name": cond.name, "statement": cond.statement, "rule": cond.describe(),
           "instrument": cond.instrument, "replicates": [], "met": False, "reason": ""}
    try:
        values = [as_number(cond.name, v) for v in raw_values]
    except BadMeasurement as exc:
        res["reason"] = str(exc)
        return res
    if not values:
        res["reason"] = f"regime value {cond.name!r} was not measured"
        return res
    res["replicates"] = values
    bad = [v for v in values if cond.judge(v) != "holds"]
    res["met"] = not bad
    if bad:
        res["reason"] = (f"{cond.statement} ({cond.describe()}; measured "
                         f"{', '.join(_fmt(v) for v in values)})")
    return res


def apply_regime(outcome: dict, regimes: Sequence[dict]) -> dict:
    """Rule 5: an unmet regime condition never leaves a ``fails`` (nor, for an instrument
    condition, a ``holds``) standing."""
    unmet = [r for r in regimes if not r["met"]]
    if not unmet:
        return outcome
    outcome["regime_unmet"] = [r["name"] for r in unmet]
    instrument = [r for r in unmet if r["instrument"]]
    if outcome["outcome"] == "fails" or (instrument and outcome["outcome"] == "holds"):
        why = "; ".join(r["reason"] for r in (instrument or unmet))
        outcome["judged"] = outcome["outcome"]
        outcome.update(outcome="inconclusive", reason=f"not in the regime of the statement: {why}")
    return outcome


def apply_scale(outcome: dict, pred, scale: dict) -> dict:
    """Rule 6: a ``fails`` at reduced scale of an asymptotic statement is not a finding."""
    if (outcome["outcome"] == "fails" and scale.get("reduced") and scale.get("asymptotic_in")
            and not pred.trend):
        outcome["judged"] = outcome["outcome"]
        outcome.update(outcome="inconclusive",
                       reason=f"reduced scale ({scale.get('badge', '')}): the statement is for "
                              f"{', '.join(scale['asymptotic_in'])} -> infinity and this value was read "
                              "at one size below the full profile's; the full profile or a sweep decides")
    return outcome


def status(outcomes: Sequence[dict]) -> str:
    """The numeric status of a claim from its outcomes. By-construction outcomes are not
    evidence: a claim whose only holds are by construction is ``by_construction``."""
    states = [o["outcome"] for o in outcomes]
    if not states or "error" in states:
        return "error"
    if "fails" in states:
        return "fails"
    if "inconclusive" in states:
        return "inconclusive"
    if any(not o.get("by_construction") for o in outcomes):
        return "holds"
    return "by_construction"
