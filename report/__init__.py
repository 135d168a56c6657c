"""The HTML report: reads result JSON only, never re-runs a check."""
from .html import write_report  # noqa: F401
