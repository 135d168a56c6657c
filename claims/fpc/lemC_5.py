"""fpc.lemC.5: Lemma C.5 (FP gradient bounds, Phase I): listed, not checkable (named in the seed, never stated)."""
from claims import Claim, Source, register

CLAIM = register(Claim(
    id='fpc.lemC.5', title='Lemma C.5 (FP gradient bounds, Phase I)', kind='lemma',
    statement='Lemma C.5 (FP gradient bounds, Phase I)',
    statement_latex=(
        r"Lemma C.5 (bounds on the FP-correlation gradients $-\partial L / \partial \Phi_{p \to "
        r"v_{k,a}}$ in Phase I): named in the seed, never stated."),
    source=Source('fpc', 'Lemma C.5 (Appendix C.1.2, referenced)',
                  'The proof is similar to Lemma C.5, and thus omitted here.'),
    not_checkable=(
        "named only in proofs ('The proof is similar to Lemma C.5'); its statement is not in the "
        'seed')))
