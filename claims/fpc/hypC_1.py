"""fpc.hypC.1: Induction Hypothesis C.1 (Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.hypC.1', title='Induction Hypothesis C.1 (Phase I, stage 1)', kind='hypothesis',
    statement='Induction Hypothesis C.1 (Phase I, stage 1)',
    statement_latex=(
        r"Induction Hypothesis C.1 (Phase I, stage 1, $\Delta > 0$): for each $k \in [K]$ and each "
        r"query $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$): (a) the target FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) the global FP correlation "
        r"$\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing; (c)-(f) bound the other FP "
        r"correlations $\Phi^{(t)}_{p \to v_{k,a}}$ and the PP correlations $\Upsilon^{(t)}_{p \to "
        r"q}$. The bounds of every item and the stage's boundaries are lost in the seed."),
    source=Source('fpc', 'Induction Hypothesis C.1 (Appendix C.1)',
                  'Induction Hypothesis C.1. For each , , the following holds: - a. is monotonically '
                  'increasing, and ; - b. is monotonically decreasing and ; - c. for ; - d. for , ; - e. '
                  'for ; - f. for .'),
    not_checkable=(
        "the stage's boundaries and every bound of items (a)-(f) are lost; the surviving "
        'monotonicity of (a), (b) is checked over the whole of Phase I by fpc.lemC.16')))
