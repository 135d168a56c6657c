"""fpc.lemC.12: Lemma C.12 (Phase I, stage 2 gradient bounds): listed, not checkable (named in the seed, never
stated)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.12', title='Lemma C.12 (Phase I, stage 2 gradient bounds)', kind='lemma',
    statement='Lemma C.12 (Phase I, stage 2 gradient bounds)',
    statement_latex=(
        r"Lemma C.12 (gradient bounds in Phase I, stage 2): named in the proof of Lemma C.16, never "
        r"stated."),
    source=Source('fpc', 'Lemma C.12 (Appendix C.2, referenced)',
                  'The existence of directly follows from Lemma C.12 and Lemma C.13.'),
    not_checkable=(
        'named only in the proof of Lemma C.16; its statement is not in the seed')))
