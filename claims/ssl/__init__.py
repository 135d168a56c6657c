"""Claims of the `ssl` paper (see claims/_base.PAPERS)."""
