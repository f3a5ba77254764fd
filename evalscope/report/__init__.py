"""The versioned Report schema, its writers and readers."""

from evalscope.report.schema import (
    SCHEMA_VERSION,
    Category,
    ExecutionSubset,
    ExecutionSummary,
    Metric,
    Report,
    Subset,
)

__all__ = [
    "SCHEMA_VERSION",
    "Category",
    "ExecutionSubset",
    "ExecutionSummary",
    "Metric",
    "Report",
    "Subset",
]
