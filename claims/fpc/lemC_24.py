"""fpc.lemC.24: Lemma C.24 (attention scores in Phase II, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.24', 'Lemma C.24 (attention scores in Phase II, stage 2)',
    section='Lemma C.24 (Appendix C.4.1)',
    quote=('We first single out several properties of attention scores that will be used for the '
           'proof of C.4. Lemma C.24.'),
    reason='the statement is entirely lost',
    statement_latex=(
        r"Lemma C.24 (attention scores in Phase II, stage 2, $\Delta > 0$): its statement is lost "
        r"in the seed."))
