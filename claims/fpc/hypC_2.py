"""fpc.hypC.2: Induction Hypothesis C.2 (Phase I, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.hypC.2', title='Induction Hypothesis C.2 (Phase I, stage 2)', kind='hypothesis',
    statement='Induction Hypothesis C.2 (Phase I, stage 2)',
    statement_latex=(
        r"Induction Hypothesis C.2 (Phase I, stage 2, $\Delta > 0$): for each $k \in [K]$ and each "
        r"query $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$): (a) the target FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) the global FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing; (c)-(f) bound the other FP "
        r"correlations $\Phi^{(t)}_{p \to v_{k,a}}$ and the PP correlations $\Upsilon^{(t)}_{p \to "
        r"q}$. The bounds of every item and the stage's boundaries are lost in the seed."),
    source=Source('fpc', 'Induction Hypothesis C.2 (Appendix C.2)',
                  'Induction Hypothesis C.2. For each , , the following holds: - a. is monotonically '
                  'increasing, and ; - b. is monotonically decreasing and ; - c. for ; - d. for , ; - e. '
                  'for .; - f. for .'),
    not_checkable=(
        'the stage 1/stage 2 boundary and every bound are lost; monotonicity (a), (b) over Phase I '
        'is checked by fpc.lemC.16')))
