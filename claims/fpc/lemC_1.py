"""fpc.lemC.1: Lemma C.1 (attention scores in Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.1', 'Lemma C.1 (attention scores in Phase I, stage 1)',
    section='Lemma C.1 (Appendix C.1.1)',
    quote='C.1.1 Property of Attention Scores Lemma C.1.',
    reason='the statement is entirely lost (only the heading survives)',
    statement_latex=(
        r"Lemma C.1 (attention scores in Phase I, stage 1, $\Delta > 0$): its statement is lost in "
        r"the seed."))
