"""The records the run store hands out (to the viewer and the HTML writers)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

RunKind = Literal["eval", "rag", "perf"]
RunStatus = Literal["complete", "running", "incomplete", "errors"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class RunInfo(_Model):
    """One run found under a root: what the runs list shows."""

    id: str
    """Stable id within one store: ``<root index>/<path relative to the root>``."""
    kind: RunKind
    """``eval`` (Native or an external harness), ``rag`` (RAGEval reports) or ``perf`` (a load-test sweep)."""
    path: str
    """Absolute path of the run directory."""
    name: str
    """Display name (the directory name, with its parent for perf sweeps)."""
    models: list[str] = Field(default_factory=list)
    """Model ids of the run."""
    benchmarks: list[str] = Field(default_factory=list)
    """Benchmarks (eval) or load points (perf) of the run."""
    backend: Optional[str] = None
    """``Native``, ``RAGEval``, ... (eval); ``perf`` for sweeps."""
    created: Optional[float] = None
    """Start time (Unix seconds): from the timestamped directory name, else its modification time."""
    status: RunStatus = "complete"
    """``running`` while files changed lately and reports are missing; ``incomplete`` when stopped without
    every report; ``errors`` when a report counts errored samples."""
    scores: dict[str, Optional[float]] = Field(default_factory=dict)
    """``model@benchmark`` -> primary score (eval); point name -> throughput (perf)."""
    notes: list[str] = Field(default_factory=list)
    """What could not be read, said once (an unreadable report, a truncated line)."""


class ImageRef(_Model):
    """A media part of a recorded prompt (records keep hash + source, never bytes)."""

    type: str = "image"
    """Part kind (``image``, ``audio``, ``video``)."""
    sha256: Optional[str] = None
    """Content hash, when the bytes were read at run time."""
    source: Optional[str] = None
    """Where the bytes came from: a path, a URL, ``inline``."""
    media_type: Optional[str] = None
    """MIME type, when known."""


class SampleRow(_Model):
    """One prediction joined with its review; every field may be missing in a record (``None``)."""

    index: int
    """Position of the row in the benchmark's sample list (0-based, over all its subset files)."""
    sample_id: Optional[str] = None
    """The sample's key within its subset."""
    repeat: int = 0
    """Which repeat of the sample."""
    subset: Optional[str] = None
    """Subset name."""
    model: Optional[str] = None
    """Model that answered."""
    messages: list[dict[str, Any]] = Field(default_factory=list)
    """The prompt as recorded (role, content string or parts)."""
    images: list[ImageRef] = Field(default_factory=list)
    """Media parts of the prompt, in order."""
    target: Optional[str] = None
    """The reference answer."""
    answer: Optional[str] = None
    """The model's raw answer."""
    reasoning: Optional[str] = None
    """The model's reasoning content, if it returned one."""
    prediction: Optional[str] = None
    """The answer after filters (what was scored)."""
    extracted: Optional[str] = None
    """The answer extracted for scoring."""
    score: Optional[dict[str, Any]] = None
    """Metric name -> value; ``None`` when not (yet) scored."""
    main_score: Optional[float] = None
    """The first metric's value (what ``wrong`` is judged by: below 1 is wrong)."""
    judge: Optional[str] = None
    """The judge's reasoning, when a judge scored the sample."""
    error: Optional[str] = None
    """The request's or the scoring's error."""
    usage: Optional[dict[str, Any]] = None
    """Token usage of the answer."""
    latency: Optional[float] = None
    """Seconds the answer took."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Record fields this reader does not know, kept verbatim (prediction's, then review's under ``review.``)."""
    pending: bool = False
    """Its review is not read yet (the reviews file is still being indexed): not scored *yet*."""

    @property
    def wrong(self) -> bool:
        return self.main_score is not None and self.main_score < 1


class SampleFile(_Model):
    """The per-sample files of one model, benchmark and subset."""

    model: str
    """Model id (the folder under predictions/)."""
    benchmark: str
    """Benchmark name."""
    subset: str
    """Subset name."""
    predictions: Optional[str] = None
    """Path of ``predictions/<model>/<bench>_<subset>.jsonl``, when present."""
    reviews: Optional[str] = None
    """Path of ``reviews/<model>/<bench>_<subset>.jsonl``, when present."""


class SampleQuery(_Model):
    """What the samples page asks for."""

    model: Optional[str] = None
    """Model id; ``None``: the run's first."""
    benchmark: Optional[str] = None
    """Benchmark; ``None``: the run's first."""
    subset: Optional[str] = None
    """Only this subset."""
    status: Literal["all", "wrong", "right", "errored", "unscored"] = "all"
    """Which rows: wrong = main score below 1; errored = a request or scoring error."""
    q: str = ""
    """Case-insensitive text that the prompt, answer, reference or extracted answer must contain."""
    offset: int = Field(0, ge=0)
    """First row of the page."""
    limit: int = Field(50, ge=1, le=500)
    """Rows per page."""


class SamplePage(_Model):
    """One page of samples."""

    total: int
    """Rows matching the query (so far, when not ``complete``)."""
    rows: list[SampleRow]
    """The page."""
    subsets: list[str] = Field(default_factory=list)
    """Subsets of the benchmark (for the filter)."""
    notes: list[str] = Field(default_factory=list)
    """Lines skipped (truncated or unreadable)."""
    complete: bool = True
    """``False`` while the files are still being indexed or a search is still confirming candidates: the rows
    shown do match, more may follow, and ``total`` counts the matches found so far."""
    scanned: float = 1.0
    """Fraction of the benchmark's file bytes indexed so far."""


class PerfPoint(_Model):
    """One run of a perf sweep (one concurrency or rate)."""

    name: str
    """Directory name (``parallel_4_number_20``, ``rate_8_number_100``)."""
    path: str
    """Absolute path."""
    parallel: Optional[int] = None
    """Concurrency."""
    rate: Optional[float] = None
    """Request rate (req/s); ``None`` for closed-loop runs."""
    summary: dict[str, Any] = Field(default_factory=dict)
    """``benchmark_summary.json`` as written."""
    percentiles: list[dict[str, Any]] = Field(default_factory=list)
    """``benchmark_percentile.json`` rows."""
    args: dict[str, Any] = Field(default_factory=dict)
    """``benchmark_args.json``, secrets masked again on read."""
    has_db: bool = False
    """Whether ``benchmark_data.db`` exists."""


class PerfRequest(_Model):
    """One request of a perf run, for the timeline (seconds since the run's first send)."""

    start: float
    """When it was sent."""
    first_chunk: Optional[float] = None
    """When its first content arrived."""
    end: Optional[float] = None
    """When it completed."""
    success: bool
    """Whether it succeeded."""
    error: Optional[str] = None
    """Its error, if any."""
