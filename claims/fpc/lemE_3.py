"""fpc.lemE.3: end of training for global-area queries (Lemma E.3, Appendix E): Hypothesis
E.2 item (a) holds at every step and global-area queries reach area-wide attention."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import DYNAMICS, EPS, SIGN, PositiveGap, end_check, item_a_note


@dataclass(frozen=True)
class Config(PositiveGap):              # the analysis does not depend on the sign of Delta
    eps: float = 0.1


def predictions(cfg):
    return (
        Prediction("a_violations", "(a) the target (global) FP of global-area queries never decreases", "<=", 0,
                   by_construction=item_a_note(cfg)),
        Prediction("own_attn_deficit", "2: 1 - mean attn_{p->P_{k,1} cap U} <= eps", "<=", cfg.eps),
        Prediction("loss_gap", "1: mean per-query loss gap <= eps", "<=", cfg.eps),
    )


CLAIM = register(Claim(
    id="fpc.lemE.3",
    cost=trajectory_cost,
    title="End of training for global-area queries: area-wide attention and small loss gap",
    statement="For p in the global area of k (either sign of Delta), Hypothesis E.2 holds and at the end the "
              "loss gap is at most eps and, if p is masked, attn_{p->P_{k,1} cap U} >= 1 - O(eps).",
    statement_latex=(
        r"For $p$ in the global area $\mathcal{P}_{k,1}$ (either sign of $\Delta$), Hypothesis E.2 holds, "
        r"and at the end $T$: (1) $L_p(Q^{(T)}) - L_p^* \le \varepsilon$; (2) if $p \in \mathcal{M}$, "
        r"$\mathrm{attn}_{p \to \mathcal{P}_{k,1} \cap \mathcal{U}} \ge 1 - O(\varepsilon)$."),
    source=Source("fpc", "Lemma E.3 (Appendix E)",
                  "Lemma E.3. Suppose , then E.2 holds for all , and at iteration , we have - 1. ; "
                  "- 2. If , we have ."),
    assumptions=DATA_ASSUMPTIONS + (SIGN, EPS),
    depends_on=("fpc.lem5.1", "fpc.lem5.2", "fpc.lemA.9", "fpc.lemA.10"),
    config=Config, predictions=predictions, check=end_check("global", False), **DYNAMICS,
    notes="E.2 (a) checked over the whole run (global-area queries have a single phase); items 1-2 "
          "reconstructed as in fpc.lemC.30.",
))
