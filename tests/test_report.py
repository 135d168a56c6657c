"""The HTML report and its exports, rendered from the checked-in fixture results
(``tests/fixtures/results``: every verdict) and from small hand-made results."""
from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from checks import cli
from report import graph as rgraph
from report import result as store
from report import write_report
from report.errors import ResultSchemaError
from report.html import load, render
from report.mathml import render_mathml
from report.plots import render_series
from report.summary import claim_view, key_prediction, metadata

FIXTURES = Path(__file__).parent / "fixtures" / "results"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    return store.load_results(FIXTURES)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report.html"
    path = write_report(FIXTURES, out, expected=["fpc.eq3.2", "fpc.thm4.1"])
    return path, path.read_text(encoding="utf-8")


def _result(cid: str, verdict: str = "holds", deps=(), **extra) -> dict:
    return {"claim_id": cid, "verdict": verdict, "paper": cid.split(".")[0], "title": f"title of {cid}",
            "depends_on": list(deps), "schema_version": store.SCHEMA_VERSION, **extra}


# ----------------------------------------------------------------------------- the page
def test_every_result_has_a_row_and_a_section(results, rendered):
    _, html = rendered
    rows = re.findall(r'<tr data-id="([^"]+)" data-verdict="([^"]+)"', html)
    assert sorted(rows) == sorted((r["claim_id"], r["verdict"]) for r in results)
    for r in results:
        assert f'id="{claim_view(r)["anchor"]}"' in html
        assert r["command"] in html


def test_header_counts_and_metadata(results, rendered):
    _, html = rendered
    meta = metadata(results)
    assert meta["counts"] == {"holds": 3, "fails": 1, "inconclusive": 1, "error": 1, "skipped": 1}
    assert meta["papers"]["tlc"]["counts"]["error"] == 1
    for v, n in meta["counts"].items():
        assert re.search(rf'data-only="{v}"[^>]*>\s*<span class="n">{n}</span>', html)
    assert meta["commits"][0] in html and "torch" in html and "quick" in html
    assert "fpc.thm4.1" in html and "have no result" in html          # catalogue claim not run


def test_self_contained_offline(rendered):
    _, html = rendered
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html), "the report links out"
    assert "<link " not in html and "<script src" not in html
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) >= 5 and all(base64.b64decode(i)[:8] == PNG for i in imgs)
    assert html.count("<math ") >= 3 and "<svg" in html


def test_failing_and_erroring_claims_show_their_evidence(rendered):
    _, html = rendered
    assert "exponent = 0.2 ± 0.05" in html and "-0.1091" in html     # rule and measured value
    assert "IndexError" in html and "invalid parameter lr=-0.1" in html
    assert "the seed lost this equation" in html
    assert "Undecided at this scale" in html
    findings = re.search(r'id="findings".*?</ul>', html, re.S).group(0)
    assert re.findall(r'<a href="#claim-[^"]+">([^<]+)</a>', findings) == [
        "fpc.fixture-sweep", "tlc.fixture-error", "ssl.fixture-phase"]
    assert "surface3d" in html and "shown as a table" in html        # unknown plot kind


def test_unsupported_claim_is_flagged(results):
    g = rgraph.analyse(results)
    assert set(g["unsupported"]) == {"tlc.fixture-eym"}
    assert dict(g["unsupported"]["tlc.fixture-eym"]) == {"fpc.fixture-sweep": "fails", "tlc.asm4.1": "not verified"}
    assert g["missing"] == ["tlc.asm4.1", "tlc.thm4.3"]


def test_html_escapes_result_text(tmp_path):
    d = tmp_path / "res"
    store.write_result(d, _result("fpc.x1", title="<script>alert(1)</script>", statement="a < b & c"))
    html = write_report(d, tmp_path / "r.html", expected=()).read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_minimal_and_odd_results_still_render():
    odd = [_result("fpc.a", "error", error="profile breaks an assumption"),
           _result("ssl.b", "holds", numeric={"status": "holds", "series": {"s": "not a dict", "t": {"kind": "line"}},
                                              "predictions": [{"name": "v", "rule": "v > 0"}],
                                              "outcomes": [{"name": "v", "measured": "nan", "outcome": "holds"}]},
                   symbolic={"status": "proved", "obligations": [{"name": "o", "mathml": "<mrow><mi>x"}]}),
           {"claim_id": "tlc.c"}]
    html, _ = render(odd)
    for cid in ("fpc.a", "ssl.b", "tlc.c"):
        assert f'data-id="{cid}"' in html
    assert "profile breaks an assumption" in html


