"""fpc.lemC.13: Lemma C.13 (Phase I, stage 2 gradient bounds): listed, not checkable (named in the seed, never stated)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.13', 'Lemma C.13 (Phase I, stage 2 gradient bounds)', 'Lemma C.13 (Appendix C.2, referenced)',
    'The existence of directly follows from Lemma C.12 and Lemma C.13.',
    'named only in the proof of Lemma C.16; its statement is not in the seed')
