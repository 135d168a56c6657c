"""fpc.hypE.2: Induction Hypothesis E.2 (global area, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import GLOBAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypE.2', 'Induction Hypothesis E.2 (global area, stage 2)', kind='hypothesis',
    section='Induction Hypothesis E.2 (Appendix E)',
    quote=('Induction Hypothesis E.2. For , suppose , , for each , the following holds: - a. is '
           'monotonically increasing, and ; - b. is monotonically decreasing for and ; - c. for , ; '
           '- d. for .'),
    reason='bounds lost; (a) is checked by fpc.lemE.3',
    statement_latex=hypothesis_latex("Induction Hypothesis E.2 (global area, stage 2)", GLOBAL_AREA_ITEMS))
