"""fpc.hypC.3: Induction Hypothesis C.3 (Phase II, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.hypC.3', title='Induction Hypothesis C.3 (Phase II, stage 1)', kind='hypothesis',
    statement='Induction Hypothesis C.3 (Phase II, stage 1)',
    statement_latex=(
        r"Induction Hypothesis C.3 (Phase II, stage 1, $\Delta > 0$): for each $k \in [K]$ and each "
        r"query $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$): (a) the target FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) the global FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing; (c)-(f) bound the other FP "
        r"correlations $\Phi^{(t)}_{p \to v_{k,a}}$ and the PP correlations $\Upsilon^{(t)}_{p \to "
        r"q}$. The bounds of every item and the stage's boundaries are lost in the seed."),
    source=Source('fpc', 'Induction Hypothesis C.3 (Appendix C.3)',
                  'Induction Hypothesis C.3. For each , , the following holds: - a. is monotonically '
                  'increasing, and ; - b. is monotonically decreasing and - c. for ; - d. for , ; - e. for '
                  '.; - f. for .'),
    not_checkable=(
        'bounds lost; monotonicity (a), (b) over the rapid-growth stage is checked by fpc.lemC.23')))
