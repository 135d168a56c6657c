"""Claims of the `fpc` paper (see claims/_base.PAPERS)."""
