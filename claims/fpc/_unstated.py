"""Claims the seed still names but whose statement lost every formula: registered with the
reason, so that ``python -m checks list --paper fpc`` shows them instead of dropping them."""
from __future__ import annotations

from claims import Claim, Source, register

# what survives of the items of the induction hypotheses C.1-C.4 and D.1-D.2 (queries in a local
# area) and E.1-E.2 (queries in the global area); every bound is lost
LOCAL_AREA_ITEMS = (
    r"for each $k \in [K]$ and each query $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$): (a) the "
    r"target FP correlation $\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) the global FP "
    r"correlation $\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing; (c)-(f) bound the other FP "
    r"correlations $\Phi^{(t)}_{p \to v_{k,a}}$ and the PP correlations $\Upsilon^{(t)}_{p \to q}$.")
GLOBAL_AREA_ITEMS = (
    r"for each $k \in [K]$ and each query $p$ in the global area $\mathcal{P}_{k,1}$: (a) the target FP "
    r"correlation $\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically increasing; (b) an FP correlation "
    r"$\Phi^{(t)}_{p \to v_{k,a}}$ ($a \neq 1$) is monotonically decreasing; (c), (d) bound the remaining "
    r"correlations.")


def hypothesis_latex(head: str, items: str) -> str:
    """The LaTeX statement of an induction hypothesis: ``head`` (its name and stage), then what
    survives of its ``items`` (``LOCAL_AREA_ITEMS`` or ``GLOBAL_AREA_ITEMS``)."""
    return f"{head}: {items} The bounds of every item and the stage's boundaries are lost in the seed."


def unstated(claim_id: str, title: str, section: str, quote: str, reason: str, *, kind: str = "lemma",
             depends_on: tuple = (), statement_latex: str = "") -> Claim:
    """``statement_latex``: what survives of the statement, prose around inline $...$ math."""
    return register(Claim(id=claim_id, title=title, kind=kind, statement=title, statement_latex=statement_latex,
                          source=Source("fpc", section, quote), depends_on=depends_on,
                          not_checkable=reason))
