"""Phase detection on recorded trajectories (Sections 5.2-5.4, Theorems F.3/F.4).

For a query position p and a cluster k with p in a local area j of k, two rates are read
off the recorded gradients at every recorded step t (positive = the direction the paper
says the correlation moves):

  growth(t)     = -dL/dPhi_{p->v_{k,j}}   (target FP correlation increasing)
  decoupling(t) = +dL/dPhi_{p->v_{k,1}}   (global FP correlation decreasing)

Definitions used by every fpc phase claim:

* switch index T1 of a pair: the first recorded index t with growth(t) >= decoupling(t),
  i.e. the step at which the target FP gradient overtakes the global one (Lemma 5.3);
  -1 if it never happens within the record.
* a pair is *one-phase* if T1 == 0 (growth dominates from the start), *two-phase* if
  T1 > 0 (decoupling dominates first, then growth), *undetermined* if T1 == -1.
* a run is classified by the majority of its local pairs: two-phase if more than half are
  two-phase, one-phase if more than half are one-phase, otherwise mixed.
* the rapid-growth stage of Phase II ends at T2, the index after T1 at which growth(t)
  is largest (afterwards the growth decelerates: convergence stage, Section 5.3).
"""
from __future__ import annotations

import numpy as np

ONE, TWO, UNDETERMINED, MIXED = "one-phase", "two-phase", "undetermined", "mixed"
LABEL_CODE = {ONE: 1, TWO: 2, MIXED: 0, UNDETERMINED: 0}


def switch_index(growth: np.ndarray, decoupling: np.ndarray) -> np.ndarray:
    """(T, n) rates -> (n,) first index with growth >= decoupling, -1 if none."""
    growth, decoupling = np.atleast_2d(growth.T).T, np.atleast_2d(decoupling.T).T
    over = growth >= decoupling                                   # (T, n)
    first = over.argmax(axis=0)
    return np.where(over.any(axis=0), first, -1)


def classify_pairs(t1: np.ndarray) -> np.ndarray:
    """(n,) switch indices -> (n,) labels."""
    t1 = np.asarray(t1)
    return np.where(t1 == 0, ONE, np.where(t1 > 0, TWO, UNDETERMINED))


def classify_run(growth: np.ndarray, decoupling: np.ndarray) -> dict:
    """Majority label over pairs, with the fractions and the switch indices."""
    t1 = switch_index(growth, decoupling)
    labels = classify_pairs(t1)
    frac = {lab: float((labels == lab).mean()) for lab in (ONE, TWO, UNDETERMINED)}
    label = TWO if frac[TWO] > 0.5 else ONE if frac[ONE] > 0.5 else MIXED
    return {"label": label, "fractions": frac, "t1": t1}


def growth_peak_index(growth: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(T, n) growth and (n,) start indices -> (n,) argmax of growth over t >= start."""
    T = growth.shape[0]
    masked = np.where(np.arange(T)[:, None] >= np.maximum(start, 0)[None, :], growth, -np.inf)
    return masked.argmax(axis=0)


def monotone_violations(x: np.ndarray, increasing: bool, lo: np.ndarray | None = None,
                        hi: np.ndarray | None = None, tol: float = 0.0) -> tuple[int, int]:
    """Count steps t (within [lo, hi) per column) where x[t+1] - x[t] has the wrong sign
    beyond ``tol``. x: (T, n). Returns (violations, steps examined)."""
    d = np.diff(x, axis=0)                                        # (T-1, n)
    bad = d < -tol if increasing else d > tol
    T1, n = d.shape
    t = np.arange(T1)[:, None]
    sel = np.ones_like(bad, dtype=bool)
    if lo is not None:
        sel &= t >= np.asarray(lo)[None, :]
    if hi is not None:
        sel &= t < np.asarray(hi)[None, :]
    return int((bad & sel).sum()), int(sel.sum())
