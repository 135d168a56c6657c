"""fpc.hypD.2: Induction Hypothesis D.2 (Delta < 0, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypD.2', 'Induction Hypothesis D.2 (Delta < 0, stage 2)', kind='hypothesis',
    section='Induction Hypothesis D.2 (Appendix D)',
    quote=('Induction Hypothesis D.2. For , suppose , for , and each , the following holds: - a. is '
           'monotonically increasing, and ; - b. is monotonically decreasing and - c. for ; - d. '
           'for , ; - e. for ; - f. for .'),
    reason='bounds lost; monotonicity (a), (b) over stage 2 is checked by fpc.lemD.3',
    statement_latex=hypothesis_latex(r"Induction Hypothesis D.2 (stage 2, $\Delta < 0$)", LOCAL_AREA_ITEMS))
