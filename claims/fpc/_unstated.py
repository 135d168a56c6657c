"""Claims the seed still names but whose statement lost every formula: registered with the
reason, so that ``python -m checks list --paper fpc`` shows them instead of dropping them."""
from __future__ import annotations

from claims import Claim, Source, register


def unstated(claim_id: str, title: str, section: str, quote: str, reason: str, *, kind: str = "lemma",
             depends_on: tuple = (), statement_latex: str = "") -> Claim:
    """``statement_latex``: what survives of the statement, prose around inline $...$ math."""
    return register(Claim(id=claim_id, title=title, kind=kind, statement=title, statement_latex=statement_latex,
                          source=Source("fpc", section, quote), depends_on=depends_on,
                          not_checkable=reason))
