"""``python -m checks diff BASE NEW`` and ``report --baseline``: what a pull request changes."""
import json
import shutil

import pytest

from checks.cli import main
from report import result as store


def _result(cid, verdict, value=1.0, iv=None):
    iv = iv or [value, value]
    return {"claim_id": cid, "verdict": verdict, "title": cid, "paper": cid.split(".")[0],
            "numeric": {"status": verdict, "predictions": [{"name": "x", "rule": "x >= 1"}],
                        "outcomes": [{"name": "x", "measured": value, "interval": iv, "outcome": verdict}]},
            "symbolic": {"status": "not_applicable"}}


@pytest.fixture
def base(tmp_path):
    d = tmp_path / "base"
    for r in (_result("fpc.a", "holds", 1.5, [1.4, 1.6]), _result("fpc.b", "holds"),
              _result("fpc.c", "inconclusive"), _result("tlc.d", "fails", 0.5)):
        store.write_result(d, r)
    return d


def test_diff_of_a_run_with_itself_is_clean(base, capsys):
    assert main(["diff", str(base), str(base)]) == 0
    assert "nothing got worse" in capsys.readouterr().out


def test_worse_and_vanished_exit_1_and_are_named(base, tmp_path, capsys):
    new = tmp_path / "new"
    shutil.copytree(base, new)
    store.write_result(new, _result("fpc.a", "fails", 0.5, [0.4, 0.6]))
    (new / "fpc.b.json").unlink()
    store.write_result(new, _result("tlc.d", "holds", 1.2))
    store.write_result(new, _result("fpc.e", "holds"))
    assert main(["diff", str(base), str(new)]) == 1
    out = capsys.readouterr().out
    assert "fpc.a: holds -> fails" in out and "fpc.b (was holds)" in out
    assert "tlc.d: fails -> holds" in out and "fpc.e (holds)" in out
    assert main(["diff", str(base), str(new), "--json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert [r["claim"] for r in d["worse"]] == ["fpc.a"] and [r["claim"] for r in d["vanished"]] == ["fpc.b"]
    assert [r["claim"] for r in d["better"]] == ["tlc.d"] and d["got_worse"]
    assert {m["claim"] for m in d["moved"]} == {"fpc.a", "tlc.d"}


def test_values_within_their_intervals_have_not_moved(base, tmp_path, capsys):
    new = tmp_path / "new"
    shutil.copytree(base, new)
    store.write_result(new, _result("fpc.a", "holds", 1.55, [1.45, 1.65]))
    assert main(["diff", str(base), str(new), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["moved"] == []


def test_diff_reads_a_report_json_export(base, tmp_path, capsys):
    assert main(["report", "--results", str(base)]) == 0
    capsys.readouterr()
    assert main(["diff", str(base / "report.json"), str(base)]) == 0


def test_diff_bad_input_exits_2(base, tmp_path, capsys):
    assert main(["diff", str(tmp_path / "nope"), str(base)]) == 2
    (tmp_path / "x.json").write_text("[1]")
    assert main(["diff", str(tmp_path / "x.json"), str(base)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_report_with_baseline_has_a_changed_section_and_column(base, tmp_path, capsys):
    new = tmp_path / "new"
    shutil.copytree(base, new)
    store.write_result(new, _result("fpc.a", "fails", 0.5))
    assert main(["report", "--results", str(new), "--baseline", str(base)]) == 0
    html = (new / "report.html").read_text()
    assert "Changed since baseline" in html and "since baseline</th>" in html
    assert 'class="since since-worse">holds → fails' in html
