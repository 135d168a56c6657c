"""fpc.lemC.30: end of the convergence stage for local queries with Delta > 0 (Lemma C.30,
Appendix C.4.4): Hypothesis C.4 (a, b) holds on [T2, end]; at the end the own-area attention
of masked local queries is >= 1 - eps and their loss gap <= eps."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import DYNAMICS, EPS, SIGN, PositiveGap, delta_sign, end_check, end_predictions


@dataclass(frozen=True)
class Config(PositiveGap):
    eps: float = 0.1            # the target accuracy of the lemma


CLAIM = register(Claim(
    id="fpc.lemC.30",
    cost=trajectory_cost,
    title="End of training for local queries (Delta > 0): area-wide attention and small loss gap",
    statement="For Delta > 0 and p local in k, Hypothesis C.4 holds through the convergence stage and at its "
              "end the loss gap is at most eps and, if p is masked, attn_{p->P_{k,j} cap U} >= 1 - O(eps).",
    statement_latex=(
        r"For $\Delta > 0$ and $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$), Hypothesis C.4 holds "
        r"through the convergence stage $t \ge T_2$, and at its end $T$: (1) $L_p(Q^{(T)}) - L_p^* \le "
        r"\varepsilon$; (2) if $p \in \mathcal{M}$, $\mathrm{attn}_{p \to \mathcal{P}_{k,j} \cap "
        r"\mathcal{U}} \ge 1 - O(\varepsilon)$."),
    source=Source("fpc", "Lemma C.30 (Appendix C.4.4)",
                  "Lemma C.30. For , and , suppose . Then C.4 holds for all , and at iteration , we have - 1. ; "
                  "- 2. If , we have ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN, EPS),
    depends_on=("fpc.lemC.23", "fpc.lemA.9", "fpc.lemA.10"),
    config=Config, predictions=end_predictions, check=end_check("local", True), **DYNAMICS,
    notes="Items 1-2 are reconstructed from their use in the proof of Theorem F.3 (loss gap and area "
          "attention); O(eps) is read with constant 1. Verdict inconclusive when the loss has not settled.",
))
