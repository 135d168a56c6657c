"""fpc.lemC.17: Lemma C.17 (attention scores in Phase II, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.17', title='Lemma C.17 (attention scores in Phase II, stage 1)', kind='lemma',
    statement='Lemma C.17 (attention scores in Phase II, stage 1)',
    statement_latex=(
        r"Lemma C.17 (attention scores in Phase II, stage 1, $\Delta > 0$): its statement is lost "
        r"in the seed."),
    source=Source('fpc', 'Lemma C.17 (Appendix C.3.1)',
                  'We first single out several properties of attention scores that will be used for the '
                  'proof of C.3. Lemma C.17.'),
    not_checkable=(
        'the statement is entirely lost')))
