"""fpc.lemC.5: Lemma C.5 (FP gradient bounds, Phase I): listed, not checkable (named in the seed, never stated)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.5', 'Lemma C.5 (FP gradient bounds, Phase I)',
    section='Lemma C.5 (Appendix C.1.2, referenced)',
    quote='The proof is similar to Lemma C.5, and thus omitted here.',
    reason=("named only in proofs ('The proof is similar to Lemma C.5'); its statement is not in the "
            'seed'),
    statement_latex=(
        r"Lemma C.5 (bounds on the FP-correlation gradients $-\partial L / \partial \Phi_{p \to "
        r"v_{k,a}}$ in Phase I): named in the seed, never stated."))