# ----------------------------------------------------------------------------- exports
def test_json_export(rendered, results):
    path, _ = rendered
    doc = json.loads(path.with_name("report.json").read_text())
    assert doc["document"] == "mlclaims-report"
    assert [c["id"] for c in doc["claims"]] == [r["claim_id"] for r in load(FIXTURES)]
    assert doc["summary"]["counts"]["fails"] == 1 and len(doc["results"]) == len(results)
    eym = next(c for c in doc["claims"] if c["id"] == "tlc.fixture-eym")
    assert {"claim": "fpc.fixture-sweep", "verdict": "fails"} in eym["unsupported_by"]


def test_junit_export(rendered, results):
    path, _ = rendered
    root = ET.parse(path.with_name("report.junit.xml")).getroot()
    assert root.tag == "testsuites" and root.get("tests") == str(len(results))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {r["claim_id"] for r in results}
    assert cases["fpc.fixture-sweep"].find("failure") is not None
    assert cases["tlc.fixture-error"].find("error") is not None
    assert cases["tlc.fixture-skipped"].find("skipped") is not None
    assert cases["ssl.fixture-phase"].find("skipped").get("message").startswith("inconclusive")
    assert all(list(cases["fpc.eq3.2"].iter(t)) == [] for t in ("failure", "error", "skipped"))
    assert (root.get("failures"), root.get("errors"), root.get("skipped")) == ("1", "1", "2")


def test_report_written_into_results_dir_can_be_rerendered(tmp_path):
    d = tmp_path / "results"
    shutil.copytree(FIXTURES, d)
    first = write_report(d, None, expected=())
    assert first == d / "report.html" and (d / "report.json").exists()
    again = write_report(d, None, expected=())                         # the export is not a result
    assert again.read_text().count('<tr data-id="') == len(list(FIXTURES.glob("*.json")))


