"""The HTML report and the result contract: reads result JSON only, never re-runs a check.

``report.result`` is the result contract (light: json and the standard library); the HTML
report (``report.html``, Jinja2 and Matplotlib) is imported only when a report is written.
"""


def write_report(*args, **kwargs):
    from .html import write_report as _write
    return _write(*args, **kwargs)
