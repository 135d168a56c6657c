"""fpc.hypE.2: Induction Hypothesis E.2 (global area, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.hypE.2', title='Induction Hypothesis E.2 (global area, stage 2)', kind='hypothesis',
    statement='Induction Hypothesis E.2 (global area, stage 2)',
    statement_latex=(
        r"Induction Hypothesis E.2 (global area, stage 2): for each $k \in [K]$ and each query $p$ "
        r"in the global area $\mathcal{P}_{k,1}$: (a) the target FP correlation $\Phi^{(t)}_{p \to "
        r"v_{k,1}}$ is monotonically increasing; (b) an FP correlation $\Phi^{(t)}_{p \to v_{k,a}}$ "
        r"($a \neq 1$) is monotonically decreasing; (c), (d) bound the remaining correlations. The "
        r"bounds of every item and the stage's boundaries are lost in the seed."),
    source=Source('fpc', 'Induction Hypothesis E.2 (Appendix E)',
                  'Induction Hypothesis E.2. For , suppose , , for each , the following holds: - a. is '
                  'monotonically increasing, and ; - b. is monotonically decreasing for and ; - c. for , ; '
                  '- d. for .'),
    not_checkable=(
        'bounds lost; (a) is checked by fpc.lemE.3')))
