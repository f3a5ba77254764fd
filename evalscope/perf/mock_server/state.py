"""The mock server's mutable state: config, compiled script, counters, applied timings."""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from evalscope.perf.mock_server.config import FaultSpec, MockServerConfig, Rule
from evalscope.perf.mock_server.script import Script, sha256_hex


@dataclass
class Decision:
    """What the server decided for one request."""

    index: int
    """1-based count of this prompt's requests so far (this one included)."""
    rule: Optional[Rule]
    rule_index: Optional[int]
    fault: Optional[FaultSpec]


@dataclass
class State:
    config: MockServerConfig
    script: Script = field(init=False)
    rng: random.Random = field(init=False)
    total: int = 0
    by_endpoint: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_fault: Counter = field(default_factory=Counter)
    prompts: Counter = field(default_factory=Counter)
    prompts_sha256: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    requests: deque = field(init=False)
    _next_id: int = 0

    def __post_init__(self) -> None:
        self.apply(self.config)

    def apply(self, config: MockServerConfig) -> None:
        self.config = config
        self.script = Script(config.script)
        self.rng = random.Random(config.seed)
        old = list(getattr(self, "requests", ()))
        self.requests = deque(old[-config.keep_requests :], maxlen=config.keep_requests)

    def reset(self) -> None:
        self.total = 0
        for c in (self.by_endpoint, self.by_status, self.by_fault, self.prompts, self.prompts_sha256, self.by_rule):
            c.clear()
        self.requests.clear()
        self.rng = random.Random(self.config.seed)

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def decide(self, endpoint: str, text: str, images: Sequence[str] = ()) -> Decision:
        """Count the request and pick its rule and fault (``images``: sha256 of the message's images)."""
        self.total += 1
        self.by_endpoint[endpoint] += 1
        self.prompts[text] += 1
        self.prompts_sha256[sha256_hex(text)] += 1
        index = self.prompts[text]
        hit = self.script.match(text, images)
        rule_index, rule = hit if hit else (None, None)
        if rule_index is not None:
            self.by_rule[rule_index] += 1
        fault = None
        candidates = ([rule.fault] if rule is not None and rule.fault is not None else []) + self.config.faults
        for spec in candidates:
            if spec.first is not None and index > spec.first:
                continue
            if spec.rate >= 1.0 or self.rng.random() < spec.rate:
                fault = spec
                break
        if fault is not None:
            self.by_fault[fault.kind] += 1
        return Decision(index=index, rule=rule, rule_index=rule_index, fault=fault)

    def record(self, entry: dict[str, Any]) -> None:
        self.by_status[str(entry.get("status"))] += 1
        self.requests.append(entry)

    def snapshot(self, with_requests: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "total_requests": self.total,
            "by_endpoint": dict(self.by_endpoint),
            "by_status": dict(self.by_status),
            "by_fault": dict(self.by_fault),
            "by_rule": {str(k): v for k, v in self.by_rule.items()},
            "prompts": dict(self.prompts),
            "prompts_sha256": dict(self.prompts_sha256),
            "max_prompt_count": max(self.prompts.values(), default=0),
            "applied": applied_summary(self.requests),
        }
        if with_requests:
            out["requests"] = list(self.requests)
        return out


def _mean(values: list[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def applied_summary(requests) -> dict[str, Optional[float]]:
    """Means of the timings the server applied (over successful streamed / non-streamed requests)."""
    ttft = [r["ttft_ms"] for r in requests if r.get("ttft_ms") is not None]
    itl = [r["itl_ms"] for r in requests if r.get("itl_ms") is not None]
    lat = [r["latency_ms"] for r in requests if r.get("latency_ms") is not None]
    return {"mean_ttft_ms": _mean(ttft), "mean_itl_ms": _mean(itl), "mean_latency_ms": _mean(lat), "n": len(requests)}
