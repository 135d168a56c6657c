"""Claims of the `tlc` paper (see claims/_base.PAPERS)."""