def test_cli_report_command(tmp_path, capsys):
    out = tmp_path / "x" / "r.html"
    assert cli.main(["report", "--results", str(FIXTURES), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(out), f"json: {out.with_name('r.json')}", f"junit: {out.with_name('r.junit.xml')}"]
    assert out.exists() and out.with_name("r.junit.xml").exists()
    assert cli.main(["report", "--results", str(tmp_path / "nowhere")]) == 2
    assert "no results directory" in capsys.readouterr().err


def test_unknown_schema_is_refused(tmp_path):
    d = tmp_path / "res"
    d.mkdir()
    (d / "fpc.a.json").write_text(json.dumps({**_result("fpc.a"), "schema_version": 99}))
    with pytest.raises(ResultSchemaError, match="schema_version 99"):
        write_report(d, tmp_path / "r.html", expected=())


# ----------------------------------------------------------------------------- pieces
def test_key_prediction_is_the_first_that_did_not_hold(results):
    r = copy.deepcopy(next(x for x in results if x["claim_id"] == "tlc.fixture-eym"))
    assert key_prediction(r)["rule"] == "tail_rel_diff <= 1e-10"
    r["numeric"]["outcomes"][1]["outcome"] = "fails"
    assert key_prediction(r)["rule"] == "random_minus_svd >= 0.0"


@pytest.mark.parametrize("kind, series", [
    ("line", {"x": [1, 2, 3], "ys": {"a": [1, "nan", 3], "b": [2, 2, 2]}, "logy": True}),
    ("scatter", {"x": [8, 16, 32], "ys": {"m": [1, .5, .25]}, "logx": True, "logy": True,
                 "fit": {"x": [8, 32], "y": [1, .25], "slope": -1.0, "stderr": 0.01}}),
    ("box", {"ys": {"a": [1, 2, 3, 4], "b": [2, 3, "inf"]}}),
    ("heatmap", {"x": [0.1, 0.2], "y": [1, 2, 3], "z": [[1, 2], [3, 4], [5, 6]]}),
    ("heatmap", {"x": [0.1, 0.2], "ys": {"1": [1, 2], "2": [3, 4]}}),
])
def test_plot_kinds_draw_a_png(kind, series):
    out = render_series("s", {**series, "kind": kind})
    assert out["png"] and base64.b64decode(out["png"])[:8] == PNG and not out["problem"]
    assert out["table"]["rows"]
    if "fit" in series:
        assert "slope = -1" in out["caption"]


@pytest.mark.parametrize("series, why", [
    ({"kind": "violin", "x": [1], "ys": {"a": [1]}}, "not one of"),
    ({"kind": "line", "ys": {"a": "oops"}}, "could not draw"),
    ({"kind": "heatmap", "z": [[1, 2], [3]]}, "could not draw"),
    ("not a dict", "not one of"),
])
def test_undrawable_series_become_tables(series, why):
    out = render_series("s", series)
    assert out["png"] is None and why in out["problem"] and out["table"]["columns"]


def test_mathml_from_sympy_renders_and_is_sanitised():
    x, y = sp.symbols("x y")
    m = render_mathml(sp.mathml(sp.Eq(x ** 2 / 3, x * y), printer="presentation"))
    assert m.startswith("<math") and "<mfrac>" in m and "\u2062" in m          # &InvisibleTimes; kept as a char
    assert render_mathml('<mrow><mi onclick="x()">a</mi></mrow>') is None
    assert render_mathml("<mrow><script>alert(1)</script></mrow>") is None
    assert render_mathml("<apply><plus/><ci>x</ci></apply>") is None           # content MathML
    assert render_mathml("<mrow><mi>x</mrow>") is None and render_mathml("") is None
    fenced = render_mathml("<mfenced><mi>a</mi><mi>b</mi></mfenced>")
    assert "mfenced" not in fenced and "<mo>(</mo><mi>a</mi><mo>,</mo><mi>b</mi><mo>)</mo>" in fenced


def test_graph_transitive_support_missing_and_cycles():
    rs = [_result("fpc.a", "fails"), _result("fpc.b", "holds", ["fpc.a"]), _result("fpc.c", "holds", ["fpc.b"]),
          _result("fpc.d", "holds", ["fpc.zz"]), _result("fpc.e", "holds"),
          _result("ssl.p", "holds", ["ssl.q"]), _result("ssl.q", "holds", ["ssl.p"])]
    g = rgraph.analyse(rs)
    assert dict(g["unsupported"]["fpc.c"]) == {"fpc.a": "fails"}           # transitively
    assert g["unsupported"]["fpc.d"] == [("fpc.zz", "not verified")]
    assert "fpc.e" not in g["unsupported"] and g["missing"] == ["fpc.zz"]
    assert g["cycles"] == [["ssl.p", "ssl.q"]]
    ET.fromstring(g["svg"])                                                # well-formed SVG
    assert g["svg"].count('class="gnode') == 8


def test_evidence_lists_become_tables_and_controls_are_marked():
    r = _result("fpc.v", "fails", assumption_violations=["overlap = 0 (got overlap=0.3)"],
                numeric={"status": "fails", "evidence": {"pairs": [
                    {"kappa_c": 0.9, "fit": {"slope": -0.11, "ci95": [-0.2, 0.0]}, "points": list(range(20))},
                    {"kappa_c": 0.8, "decidable": False}]}})
    v = claim_view(r)
    (t,) = v["evidence_tables"]
    assert t["columns"] == ["kappa_c", "fit.slope", "fit.ci95", "points", "decidable"]
    assert t["rows"][0][:2] == ["0.9", "-0.11"] and t["rows"][0][3] == "[20 items]" and t["rows"][1][4] == "false"
    html, _ = render([r])
    assert 'class="control"' in html and "overlap = 0 (got overlap=0.3)" in html


def test_power_fit_given_as_numbers_is_drawn_on_log_axes():
    series = {"kind": "line", "x": [8, 16, 32], "ys": {"a": [1, .5, .25]}, "logx": True, "logy": True,
              "fit": {"slope": -1.0, "stderr": 0.01, "ci95": [-1.1, -0.9], "intercept": 2.0794}}
    out = render_series("s", series)
    assert out["png"] and "ci95 = [-1.1, -0.9]" in out["caption"] and "slope = -1" in out["caption"]
    from report.plots import _curves, _power_lines
    ((label, x, y),) = _power_lines(series, _curves(series))
    assert x == [8.0, 32.0] and y[0] == pytest.approx(1.0, rel=1e-3)


def test_every_catalogue_claim_appears_as_a_row_or_as_not_run(tmp_path):
    from checks import runner
    from claims import _registry
    d = tmp_path / "results"
    runner.run_claim("fpc.eq3.2", results_dir=d, device="cpu")
    ids = [c.id for c in _registry.all_claims()]
    assert write_report(d).read_text().count("have no result") == 0   # the report alone knows no catalogue
    html = write_report(d, expected=ids).read_text()                  # the CLI passes the catalogue
    assert '<tr data-id="fpc.eq3.2" data-verdict="holds"' in html
    warning = re.search(r"have no result</b> in this run: ([^<]*)\.", html)
    missing = {c.id for c in _registry.all_claims()} - {"fpc.eq3.2"}
    assert (set(warning.group(1).split(", ")) if warning else set()) == missing


def test_unknown_kind_keeps_all_its_numbers_in_the_table():
    out = render_series("s", {"kind": "surface3d", "x": [0, 1, 2], "z": [[1, 2, 3], [4, 5, 6]]})
    assert out["png"] is None and out["table"]["rows"] == [["0", "1", "2", "3"], ["1", "4", "5", "6"]]
    out = render_series("s", {"kind": "errorbar", "x": [0, 1], "ys": {"a": [1, 2]}, "err": [0.1, 0.2]})
    assert out["table"]["columns"] == ["x", "a", "err"] and out["table"]["rows"][1] == ["1", "2", "0.2"]


def test_heatmap_draws_boundary_lines_in_data_coordinates():
    from matplotlib.figure import Figure

    from report.plots import _draw_heatmap
    fig = Figure()
    ax = fig.add_subplot()
    _draw_heatmap(fig, ax, {"kind": "heatmap", "x": [0.5, 0.7, 0.9], "y": [0.1, 0.3], "z": [[1, 2, 2], [1, 1, 2]],
                            "lines": {"Delta = 0": {"x": [0.5, 0.9], "y": [0.0, 0.8]}}})
    (line,) = ax.lines
    xs, ys = line.get_data()
    ok = ~np.isnan(xs) & ~np.isnan(ys)
    # kappa_s = 2 kappa_c - 1 crosses y = 0.1 (row 0) at x = 0.55 (index 0.25) and y = 0.3 (row 1) at x = 0.65
    assert np.isclose(xs[ok].min(), 0.25, atol=0.01) and np.isclose(xs[ok].max(), 0.75, atol=0.01)


def test_report_imports_no_claim_module():
    import subprocess
    import sys
    code = ("import sys, report.html; "
            "bad = [m for m in sys.modules if m == 'claims' or m.startswith('claims.')]; print(bad); "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_series_can_name_the_prediction_whose_threshold_it_draws():
    from report import plots
    series = {"gap": {"x": [0, 1, 2], "ys": {"gap": [0.5, 0.1, 0.01]}, "kind": "line", "prediction": "max_gap"}}
    preds = [{"name": "max_gap", "op": "<=", "threshold": 0.05, "rule": "max_gap <= 0.05"}]
    (out,) = plots.render_all(series, preds)
    assert out["png"] and "max_gap <= 0.05" in out["caption"]
    (plain,) = plots.render_all(series, [])
    assert "prediction" not in plain["caption"]


# ----------------------------------------------------------------------------- what a reader must not misread
def _runs_series():
    """Runs that stopped at different steps (fpc.thm4.1): K = 1 ran to 100, K = 3 to 250."""
    return {"kind": "line", "x": [0, 50, 100], "xlabel": "GD step", "ylabel": "max gap", "logy": True,
            "xs": {"K=1": [0, 50, 100], "K=3": [0, 50, 100, 150, 200, 250]},
            "ys": {"K=1": [1.0, 0.1, 0.01], "K=3": [1.0, 0.3, 0.1, 0.05, 0.02, 0.0016]}}


def test_each_run_is_drawn_and_tabled_to_its_own_last_step():
    from report.plots import _curves, table
    curves = {label: (x, y) for label, x, y in _curves(_runs_series())}
    assert curves["K=3"][0][-1] == 250 and curves["K=3"][1][-1] == 0.0016      # not cut at the shared x
    assert curves["K=1"][0] == [0, 50, 100]
    t = table(_runs_series())
    assert t["columns"] == ["GD step", "K=1", "K=3"]
    assert [r[0] for r in t["rows"]] == ["0", "50", "100", "150", "200", "250"]  # steps, never row numbers
    assert t["rows"][-1] == ["250", "", "0.0016"]
    out = render_series("max_gap", _runs_series())
    assert out["png"] and "own last step" in out["caption"]


def _borderline_result():
    return _result("fpc.edge", "holds", numeric={
        "status": "holds", "replicates": 3,
        "predictions": [{"name": "min_attn", "op": ">=", "threshold": 0.99, "rule": "min_attn >= 0.99",
                         "statement": "own-area attention at least 0.99"},
                        {"name": "gap", "op": "<=", "threshold": 0.01, "rule": "gap <= 0.01",
                         "statement": "small gap"}],
        "outcomes": [{"name": "min_attn", "measured": 0.9900023, "outcome": "holds", "interval": [0.9900011, 0.9900035],
                      "margin": 2.3e-6, "margin_hw": 1.9, "replicates": [0.990001, 0.9900023, 0.9900036],
                      "interval_method": "t-interval of the mean over 3 replicates"},
                     {"name": "gap", "measured": 0.0016, "outcome": "holds", "interval": [0.0015, 0.0017],
                      "margin": 0.0084, "margin_hw": 84.0, "replicates": [0.0015, 0.0016, 0.0017]}]})


def test_a_borderline_value_never_reads_as_its_threshold():
    from report.summary import fmt_vs, predictions_table
    assert fmt_vs(0.9900023, 0.99) == "0.9900023" and fmt_vs(0.5, 0.99) == "0.5"
    r = _borderline_result()
    row = predictions_table(r)[0]
    assert row["measured"] == "0.9900023" and row["borderline"] and row["margin"] == "+2.3e-06"
    assert row["interval"] == "[0.9900011, 0.9900035]"
    kp = key_prediction(r)
    assert kp["rule"] == "min_attn >= 0.99" and kp["measured"] == "0.9900023" and kp["borderline"]
    html, _ = render([r])
    cell = re.search(r'<tr data-id="fpc.edge".*?</tr>', html, re.S).group(0)
    assert "0.9900023" in cell and "borderline" in cell                      # the main table's measured column
    findings = re.search(r'id="findings".*?</ul>', html, re.S).group(0)
    assert "fpc.edge" in findings and "borderline" in findings and "+2.3e-06" in findings


def test_a_claim_whose_formula_holds_but_remark_fails_says_so_line_by_line():
    """fpc.lem5.2 before the split: the formula held, the 'key observation' failed."""
    r = _result("fpc.lem", "fails", symbolic={"status": "proved", "obligations": []}, notes="why the remark fails",
                numeric={"status": "fails", "evidence": {"big": [{"a": 1}], "blob": {"x": {"y": [1, 2]}}},
                         "predictions": [
                             {"name": "max_rel_err", "op": "<=", "threshold": 1e-10, "rule": "max_rel_err <= 1e-10",
                              "statement": "the formula equals autograd's gradient"},
                             {"name": "max_ratio", "op": "<=", "threshold": 1.0, "rule": "max_ratio <= 1",
                              "statement": "the projected PP gradient is at most the FP gradient"}],
                         "outcomes": [{"name": "max_rel_err", "measured": 3e-16, "outcome": "holds"},
                                      {"name": "max_ratio", "measured": 2.112, "outcome": "fails", "margin": -1.112}]})
    v = claim_view(r)
    assert v["why"].startswith("1 of 2 predictions fail: the projected PP gradient is at most the FP gradient")
    assert "measured 2.112" in v["why"] and "max_rel_err" in v["why"] and "symbolic derivation is proved" in v["why"]
    assert [(o["mark"], o["outcome"], o["rule"]) for o in v["outcome_lines"]] == [
        ("✓", "holds", "max_rel_err <= 1e-10"), ("✗", "fails", "max_ratio <= 1")]
    html, _ = render([r])
    section = re.search(r'<section class="claim.*?</section>', html, re.S).group(0)
    assert section.count('<li class="oc-') == 2                                 # each outcome on its own line
    assert section.index("Notes.") < section.index("Evidence")                 # the explanation before the dump
    findings = re.search(r'id="findings".*?</ul>', html, re.S).group(0)
    assert "1 of 2 predictions fail: the projected PP gradient" in findings


def test_plots_are_captioned_in_words_and_kept_small():
    from report.plots import title_in_words
    assert title_in_words("ups_absmax", {"xlabel": "GD step", "ylabel": "max |Ups|"}) == "max |Ups| against GD step"
    assert title_in_words("ups_absmax", {}) == "ups absmax"
    assert title_in_words("s", {"title": "as Figure 3"}) == "as Figure 3"
    box = {"kind": "box", "xlabel": "objective", "ylabel": "diversity"}
    assert title_in_words("d", box) == "diversity by objective"
    out = render_series("max_gap", _runs_series())
    assert len(base64.b64decode(out["png"])) < 20_000                          # palette PNG


def test_a_two_valued_heatmap_gets_a_legend_not_a_colour_bar():
    from matplotlib.figure import Figure

    from report.plots import _draw_heatmap
    fig = Figure()
    ax = fig.add_subplot()
    _draw_heatmap(fig, ax, {"kind": "heatmap", "x": [0.5, 0.7], "y": [0.1, 0.3], "z": [[1, 2], [1, 1]],
                            "z_predicted": [[1, 2], [2, 1]], "zlabel": "phases"})
    assert len(fig.axes) == 1                                                  # no colour-bar axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["1", "2", "differs from prediction"]


def test_box_plot_follows_x_order_and_turns_horizontal_when_crowded():
    from matplotlib.figure import Figure

    from report.plots import _draw_box
    fig = Figure()
    ax = fig.add_subplot()
    names = [f"objective {i} head {j}" for i in range(3) for j in range(4)]
    _draw_box(ax, {"kind": "box", "x": names, "ys": {n: [1, 2, 3] for n in reversed(names)}})
    assert [t.get_text() for t in ax.get_yticklabels()] == names


def test_obligations_show_their_left_side_and_wrap_long_relations():
    r = _result("fpc.ob", "holds", symbolic={"status": "proved", "obligations": [
        {"name": "regime_0.9_0.2", "kind": "fact", "status": "proved", "expr": "oo", "mathml": "<mi>&#x221E;</mi>",
         "detail": "limit of the ratio as P -> oo is oo", "statement": "ratio -> infinity"},
        {"name": "zero", "kind": "fact", "status": "proved", "expr": "0", "mathml": "<mn>0</mn>", "detail": "",
         "statement": "s"},
        {"name": "long", "kind": "identity", "status": "proved", "expr": "Eq(x, y)",
         "mathml": ("<mrow><mi>x</mi><mo>=</mo>" + "<mrow>" + "<mi>y</mi><mo>+</mo>" * 120
                    + "<mi>y</mi></mrow></mrow>")}]})
    html, _ = render([r])
    assert '<span class="lhs">limit of the ratio as P -&gt; oo =</span>' in html
    assert '<span class="lhs">zero =</span>' in html                           # the name when the detail is silent
    assert html.count('<span class="lhs">') == 2                               # a relation keeps its own sides
    assert "<mtable" in html                                                   # the long one on two rows
    assert 'title="3 obligation(s): proved regime_0.9_0.2 (ratio -&gt; infinity)' in html


def test_graph_is_grouped_by_paper_marks_verdicts_by_shape_and_stays_narrow():
    rs = [_result(f"fpc.c{i}", "holds" if i % 3 else "fails", [f"fpc.c{i - 1}"] if i else []) for i in range(14)]
    rs += [_result(f"tlc.t{i}", "holds", ["tlc.t0"] if i else [], statement=f"statement of t{i}") for i in range(12)]
    rs += [_result(f"ssl.lone{i}", "inconclusive") for i in range(5)]
    g = rgraph.analyse(rs)
    root = ET.fromstring(g["svg"])
    assert int(root.get("width")) <= 1400                                      # a 14-deep chain no longer 3000 px wide
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "glabel"]
    assert labels == ["fpc: 14 linked claims", "tlc: 12 linked claims", "ssl: 5 claim(s) with no dependency links"]
    assert "✓ fpc.c1" in g["svg"] and "✗ fpc.c0" in g["svg"] and "? ssl.lone0" in g["svg"]
    assert "statement of t3" in g["svg"] and g["counts"] == {"fails": 5, "holds": 21, "inconclusive": 5}
    assert g["used_by"]["tlc.t0"] == sorted(f"tlc.t{i}" for i in range(1, 12))
    html, _ = render(rs)
    sec = re.search(r'<section class="claim[^>]*id="claim-tlc-t0".*?</section>', html, re.S).group(0)
    assert "Used by" in sec and 'data-focus="tlc.t0"' in sec
    assert 'data-from="fpc.c0" data-to="fpc.c1"' in g["svg"]


def test_each_claim_embeds_its_measurements_for_download():
    r = _result("fpc.dl", "holds", numeric={"status": "holds", "predictions": [{"name": "v", "rule": "v > 0"}],
                                            "outcomes": [{"name": "v", "measured": 1.5, "outcome": "holds",
                                                          "replicates": [1, 2], "note": "</script><b>"}]})
    html, _ = render([r])
    m = re.search(r'<script type="application/json" class="claim-data" data-id="fpc.dl">(.*?)</script>', html, re.S)
    doc = json.loads(m.group(1))
    assert doc["predictions"][0]["replicates"] == [1, 2] and doc["predictions"][0]["note"] == "</script><b>"
    assert 'data-format="csv" data-id="fpc.dl"' in html


def test_a_refuted_identity_keeps_its_relation_without_an_invented_left_side():
    """tlc.eq19.ratio: expr holds the residual, the MathML the relation (1 - m)/m = 1 - m."""
    r = _result("tlc.r", "fails", symbolic={"status": "refuted", "obligations": [
        {"name": "ratio", "kind": "identity", "status": "refuted", "expr": "m - 2 + 1/m",
         "mathml": "<mrow><mfrac><mrow><mn>1</mn><mo>-</mo><mi>m</mi></mrow><mi>m</mi></mfrac><mo>=</mo>"
                   "<mrow><mn>1</mn><mo>-</mo><mi>m</mi></mrow></mrow>",
         "detail": "lhs - rhs does not simplify to 0; at m=8/13 it equals 25/104"}]})
    html, _ = render([r])
    assert '<span class="lhs">' not in html


# ----------------------------------------------------------------------------- terminal
def test_list_has_a_header_and_fits_100_columns(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["claim", "S/N", "title"]
    assert max(len(x) for x in lines) <= 100


def test_run_counts_claims_and_colours_only_a_terminal(tmp_path, capsys, monkeypatch):
    assert cli.main(["run", "--claim", "fpc.eq3.2", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("[1/1] holds") and "\033[" not in out       # piped: no colour

    class Tty:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._coloured("holds  x", "holds", Tty()) == "\033[32mholds\033[0m  x"
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._coloured("holds  x", "holds", Tty()) == "holds  x"


def test_scatter_series_at_the_same_x_are_drawn_side_by_side():
    from report.plots import _curves, _dodged
    series = {"kind": "scatter", "x": [0.5, 0.6, 0.7], "ys": {"a": [1, 2, 3], "b": [1, 2, 3]}}
    (la, xa, _), (lb, xb, _) = _dodged(_curves(series), False)
    assert xa[0] < 0.5 < xb[0] and abs(xb[0] - xa[0]) < 0.05                  # apart, but still at their x
    assert "side by side" in render_series("r", series)["caption"]
    assert "side by side" not in render_series("r", {**series, "ys": {"a": [1, 2, 3]}})["caption"]


def test_report_size_budget_5_mb_at_150_claims():
    """Measured on a typical claim (the catalogue averages 0.8 plots a claim: one plot of 4 runs
    x 24 steps, 3 predictions with replicates, a 20-row evidence table) and extrapolated: the
    page must stay under 5 MB at 150 claims (it was 3.2 MB at 74 with full-colour PNGs and
    tables written twice; 3.7 MB for 148 real results now)."""
    rng = np.random.default_rng(0)

    def claim(i):
        runs = {f"K={k}, Delta={d}": list(np.exp(-np.arange(24) / (5 + k)) + rng.random(24) * 1e-3)
                for k in (1, 3) for d in ("+0.6", "-0.3")}
        series = {name: {"kind": "line", "x": list(range(0, 1200, 50)), "ys": runs, "logy": True,
                         "xlabel": "GD step", "ylabel": name} for name in ("max gap",)}
        preds = [{"name": f"p{j}", "op": "<=", "threshold": 0.01, "rule": f"p{j} <= 0.01", "statement": "s" * 80}
                 for j in range(3)]
        outs = [{"name": f"p{j}", "measured": 0.004, "outcome": "holds", "interval": [0.003, 0.005], "margin": 0.006,
                 "margin_hw": 6.0, "replicates": [0.003, 0.004, 0.005]} for j in range(3)]
        return _result(f"fpc.c{i}", "holds", statement="t" * 300, numeric={
            "status": "holds", "series": series, "predictions": preds, "outcomes": outs,
            "evidence": {"rows": [{"P": 64, "gap": float(v), "steps": 100} for v in rng.random(20)]}})
    empty, _ = render([])
    html, _ = render([claim(i) for i in range(6)])
    per_claim = (len(html.encode()) - len(empty.encode())) / 6
    assert len(empty.encode()) + 150 * per_claim < 5_000_000, f"{per_claim / 1e3:.0f} kB per claim"


def test_evidence_keyed_by_name_is_a_table_not_a_json_dump():
    r = _result("fpc.ev", "fails", numeric={"status": "fails", "evidence": {"per_objective": {
        "mae": {"median": 1.2, "quartiles": [1.0, 1.2, 1.5], "loss_first_last": [[4.1, 3.9], [4.2, 3.4]]},
        "contrastive": {"median": 2.0, "quartiles": [1.9, 2.0, 2.2]}}}})
    v = claim_view(r)
    (t,) = v["evidence_tables"]
    assert t["columns"] == ["", "median", "quartiles", "loss_first_last"] and v["evidence_rest"] == ""
    assert t["rows"][0] == ["mae", "1.2", "[1, 1.2, 1.5]", "[[4.1, 3.9], [4.2, 3.4]]"]


def test_statements_and_assumptions_render_as_mathml(tmp_path):
    from checks import runner
    d = tmp_path / "res"
    runner.run_claim("fpc.lemA.7", results_dir=d, device="cpu", replicates=1)
    html = write_report(d).read_text()
    i = html.index('id="claim-fpc-lemA-7"')
    section = html[i:html.index("</section>", i)]
    assert 'class="stmt-math"' in section and section.count('class="amath"') >= 2
    assert "<math" in section.split('class="statement"')[1].split("</p>")[0]
