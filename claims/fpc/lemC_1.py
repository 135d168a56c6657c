"""fpc.lemC.1: Lemma C.1 (attention scores in Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.1', title='Lemma C.1 (attention scores in Phase I, stage 1)', kind='lemma',
    statement='Lemma C.1 (attention scores in Phase I, stage 1)',
    statement_latex=(
        r"Lemma C.1 (attention scores in Phase I, stage 1, $\Delta > 0$): its statement is lost in "
        r"the seed."),
    source=Source('fpc', 'Lemma C.1 (Appendix C.1.1)',
                  'C.1.1 Property of Attention Scores Lemma C.1.'),
    not_checkable=(
        'the statement is entirely lost (only the heading survives)')))
