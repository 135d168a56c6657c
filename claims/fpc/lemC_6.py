"""fpc.lemC.6: Lemma C.6 (positional-correlation gradients, stage 1): listed, not checkable (its formulas are lost in
the seed)."""
from ._unstated import unstated

CLAIM = unstated(
    'fpc.lemC.6', 'Lemma C.6 (positional-correlation gradients, stage 1)',
    section='Lemma C.6 (Appendix C.1.3)',
    quote='C.1.3 Bounding the Gradient Updates for Positional Correlations Lemma C.6.',
    reason=('the statement is entirely lost; its subject (projected PP gradients are small) is '
            'measured by fpc.eq5.1'),
    statement_latex=(
        r"Lemma C.6 (bounds on the gradients of the PP correlations $\Upsilon_{p \to q}$ in Phase "
        r"I, stage 1): its statement is lost in the seed."))
