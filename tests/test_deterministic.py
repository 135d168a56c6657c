"""``--deterministic``: torch.use_deterministic_algorithms(True) reaches the check and its sweep
points (in this process and in worker processes), is recorded in each result and in its
reproduce command, and is switched off again afterwards."""
import json
import os
from dataclasses import dataclass

import pytest
import torch

from checks import executors as ex
from checks import runner
from checks.cli import build_parser, main
from claims import _registry
from claims._base import Claim, Measurement, Prediction, Source
from report import result as store
from report.errors import CorruptResult


def flag_point(seed: int) -> float:
    """A sweep point: 1.0 when deterministic algorithms are on where it runs (module-level)."""
    return float(torch.are_deterministic_algorithms_enabled())


@dataclass(frozen=True)
class Cfg:
    n: int = 3


def _check(cfg, ctx):
    pts = [{"seed": ctx.seed_for("p", i)} for i in range(cfg.n)]
    return Measurement({"here": float(torch.are_deterministic_algorithms_enabled()),
                        "points": min(ctx.map(flag_point, pts))})


@pytest.fixture
def det_registry(monkeypatch):
    _registry.load_all()
    monkeypatch.setattr(_registry, "_REGISTRY", {})
    _registry.register(Claim(id="fpc.det1", title="t", statement="s", source=Source("fpc", "Sec", "quote"),
                             config=Cfg, check=_check,
                             predictions=lambda c: (Prediction("here", "recorded", ">=", 0.0),)))
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", "unset")      # recorded, so the run's value is undone after
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG")
    assert not torch.are_deterministic_algorithms_enabled()
    yield
    assert not torch.are_deterministic_algorithms_enabled()          # switched off after the run


@pytest.mark.parametrize("kind", ["serial", "process"])
def test_the_flag_reaches_the_check_and_its_points(det_registry, kind):
    with ex.using(ex.make(kind, workers=2)):
        on = runner.evaluate("fpc.det1", deterministic=True, replicates=1)
        off = runner.evaluate("fpc.det1", replicates=1)
    assert on["numeric"]["measured"]["here"] == 1.0 and on["numeric"]["measured"]["points"] == 1.0
    assert off["numeric"]["measured"]["here"] == 0.0 and off["numeric"]["measured"]["points"] == 0.0
    assert on["deterministic_algorithms"] is True and off["deterministic_algorithms"] is False
    assert on["command"].endswith("--deterministic") and "--deterministic" not in off["command"]
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_cli_flag_is_stored_and_loads(det_registry, tmp_results, capsys):
    assert main(["run", "--claim", "fpc.det1", "--deterministic", "--results", str(tmp_results),
                 "--executor", "serial", "--replicates", "1"]) == 0
    path = tmp_results / "fpc.det1.json"
    data = json.loads(path.read_text())
    assert data["deterministic_algorithms"] is True and data["numeric"]["measured"]["points"] == 1.0
    assert store.load_result(path).deterministic_algorithms
    assert main(["run", "--claim", "fpc.det1", "--results", str(tmp_results), "--executor", "serial",
                 "--replicates", "1"]) == 0
    assert json.loads(path.read_text())["deterministic_algorithms"] is False
    # a schema-2 result written before the field existed still loads, as not deterministic
    del data["deterministic_algorithms"]
    path.write_text(json.dumps(data))
    assert store.load_result(path).deterministic_algorithms is False
    with pytest.raises(CorruptResult, match="deterministic_algorithms"):
        store.ClaimResult.from_dict({**data, "deterministic_algorithms": "yes"})


def test_help_documents_the_flag():
    run = next(a for a in build_parser()._subparsers._group_actions[0].choices.items() if a[0] == "run")[1]
    text = " ".join(run.format_help().split())
    assert "--deterministic" in text and "scatter_add_" in text and "CUBLAS_WORKSPACE_CONFIG" in text


def test_deterministic_algorithms_restores_the_old_flag(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    with runner.deterministic_algorithms(True):
        assert torch.are_deterministic_algorithms_enabled()
        with runner.deterministic_algorithms(False):                  # off: leaves it alone
            assert torch.are_deterministic_algorithms_enabled()
    assert not torch.are_deterministic_algorithms_enabled()
