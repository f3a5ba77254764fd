"""What ``run_perf_benchmark`` returns per run: plain JSON-ready data that also reads as EvalScope's objects.

``metrics`` is the dict of ``benchmark_summary.json`` and answers EvalScope 1.x's attribute names
(``.avg_ttft``, ``.request_throughput``, ``.output_token_throughput``...) and ``.to_dict()``;
``percentiles`` is the list of ``benchmark_percentile.json`` and answers ``.rows`` (each row by key or by
EvalScope's attribute: ``row.ttft``) and ``.to_list()``.
"""

from __future__ import annotations

from typing import Any

from evalscope.perf.summary import BenchmarkSummary

# EvalScope's attribute names that differ from this project's BenchmarkSummary field names
_SUMMARY_ALIASES = {"output_token_throughput": "output_throughput", "total_token_throughput": "total_throughput",
                    "input_token_throughput": "input_throughput"}
_ROW_KEYS = {"percentile": "Percentiles", "ttft": "TTFT (ms)", "itl": "ITL (ms)", "tpot": "TPOT (ms)",
             "latency": "Latency (s)", "input_tokens": "Input tokens", "output_tokens": "Output tokens",
             "output_throughput": "Output (tok/s)", "total_throughput": "Total (tok/s)",
             "decode_throughput": "Decode (tok/s)", "input_throughput": "Input (tok/s)"}


class RunMetrics(dict):
    def __init__(self, summary: BenchmarkSummary) -> None:
        super().__init__(summary.to_json())
        self._summary = summary

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return getattr(self._summary, _SUMMARY_ALIASES.get(name, name))
        except AttributeError:
            raise AttributeError(f"run metrics have no attribute {name!r}") from None

    def to_dict(self) -> dict[str, Any]:
        return dict(self)


class PercentileRow(dict):
    def __getattr__(self, name: str) -> Any:
        key = _ROW_KEYS.get(name)
        if key is None:
            raise AttributeError(f"percentile rows have no attribute {name!r}")
        return self.get(key)


class RunPercentiles(list):
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(PercentileRow(r) for r in rows)

    @property
    def rows(self) -> list[PercentileRow]:
        return list(self)

    def to_list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self]
