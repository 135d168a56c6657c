"""fpc.lemC.17: Lemma C.17 (attention scores in Phase II, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.17', 'Lemma C.17 (attention scores in Phase II, stage 1)',
    section='Lemma C.17 (Appendix C.3.1)',
    quote=('We first single out several properties of attention scores that will be used for the '
           'proof of C.3. Lemma C.17.'),
    reason='the statement is entirely lost',
    statement_latex=(
        r"Lemma C.17 (attention scores in Phase II, stage 1, $\Delta > 0$): its statement is lost "
        r"in the seed."))
