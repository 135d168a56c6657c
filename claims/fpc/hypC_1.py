"""fpc.hypC.1: Induction Hypothesis C.1 (Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypC.1', 'Induction Hypothesis C.1 (Phase I, stage 1)', kind='hypothesis',
    section='Induction Hypothesis C.1 (Appendix C.1)',
    quote=('Induction Hypothesis C.1. For each , , the following holds: - a. is monotonically '
           'increasing, and ; - b. is monotonically decreasing and ; - c. for ; - d. for , ; - e. '
           'for ; - f. for .'),
    reason=("the stage's boundaries and every bound of items (a)-(f) are lost; the surviving "
            'monotonicity of (a), (b) is checked over the whole of Phase I by fpc.lemC.16'),
    statement_latex=hypothesis_latex(r"Induction Hypothesis C.1 (Phase I, stage 1, $\Delta > 0$)", LOCAL_AREA_ITEMS))
