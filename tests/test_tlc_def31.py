"""tlc.def3.1: the objective (1) with shape-preserving f, g is well-typed only when N = N_0."""
from checks.runner import evaluate


def test_def31_fails_as_written_with_the_shape_counterexample():
    r = evaluate("tlc.def3.1")
    assert r["verdict"] == "fails"
    obs = {o["name"]: o for o in r["symbolic"]["obligations"]}
    assert obs["well_typed_m0.5"]["status"] == "proved"                 # N = N_0 = 98
    assert obs["well_typed_m0.75"]["status"] == "refuted"
    assert "49 x F minus 147 x F" in obs["well_typed_m0.75"]["detail"]  # T = 196 at mask ratio 0.75
    assert r["numeric"]["measured"] == {"encoder_keeps_tokens": 1, "decoder_keeps_tokens": 0}


def test_def31_at_ratio_one_half_is_well_typed_but_the_decoder_still_changes_shape():
    r = evaluate("tlc.def3.1", overrides={"mask_ratios": (0.5,)})
    assert r["symbolic"]["status"] == "proved"
    assert r["numeric"]["status"] == "fails"
    row = r["numeric"]["evidence"]["shapes"][0]
    assert row["decoder_out"] == row["visible_in"] + row["masked"] != row["encoder_out"]
