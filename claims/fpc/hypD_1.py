"""fpc.hypD.1: Induction Hypothesis D.1 (Delta < 0, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.hypD.1', title='Induction Hypothesis D.1 (Delta < 0, stage 1)', kind='hypothesis',
    statement='Induction Hypothesis D.1 (Delta < 0, stage 1)',
    statement_latex=(
        r"Induction Hypothesis D.1 (stage 1, $\Delta < 0$): for each $k \in [K]$ and each query $p$ "
        r"in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$): (a) the target FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) the global FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing; (c)-(f) bound the other FP "
        r"correlations $\Phi^{(t)}_{p \to v_{k,a}}$ and the PP correlations $\Upsilon^{(t)}_{p \to "
        r"q}$. The bounds of every item and the stage's boundaries are lost in the seed."),
    source=Source('fpc', 'Induction Hypothesis D.1 (Appendix D)',
                  'Induction Hypothesis D.1. For each , , the following holds: - a. is monotonically '
                  'increasing, and ; - b. is monotonically decreasing and - c. for ; - d. for , ; - e. for '
                  '; - f. for .'),
    not_checkable=(
        'bounds and stage boundary lost; monotonicity (a), (b) over the whole run is checked by '
        'fpc.hypB.2 and fpc.thmF.2')))
