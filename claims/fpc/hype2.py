"""fpc.hypE.2: Induction Hypothesis E.2 (global area, stage 2): listed, not checkable (its formulas are lost in the seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.hypE.2', 'Induction Hypothesis E.2 (global area, stage 2)', 'Induction Hypothesis E.2 (Appendix E)',
    'Induction Hypothesis E.2. For , suppose , , for each , the following holds: - a. is monotonically increasing, and ; - b. is monotonically decreasing for and ; - c. for , ; - d. for .',
    'bounds lost; (a) is checked by fpc.lemE.3',
    kind='hypothesis')
