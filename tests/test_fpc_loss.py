"""Lemmas A.9 and A.10: hold at a small size, fail with a wrong infimum or a wrong constant."""
from checks.runner import evaluate

SMALL = {"P": 32, "n_samples": 64, "steps": 60}


def run(cid, **ov):
    return evaluate(cid, overrides=ov, allow_violations=True)


def test_lemA9_holds_small():
    r = run("fpc.lemA.9", n_random=2, **SMALL)
    m = r["numeric"]["measured"]
    assert r["symbolic"]["status"] == "proved"
    assert m["min_gap"] >= 0 and m["gap_increases_along_s"] == 0 and m["rel_gap_at_s_max"] < 1e-3


def test_lemA9_wrong_infimum_fails():
    r = run("fpc.lemA.9", n_random=2, star_scale=1.3, **SMALL)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["min_gap"] < 0


def test_lemA10_holds_and_wrong_constant_fails():
    r = run("fpc.lemA.10", every=10, **SMALL)
    assert r["verdict"] == "holds" and r["symbolic"]["status"] == "proved"
    r = run("fpc.lemA.10", every=10, upper_scale=0.1, **SMALL)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["upper_violations"] > 0
