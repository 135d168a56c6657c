"""Where the runner stores results: the result contract lives in ``report/result.py`` (one
module for the runner, the report and ``checks diff``); this name is kept for callers that
say ``from checks import store``."""
from report.errors import BadResultsDir, CorruptResult, NoResults, ResultSchemaError, WriteFailed  # noqa: F401
from report.result import (  # noqa: F401
                           SCHEMA_VERSION,
                           ClaimResult,
                           atomic_write,
                           check_writable,
                           clean_stale_temps,
                           dumps,
                           load_result,
                           load_results,
                           shape_problem,
                           upgrade_v1,
                           write_result,
)
