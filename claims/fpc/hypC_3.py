"""fpc.hypC.3: Induction Hypothesis C.3 (Phase II, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import LOCAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypC.3', 'Induction Hypothesis C.3 (Phase II, stage 1)', kind='hypothesis',
    section='Induction Hypothesis C.3 (Appendix C.3)',
    quote=('Induction Hypothesis C.3. For each , , the following holds: - a. is monotonically '
           'increasing, and ; - b. is monotonically decreasing and - c. for ; - d. for , ; - e. for '
           '.; - f. for .'),
    reason='bounds lost; monotonicity (a), (b) over the rapid-growth stage is checked by fpc.lemC.23',
    statement_latex=hypothesis_latex(r"Induction Hypothesis C.3 (Phase II, stage 1, $\Delta > 0$)", LOCAL_AREA_ITEMS))
