"""Claims of the `tlc` paper: one module per claim; this file declares the paper."""
from claims import Paper

PAPER = Paper(
    short="tlc",
    title="Mask Models are Token Level Contrastive Learners",
    authors="anonymous",
    reference="anonymous submission",
    link="",
)
