"""fpc.lemC.2: Lemma C.2 (attention scores in Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.2', 'Lemma C.2 (attention scores in Phase I, stage 1)',
    section='Lemma C.2 (Appendix C.1.1)',
    quote='Lemma C.2. C.1.2 Bounding the Gradient Updates for FP Correlations',
    reason='the statement is entirely lost (only the heading survives)',
    statement_latex=(
        r"Lemma C.2 (attention scores in Phase I, stage 1, $\Delta > 0$): its statement is lost in "
        r"the seed."))
