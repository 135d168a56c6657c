"""Shared by the formal-specification tests: LaTeX that must convert to MathML with every
command understood, and the $...$ segments of a statement."""
import re

from latex2mathml.converter import convert


def mathml(tex: str) -> str:
    assert tex.count("{") == tex.count("}"), tex
    out = convert(tex)
    # latex2mathml passes an unknown command through as <mi>\foo</mi>: every command must be known
    assert "\\" not in out, (tex, re.findall(r"\\[A-Za-z]+", out))
    return out


def segments(text: str) -> list[str]:
    assert text.count("$") % 2 == 0, f"unbalanced $ in {text!r}"
    return text.split("$")[1::2]


def check_statement_latex(claim, may_have_no_math: bool = False) -> None:
    """The claim's LaTeX statement is written and every $...$ segment of it converts; it has a
    segment unless ``may_have_no_math``."""
    assert claim.statement_latex, claim.id
    segs = segments(claim.statement_latex)
    assert segs or may_have_no_math, claim.id
    for seg in segs:
        mathml(seg)


def check_prediction_math(claim, must_be_written: bool = False) -> None:
    """Every quick-profile prediction's mathematical form converts (and is written out, not
    derived from the name, when ``must_be_written``)."""
    for p in claim.predictions(claim.resolve_config("quick")):
        assert p.math or not must_be_written, (claim.id, p.name)
        mathml(p.latex())


def check_assumptions(claim, python_allowed) -> None:
    """Every assumption converts as a SymPy relation, except a Python predicate for which
    ``python_allowed(assumption, quick config)`` is true."""
    cfg = claim.resolve_config("quick")
    for a in claim.assumptions:
        if a.kind == "python":
            assert python_allowed(a, cfg), (claim.id, a.text)
        else:
            mathml(a.latex())


def check_violation_named(claim, overrides: dict, names: str) -> None:
    """The quick configuration with ``overrides`` breaks exactly one assumption, named by ``names``."""
    bad = claim.violations(claim.resolve_config("quick", overrides))
    assert len(bad) == 1 and names in bad[0], bad
