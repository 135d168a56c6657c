"""fpc.lemC.20: Lemma C.20 (Phase II, stage 1 gradient bounds): listed, not checkable (named in the seed, never
stated)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.20', 'Lemma C.20 (Phase II, stage 1 gradient bounds)',
    section='Lemma C.20 (Appendix C.3, referenced)',
    quote='The proof follows the similar arguments Lemma C.20 by noticing that for any .',
    reason='named only in a proof of Appendix C.4; its statement is not in the seed',
    statement_latex=(
        r"Lemma C.20 (gradient bounds in Phase II, stage 1): named in a proof of Appendix C.4, "
        r"never stated."))
