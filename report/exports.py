"""Machine-readable exports written next to the HTML: one JSON document with every result
and the summary, and JUnit XML for CI systems (one testsuite per paper, one testcase per
claim: ``fails`` -> <failure>, ``error`` -> <error>, ``skipped`` and ``inconclusive`` ->
<skipped> with the reason; ``holds`` passes).
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import xml.etree.ElementTree as ET

from .result import EXPORT_DOCUMENT
from .summary import claim_view, metadata

EXPORT_VERSION = 1


def json_document(results: list[dict], graph: dict, generated_at: str | None = None) -> str:
    meta = metadata(results)
    claims = []
    for r in results:
        v = claim_view(r)
        claims.append({"id": v["id"], "title": v["title"], "paper": v["paper"], "section": v["section"],
                       "verdict": v["verdict"], "symbolic": v["symbolic_status"], "numeric": v["numeric_status"],
                       "key_prediction": v["key"]["rule"], "measured": v["key"]["measured"], "why": v["why"],
                       "wall_s": v["wall_s"], "command": v["command"],
                       "unsupported_by": [{"claim": d, "verdict": s}
                                          for d, s in graph["unsupported"].get(v["id"], [])]})
    doc = {"document": EXPORT_DOCUMENT, "export_version": EXPORT_VERSION,
           "generated_at": generated_at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
           "summary": meta, "not_verified": graph["missing"], "dependency_cycles": graph["cycles"],
           "claims": claims, "results": results}
    return json.dumps(doc, indent=1, sort_keys=True, default=str)


def junit_xml(results: list[dict], graph: dict) -> str:
    meta = metadata(results)
    root = ET.Element("testsuites", name="mlclaims", tests=str(meta["n"]),
                      failures=str(meta["counts"]["fails"]), errors=str(meta["counts"]["error"]),
                      skipped=str(meta["counts"]["skipped"] + meta["counts"]["inconclusive"]),
                      time=f"{meta['total_s']:.3f}")
    for paper, info in meta["papers"].items():
        rs = [r for r in results if claim_view(r)["paper"] == paper]
        c = info["counts"]
        suite = ET.SubElement(root, "testsuite", name=paper, tests=str(info["total"]), failures=str(c["fails"]),
                              errors=str(c["error"]), skipped=str(c["skipped"] + c["inconclusive"]),
                              time=f"{sum(claim_view(r)['wall_s'] or 0 for r in rs):.3f}")
        for r in rs:
            v = claim_view(r)
            case = ET.SubElement(suite, "testcase", classname=f"mlclaims.{paper}",
                                 name=v["id"], time=f"{v['wall_s'] or 0:.3f}")
            props = ET.SubElement(case, "properties")
            for key in ("verdict", "symbolic_status", "numeric_status", "profile", "device", "seed", "commit"):
                ET.SubElement(props, "property", name=key, value=str(v[key]))
            if v["id"] in graph["unsupported"]:
                ET.SubElement(props, "property", name="unsupported_by", value=", ".join(
                    f"{d} ({s})" for d, s in graph["unsupported"][v["id"]]))
            detail = "\n".join([v["title"], v["why"]] + [f"{p['rule']}: measured {p['measured']} -> {p['outcome']}"
                                                         for p in v["predictions"]])
            if v["verdict"] == "fails":
                ET.SubElement(case, "failure", message=v["why"][:500], type="fails").text = detail
            elif v["verdict"] == "error":
                err = v["errors"][0] if v["errors"] else {"type": "error", "message": v["why"], "traceback": ""}
                ET.SubElement(case, "error", message=f"{err['message']}"[:500], type=err["type"] or "error").text = \
                    err["traceback"] or detail
            elif v["verdict"] in ("skipped", "inconclusive"):
                ET.SubElement(case, "skipped", message=f"{v['verdict']}: {v['why']}"[:500])
            ET.SubElement(case, "system-out").text = f"{detail}\nreproduce: {v['command']}"
    _strip_control(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text):
    return _CONTROL.sub("\ufffd", text) if isinstance(text, str) else text


def _strip_control(root) -> None:
    """XML 1.0 cannot carry most control characters: replace them (U+FFFD) in every text and
    attribute, so the JUnit file stays well-formed whatever a message contains."""
    for el in root.iter():
        el.text, el.tail = _clean(el.text), _clean(el.tail)
        for k, v in list(el.attrib.items()):
            el.attrib[k] = _clean(v)
