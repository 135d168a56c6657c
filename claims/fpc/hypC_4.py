"""fpc.hypC.4: Induction Hypothesis C.4 (Phase II, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypC.4', 'Induction Hypothesis C.4 (Phase II, stage 2)', kind='hypothesis',
    section='Induction Hypothesis C.4 (Appendix C.4)',
    quote=('Induction Hypothesis C.4. For , suppose , for each , , the following holds: - a. is '
           'monotonically increasing, and ; - b. is monotonically decreasing and ; - c. for ; - d. '
           'for , ; - e. for .; - f. for .'),
    reason='bounds lost; monotonicity (a), (b) over the convergence stage is checked by fpc.lemC.30',
    statement_latex=hypothesis_latex(r"Induction Hypothesis C.4 (Phase II, stage 2, $\Delta > 0$)", LOCAL_AREA_ITEMS))
