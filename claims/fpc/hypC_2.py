"""fpc.hypC.2: Induction Hypothesis C.2 (Phase I, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypC.2', 'Induction Hypothesis C.2 (Phase I, stage 2)', kind='hypothesis',
    section='Induction Hypothesis C.2 (Appendix C.2)',
    quote=('Induction Hypothesis C.2. For each , , the following holds: - a. is monotonically '
           'increasing, and ; - b. is monotonically decreasing and ; - c. for ; - d. for , ; - e. '
           'for .; - f. for .'),
    reason=('the stage 1/stage 2 boundary and every bound are lost; monotonicity (a), (b) over Phase I '
            'is checked by fpc.lemC.16'),
    statement_latex=hypothesis_latex(r"Induction Hypothesis C.2 (Phase I, stage 2, $\Delta > 0$)", LOCAL_AREA_ITEMS))
