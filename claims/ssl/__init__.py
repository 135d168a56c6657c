"""Claims of the `ssl` paper: one module per claim; this file declares the paper."""
from claims import Paper

PAPER = Paper(
    short="ssl",
    title="A Theoretical Analysis of Self-Supervised Learning for Vision Transformers",
    authors="Huang, Wen, Chi, Liang",
    reference="arXiv 2403.02233 v3 (adds contrastive learning)",
    link="https://arxiv.org/abs/2403.02233v3",
)
