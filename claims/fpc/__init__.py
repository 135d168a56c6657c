"""Claims of the `fpc` paper: one module per claim; this file declares the paper."""
from claims._base import Paper

PAPER = Paper(
    short="fpc",
    title="Transformers Provably Learn Feature-Position Correlations in Masked Image Modeling",
    authors="Huang, Wen, Chi, Liang",
    reference="arXiv 2403.02233 v1",
    link="https://arxiv.org/abs/2403.02233v1",
)
