"""fpc.lemC.2: Lemma C.2 (attention scores in Phase I, stage 1): listed, not checkable (its formulas are lost in the
seed)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.2', title='Lemma C.2 (attention scores in Phase I, stage 1)', kind='lemma',
    statement='Lemma C.2 (attention scores in Phase I, stage 1)',
    statement_latex=(
        r"Lemma C.2 (attention scores in Phase I, stage 1, $\Delta > 0$): its statement is lost in "
        r"the seed."),
    source=Source('fpc', 'Lemma C.2 (Appendix C.1.1)',
                  'Lemma C.2. C.1.2 Bounding the Gradient Updates for FP Correlations'),
    not_checkable=(
        'the statement is entirely lost (only the heading survives)')))
