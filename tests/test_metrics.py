"""Attention metrics on hand-made maps whose values are known (models/metrics.py)."""
import itertools
import math

import pytest
import torch

from models.errors import InvalidParameter
from models.metrics import attention_distance, attention_diversity, attention_nmi, grid_coords, topk_keys

H = W = 4
P = H * W
C = grid_coords(H, W)


def _pairs_mean(points):
    """Mean Euclidean distance over ordered pairs of distinct items, by plain loops."""
    tot, cnt = 0.0, 0
    for i, j in itertools.permutations(range(len(points)), 2):
        tot += math.dist(points[i], points[j])
        cnt += 1
    return tot / cnt


def one_patch(c=5):
    a = torch.zeros(P, P, dtype=torch.float64)
    a[:, c] = 1.0
    return a


IDENTITY = torch.eye(P, dtype=torch.float64)
UNIFORM = torch.full((P, P), 1.0 / P, dtype=torch.float64)
CELLS = [(r, c) for r in range(H) for c in range(W)]


def test_grid_coords_row_major():
    assert C.shape == (P, 2)
    assert C[5].tolist() == [1.0, 1.0] and C[W - 1].tolist() == [0.0, W - 1.0]


# ----------------------------------------------------------------------------- diversity
def test_diversity_all_queries_on_one_patch_is_zero():
    assert float(attention_diversity(one_patch(), C, k=1)) == 0.0


def test_diversity_each_query_on_itself_is_mean_grid_distance():
    assert float(attention_diversity(IDENTITY, C, k=1)) == pytest.approx(_pairs_mean(CELLS), rel=1e-12)


def test_diversity_uniform_is_zero_because_ties_break_alike():
    assert float(attention_diversity(UNIFORM, C, k=3)) == 0.0


def test_diversity_uses_rank_order():
    # two queries attend to the same two keys in opposite order: the 2k-vectors differ
    a = torch.zeros(2, P, dtype=torch.float64)
    a[0, 0], a[0, 5] = 0.6, 0.4
    a[1, 0], a[1, 5] = 0.4, 0.6
    expected = math.dist((0, 0, 1, 1), (1, 1, 0, 0))
    assert float(attention_diversity(a, C, k=2)) == pytest.approx(expected)
    # an order-free variant (sorted coordinates) would give 0: the metric must not
    assert expected > 0


def test_diversity_shift_map_known_value():
    # query p attends to key (p + 1) mod P: vectors are the shifted grid cells
    a = torch.roll(IDENTITY, 1, dims=1)
    shifted = [CELLS[(p + 1) % P] for p in range(P)]
    assert float(attention_diversity(a, C, k=1)) == pytest.approx(_pairs_mean(shifted))


def test_diversity_batched_keeps_leading_dims():
    a = torch.stack([one_patch(), IDENTITY])[None]          # (1, 2, P, P)
    out = attention_diversity(a, C, k=1)
    assert out.shape == (1, 2) and out[0, 0] == 0 and out[0, 1] > 0


def test_topk_rejects_bad_k():
    with pytest.raises(InvalidParameter, match="k=0"):
        topk_keys(IDENTITY, 0)
    with pytest.raises(InvalidParameter, match=r"number of keys \(16\)"):
        attention_diversity(IDENTITY, C, k=P + 1)


def test_coords_shape_checked():
    with pytest.raises(InvalidParameter, match="coords.*drop the class token"):
        attention_diversity(torch.eye(P + 1), C, k=1)


# ----------------------------------------------------------------------------- distance
def test_distance_identity_zero():
    assert float(attention_distance(IDENTITY, C)) == 0.0


def test_distance_one_patch_is_mean_distance_to_it():
    expected = sum(math.dist(c, CELLS[5]) for c in CELLS) / P
    assert float(attention_distance(one_patch(5), C, patch_size=2.0)) == pytest.approx(2 * expected)


def test_distance_uniform_is_mean_over_all_pairs_with_self():
    expected = sum(math.dist(a, b) for a in CELLS for b in CELLS) / P ** 2
    assert float(attention_distance(UNIFORM, C)) == pytest.approx(expected)


def test_distance_needs_square_maps():
    with pytest.raises(InvalidParameter, match="Q == P"):
        attention_distance(torch.full((3, P), 1.0 / P), C)


# ----------------------------------------------------------------------------- NMI
def test_nmi_identity_one():
    assert float(attention_nmi(IDENTITY)) == pytest.approx(1.0, abs=1e-12)


def test_nmi_collapsed_maps_zero():
    assert float(attention_nmi(one_patch())) == pytest.approx(0.0, abs=1e-12)
    assert float(attention_nmi(UNIFORM)) == pytest.approx(0.0, abs=1e-12)
    # every query with the same non-trivial map: still independent of the query
    row = torch.softmax(torch.arange(P, dtype=torch.float64), 0)
    assert float(attention_nmi(row.expand(P, P))) == pytest.approx(0.0, abs=1e-12)


def test_nmi_two_blocks_known_value():
    # queries 0..7 attend uniformly to keys 0..7, the rest to keys 8..15:
    # I = log 2, H(q) = H(k) = log 16 -> NMI = log 2 / log 16 = 1/4
    a = torch.zeros(P, P, dtype=torch.float64)
    a[:8, :8] = 1 / 8
    a[8:, 8:] = 1 / 8
    assert float(attention_nmi(a)) == pytest.approx(0.25, abs=1e-12)


def test_nmi_rejects_negative_weights():
    with pytest.raises(InvalidParameter, match="non-negative"):
        attention_nmi(IDENTITY - 0.5)


def test_nmi_of_hard_maps_matches_sklearn_geometric_nmi():
    # a one-hot map is a labelling query -> key; with p(q) uniform the NMI is the clustering NMI
    from sklearn.metrics import normalized_mutual_info_score
    g = torch.Generator().manual_seed(3)
    for _ in range(5):
        keys = torch.randint(0, 5, (P,), generator=g)
        a = torch.nn.functional.one_hot(keys, P).to(torch.float64)
        ref = normalized_mutual_info_score(list(range(P)), keys.tolist(), average_method="geometric")
        assert float(attention_nmi(a)) == pytest.approx(ref, abs=1e-9)
