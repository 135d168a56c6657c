"""fpc.lemC.24: Lemma C.24 (attention scores in Phase II, stage 2): listed, not checkable (its formulas are lost in the seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.24', 'Lemma C.24 (attention scores in Phase II, stage 2)', 'Lemma C.24 (Appendix C.4.1)',
    'We first single out several properties of attention scores that will be used for the proof of C.4. Lemma C.24.',
    'the statement is entirely lost',
    kind='lemma')
