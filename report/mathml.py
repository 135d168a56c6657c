"""Obligations as mathematics: SymPy's presentation MathML (``Obligation.mathml``), checked
against a whitelist of MathML Core elements and wrapped in ``<math>`` so browsers render it
natively, offline. Anything else (content MathML, a stray tag, malformed text) returns None
and the report shows the SymPy string instead.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
    "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "merror", "semantics", "annotation",
    "mmultiscripts", "mprescripts", "none", "mfenced",
}
_ATTRS = {
    "mathvariant", "open", "close", "separators", "stretchy", "fence", "separator", "form",
    "columnalign", "rowalign", "displaystyle", "scriptlevel", "lspace", "rspace", "accent",
    "accentunder", "linethickness", "largeop", "movablelimits", "symmetric", "minsize",
    "maxsize", "width", "height", "depth", "columnspan", "rowspan", "notation", "mathsize",
    "encoding", "display", "xmlns",
}
_XML_ENTITIES = {"lt", "gt", "amp", "quot", "apos"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
MATHML_NS = "http://www.w3.org/1998/Math/MathML"


def _named_entities_to_chars(text: str) -> str:
    """``&InvisibleTimes;`` -> U+2062 so an XML parser accepts SymPy's output."""
    def sub(m):
        return m.group(0) if m.group(1) in _XML_ENTITIES else html.unescape(m.group(0))
    return _ENTITY.sub(sub, text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _expand_mfenced(el: ET.Element) -> None:
    """``<mfenced>`` is not MathML Core (Chromium ignores it): rewrite as ``<mrow><mo>(``..."""
    for child in list(el):
        _expand_mfenced(child)
    for i, child in enumerate(list(el)):
        if _local(child.tag) != "mfenced":
            continue
        row = ET.Element("mrow")
        seps = (child.get("separators", ",") or "").split() or [""]
        seps = list("".join(seps)) or [""]
        ET.SubElement(row, "mo").text = child.get("open", "(")
        items = list(child)
        for j, item in enumerate(items):
            row.append(item)
            if j < len(items) - 1 and seps[0]:
                ET.SubElement(row, "mo").text = seps[min(j, len(seps) - 1)]
        ET.SubElement(row, "mo").text = child.get("close", ")")
        row.tail = child.tail
        el.remove(child)
        el.insert(i, row)


_RELATIONS = {"=", "\u2264", "\u2265", "<", ">", "\u2260", "&lt;", "&gt;"}


def _split_relation(root: ET.Element) -> None:
    """``lhs = rhs`` too long for one line becomes two left-aligned rows, ``lhs`` and ``= rhs``."""
    kids = list(root)
    row = kids[0] if len(kids) == 1 and _local(kids[0].tag) == "mrow" else root
    parts = list(row)
    rel = [i for i, c in enumerate(parts) if _local(c.tag) == "mo" and (c.text or "").strip() in _RELATIONS]
    if len(rel) != 1 or rel[0] == 0 or rel[0] == len(parts) - 1:
        return
    i = rel[0]
    table = ET.Element("mtable", columnalign="left")
    for cells in (parts[:i], parts[i:]):
        td = ET.SubElement(ET.SubElement(table, "mtr"), "mtd")
        r = ET.SubElement(td, "mrow")
        r.extend(cells)
    for c in list(root):
        root.remove(c)
    root.text = None
    root.append(table)


def render_mathml(markup: str | None, display: str = "block", *, wrap_at: int | None = None) -> str | None:
    """A safe ``<math>`` element for ``markup``, or None if it is empty or not plain
    presentation MathML. With ``wrap_at``, markup longer than that many characters that is one
    relation is set on two rows, the left side above ``= right side``."""
    if not markup or not isinstance(markup, str) or not markup.strip():
        return None
    text = _named_entities_to_chars(markup.strip())
    try:
        root = ET.fromstring(f"<wrap>{text}</wrap>")
    except ET.ParseError:
        return None
    for el in root.iter():
        if el is root:
            continue
        if _local(el.tag) not in _TAGS:
            return None
        if any(_local(a) not in _ATTRS for a in el.attrib):
            return None
    children = list(root)
    if len(children) == 1 and _local(children[0].tag) == "math":
        root = children[0]
        root.attrib.clear()
    _expand_mfenced(root)
    if wrap_at and len(markup) > wrap_at:
        _split_relation(root)
    for el in root.iter():  # drop namespaces: the HTML parser assigns the MathML one
        el.tag = _local(el.tag)
    inner = (html.escape(root.text) if root.text else "") + "".join(
        ET.tostring(c, encoding="unicode", method="xml") for c in root)
    return f'<math xmlns="{MATHML_NS}" display="{display}">{inner}</math>'


def latex_to_mathml(latex: str | None, display: str = "inline") -> str | None:
    """LaTeX rendered offline to MathML (latex2mathml), through the same whitelist as SymPy's
    MathML; None when it cannot be converted (the caller shows the text instead)."""
    if not latex or not isinstance(latex, str) or not latex.strip():
        return None
    try:
        from latex2mathml.converter import convert
        markup = convert(latex.strip())
    except Exception:  # an unsupported construct: fall back to the text
        return None
    if "\\" in re.sub(r"<[^>]+>", "", markup):          # a command latex2mathml passed through
        return None
    return render_mathml(markup, display=display)


_DOLLAR = re.compile(r"\$([^$]+)\$")


def text_with_math(latex: str | None) -> str | None:
    """A statement written as prose around inline ``$...$`` segments (or as one formula when it
    has none) as HTML: the prose escaped, each segment as MathML; None if a segment fails."""
    if not latex or not isinstance(latex, str):
        return None
    if "$" not in latex:
        return latex_to_mathml(latex, display="block")
    out, pos = [], 0
    for m in _DOLLAR.finditer(latex):
        out.append(html.escape(latex[pos:m.start()]))
        math = latex_to_mathml(m.group(1))
        if math is None:
            return None
        out.append(math)
        pos = m.end()
    out.append(html.escape(latex[pos:]))
    return "".join(out)
