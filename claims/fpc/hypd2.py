"""fpc.hypD.2: Induction Hypothesis D.2 (Delta < 0, stage 2): listed, not checkable (its formulas are lost in the seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.hypD.2', 'Induction Hypothesis D.2 (Delta < 0, stage 2)', 'Induction Hypothesis D.2 (Appendix D)',
    'Induction Hypothesis D.2. For , suppose , for , and each , the following holds: - a. is monotonically increasing, and ; - b. is monotonically decreasing and - c. for ; - d. for , ; - e. for ; - f. for .',
    'bounds lost; monotonicity (a), (b) over stage 2 is checked by fpc.lemD.3',
    kind='hypothesis')
