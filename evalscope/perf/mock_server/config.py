"""The mock server's settings and script rules (pydantic, ``extra="forbid"``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FaultKind = Literal["http_500", "http_429", "slow", "drop", "malformed", "no_done"]


class FaultSpec(BaseModel):
    """One way to misbehave, applied to a fraction of requests and/or the first k per prompt."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    """``http_500``; ``http_429`` (with ``Retry-After``); ``slow`` (sleep ``delay_s`` first);
    ``drop`` (close the connection mid-stream / before the body); ``malformed`` (invalid JSON body
    or SSE data); ``no_done`` (a stream that ends without ``data: [DONE]``)."""
    rate: float = Field(1.0, ge=0.0, le=1.0)
    """Probability that an eligible request gets this fault (seeded by ``MockServerConfig.seed``)."""
    first: Optional[int] = Field(None, ge=0)
    """Only the first ``first`` requests of each prompt are eligible ("fail k times then succeed")."""
    retry_after: float = 1.0
    """Seconds sent in ``Retry-After`` (``http_429``)."""
    delay_s: float = 1.0
    """Seconds to sleep before replying (``slow``)."""
    after_chunks: int = 2
    """Chunks written before the connection is dropped (``drop`` on a stream)."""


class Rule(BaseModel):
    """A scripted answer: the first rule whose matcher fits the last user message / prompt wins."""

    model_config = ConfigDict(extra="forbid")

    contains: Optional[str] = None
    """Substring of the last user message (chat) or the prompt (completions)."""
    regex: Optional[str] = None
    """``re.search`` pattern over the same text."""
    exact: Optional[str] = None
    """The whole text, exactly (an O(1) dict lookup)."""
    sha256: Optional[str] = None
    """Hex sha256 of the whole text (UTF-8), exactly."""
    image_sha256: Optional[str] = None
    """Hex sha256 of the bytes of an image (a ``data:`` URI part) of the last user message: all 64 digits, or the
    first 16 (what evalscope's records keep). Answers by image content, whatever the text."""
    reply: Optional[str] = None
    """Answer text; ``None`` means the default reply (useful for fault-only rules)."""
    reasoning: Optional[str] = None
    """Optional ``reasoning_content`` sent before the answer."""
    fault: Optional[FaultSpec] = None
    """A fault applied to requests matched by this rule."""

    @model_validator(mode="after")
    def _one_matcher(self) -> "Rule":
        given = [k for k in ("contains", "regex", "exact", "sha256", "image_sha256") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a rule needs exactly one of contains/regex/exact/sha256/image_sha256, got {given or 'none'}")
        return self


class MockServerConfig(BaseModel):
    """Everything the server does; change it at runtime with ``POST /mock/config``."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    """0 picks a free port."""
    models: list[str] = Field(default_factory=lambda: ["mock-model"])
    """Served by ``GET /v1/models``."""
    strict_model: bool = False
    """Reject (404) a request whose ``model`` is not in ``models``."""
    api_key: Optional[str] = None
    """When set, requests must send ``Authorization: Bearer <api_key>`` (else 401)."""

    ttft_ms: float = 0.0
    """Time from request arrival to the first content chunk (streaming)."""
    itl_ms: float = 0.0
    """Time between content chunks (streaming)."""
    latency_ms: float = 0.0
    """Whole-response latency of a non-streaming request."""
    output_tokens: int = 16
    """Output length of the generated (non-scripted) reply; capped by ``max_tokens``."""
    tokens_per_chunk: int = 1
    """Tokens carried by each streamed content chunk."""

    mode: Literal["generate", "echo"] = "generate"
    """``generate``: filler tokens (or the script); ``echo``: reply with the matched text."""
    script: list[Rule] = Field(default_factory=list)
    default_reply: Optional[str] = None
    """Reply when no rule matches; ``None`` means generated filler of ``output_tokens`` tokens."""

    image_hashes: bool = True
    """Decode and sha256 every ``data:`` image of a request for the log. ``False``: the log gives each image's size
    (from the base64 length), MIME type and width/height (from its first bytes) without decoding it all, which
    costs milliseconds per large image; images are still hashed while the script has ``image_sha256`` rules."""

    embedding_dim: int = Field(64, ge=1, le=16384)
    """Length of the vectors when a request names no ``dimensions`` (at most 16384, as ``dimensions``)."""
    reject_dimensions: bool = False
    """Answer a ``dimensions`` field with HTTP 400 (servers that do not support it)."""

    @field_validator("script", mode="before")
    @classmethod
    def _script_file(cls, value):
        """A path (str or Path) to a JSON/JSONL rules file is loaded."""
        if isinstance(value, (str, Path)):
            return [r.model_dump() for r in load_script(value)]
        return value

    faults: list[FaultSpec] = Field(default_factory=list)
    """Global faults, tried in order for every request (the first that fires wins)."""
    seed: int = 0
    keep_requests: int = 100_000
    """How many per-request records ``GET /mock/stats?requests=1`` keeps (the newest)."""


def load_script(source: Union[str, Path, list]) -> list[Rule]:
    """Rules from a JSON list, a JSON object with a ``script`` list, a JSONL file, or a Python list."""
    if isinstance(source, list):
        return [r if isinstance(r, Rule) else Rule.model_validate(r) for r in source]
    path = Path(source)
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and path.suffix == ".json"):
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("script", [])
        return [Rule.model_validate(r) for r in data]
    rules = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rules.append(Rule.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from exc
    return rules


def load_config(path: Union[str, Path]) -> MockServerConfig:
    """A ``MockServerConfig`` from a JSON or YAML file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        data = json.loads(text)
    return MockServerConfig.model_validate(data)
