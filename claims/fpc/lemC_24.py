"""fpc.lemC.24: Lemma C.24 (attention scores in Phase II, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.24', title='Lemma C.24 (attention scores in Phase II, stage 2)', kind='lemma',
    statement='Lemma C.24 (attention scores in Phase II, stage 2)',
    statement_latex=(
        r"Lemma C.24 (attention scores in Phase II, stage 2, $\Delta > 0$): its statement is lost "
        r"in the seed."),
    source=Source('fpc', 'Lemma C.24 (Appendix C.4.1)',
                  'We first single out several properties of attention scores that will be used for the '
                  'proof of C.4. Lemma C.24.'),
    not_checkable=(
        'the statement is entirely lost')))
