"""fpc.lemC.5: Lemma C.5 (FP gradient bounds, Phase I): listed, not checkable (named in the seed, never stated)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.5', 'Lemma C.5 (FP gradient bounds, Phase I)', 'Lemma C.5 (Appendix C.1.2, referenced)',
    'The proof is similar to Lemma C.5, and thus omitted here.',
    "named only in proofs ('The proof is similar to Lemma C.5'); its statement is not in the seed")
