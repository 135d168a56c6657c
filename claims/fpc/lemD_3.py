"""fpc.lemD.3: end of training for local queries with Delta < 0 (Lemma D.3, Appendix D):
Hypothesis D.2 (a, b) holds and the local queries reach area-wide attention."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import DYNAMICS, EPS, SIGN, NegativeGap, delta_sign, end_check, end_predictions


@dataclass(frozen=True)
class Config(NegativeGap):
    eps: float = 0.1


CLAIM = register(Claim(
    id="fpc.lemD.3",
    cost=trajectory_cost,
    title="End of training for local queries (Delta < 0): area-wide attention and small loss gap",
    statement="For Delta < 0 and p local in k, Hypothesis D.2 holds through stage 2 and at its end the loss "
              "gap is at most eps and, if p is masked, attn_{p->P_{k,j} cap U} >= 1 - O(eps).",
    statement_latex=(
        r"For $\Delta < 0$ and $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$), Hypothesis D.2 holds "
        r"through stage 2, and at its end $T$: (1) $L_p(Q^{(T)}) - L_p^* \le \varepsilon$; (2) if $p \in "
        r"\mathcal{M}$, $\mathrm{attn}_{p \to \mathcal{P}_{k,j} \cap \mathcal{U}} \ge 1 - O(\varepsilon)$."),
    source=Source("fpc", "Lemma D.3 (Appendix D)",
                  "Lemma D.3. Suppose , then D.2 holds for all , and at iteration , we have - 1. ; "
                  "- 2. If , we have ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(False), SIGN, EPS),
    depends_on=("fpc.lem5.1", "fpc.lem5.2", "fpc.lemA.9", "fpc.lemA.10"),
    config=Config, predictions=end_predictions, check=end_check("local", True), **DYNAMICS,
    notes="Stage 2 starts at the growth peak T2 (claims/fpc/_phases.py); items 1-2 reconstructed as in "
          "fpc.lemC.30.",
))
