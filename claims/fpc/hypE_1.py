"""fpc.hypE.1: Induction Hypothesis E.1 (global area, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import GLOBAL_AREA_ITEMS, hypothesis_latex, unstated

CLAIM = unstated(
    'fpc.hypE.1', 'Induction Hypothesis E.1 (global area, stage 1)', kind='hypothesis',
    section='Induction Hypothesis E.1 (Appendix E)',
    quote=('Induction Hypothesis E.1. For each , , the following holds: - a. is monotonically '
           'increasing, and ; - b. is monotonically decreasing for and ; - c. for , ; - d. for .'),
    reason='bounds and stage boundary lost; (a) over the whole run is checked by fpc.lemE.3',
    statement_latex=hypothesis_latex("Induction Hypothesis E.1 (global area, stage 1)", GLOBAL_AREA_ITEMS))
