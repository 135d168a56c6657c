"""fpc.lemC.10: Lemma C.10 (attention scores in Phase I, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.10', 'Lemma C.10 (attention scores in Phase I, stage 2)',
    section='Lemma C.10 (Appendix C.2.1)',
    quote=('We first single out several properties of attention scores that will be used for the '
           'proof of C.2. Lemma C.10.'),
    reason='the statement is entirely lost',
    statement_latex=(
        r"Lemma C.10 (attention scores in Phase I, stage 2, $\Delta > 0$): its statement is lost in "
        r"the seed."))
