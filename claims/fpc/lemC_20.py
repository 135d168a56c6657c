"""fpc.lemC.20: Lemma C.20 (Phase II, stage 1 gradient bounds): listed, not checkable (named in the seed, never
stated)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.20', title='Lemma C.20 (Phase II, stage 1 gradient bounds)', kind='lemma',
    statement='Lemma C.20 (Phase II, stage 1 gradient bounds)',
    statement_latex=(
        r"Lemma C.20 (gradient bounds in Phase II, stage 1): named in a proof of Appendix C.4, "
        r"never stated."),
    source=Source('fpc', 'Lemma C.20 (Appendix C.3, referenced)',
                  'The proof follows the similar arguments Lemma C.20 by noticing that for any .'),
    not_checkable=(
        'named only in a proof of Appendix C.4; its statement is not in the seed')))
