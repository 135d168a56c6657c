"""Running claims: the CLI (``python -m checks``), the runner and the result store."""
