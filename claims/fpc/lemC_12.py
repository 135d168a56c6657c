"""fpc.lemC.12: Lemma C.12 (Phase I, stage 2 gradient bounds): listed, not checkable (named in the seed, never
stated)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.12', 'Lemma C.12 (Phase I, stage 2 gradient bounds)',
    section='Lemma C.12 (Appendix C.2, referenced)',
    quote='The existence of directly follows from Lemma C.12 and Lemma C.13.',
    reason='named only in the proof of Lemma C.16; its statement is not in the seed',
    statement_latex=(
        r"Lemma C.12 (gradient bounds in Phase I, stage 2): named in the proof of Lemma C.16, never "
        r"stated."))
