"""fpc.lemC.10: Lemma C.10 (attention scores in Phase I, stage 2): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.10', title='Lemma C.10 (attention scores in Phase I, stage 2)', kind='lemma',
    statement='Lemma C.10 (attention scores in Phase I, stage 2)',
    statement_latex=(
        r"Lemma C.10 (attention scores in Phase I, stage 2, $\Delta > 0$): its statement is lost in "
        r"the seed."),
    source=Source('fpc', 'Lemma C.10 (Appendix C.2.1)',
                  'We first single out several properties of attention scores that will be used for the '
                  'proof of C.2. Lemma C.10.'),
    not_checkable=(
        'the statement is entirely lost')))
