"""fpc.hypD.1: Induction Hypothesis D.1 (Delta < 0, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypD.1', 'Induction Hypothesis D.1 (Delta < 0, stage 1)', kind='hypothesis',
    section='Induction Hypothesis D.1 (Appendix D)',
    quote=('Induction Hypothesis D.1. For each , , the following holds: - a. is monotonically '
           'increasing, and ; - b. is monotonically decreasing and - c. for ; - d. for , ; - e. for '
           '; - f. for .'),
    reason=('bounds and stage boundary lost; monotonicity (a), (b) over the whole run is checked by '
            'fpc.hypB.2 and fpc.thmF.2'),
    statement_latex=hypothesis_latex(r"Induction Hypothesis D.1 (stage 1, $\Delta < 0$)", LOCAL_AREA_ITEMS))
