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
