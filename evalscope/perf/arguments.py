"""``PerfArgs``: the one config model of ``evalscope perf`` (EvalScope's ``Arguments`` field names)."""

from __future__ import annotations

import base64
from typing import Any, Literal, Optional
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from evalscope.perf.validate import header_problem, model_folder, name_problem
from evalscope.secrets import MASK, PLAIN_HEADERS, PLAIN_QUERY, is_secret_name  # noqa: F401  (re-exported)

# --api value -> endpoint appended to a base --url (EvalScope's mapping)
API_ENDPOINTS = {"openai": "chat/completions", "openai_embedding": "embeddings", "embedding": "embeddings"}


class RunSpec(BaseModel):
    """One run of a sweep: its load, and the directory it writes (``parallel_<p>_number_<n>``, EvalScope's
    names; ``rate_<r>_number_<n>`` in a ``--rate`` sweep)."""

    model_config = ConfigDict(frozen=True)

    parallel: Optional[int]
    """Concurrency (closed loop) or the cap on requests in flight (with ``rate``); ``None``: no cap (open loop)."""
    number: int
    rate: Optional[float] = None
    """Requests/s of the arrival schedule; ``None``: closed loop."""
    name: str


def _rate_text(rate: float) -> str:
    return str(float(rate))  # EvalScope's directory names: rate_5.0_number_100


def _as_list(value: Any) -> Any:
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return [value]


class PerfArgs(BaseModel):
    """Everything one ``evalscope perf`` invocation does (a sweep when ``parallel`` has several values)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    # target
    url: str = "http://127.0.0.1:8877/v1/chat/completions"
    """Full endpoint URL, or a base URL ending in ``/v1`` (the endpoint of ``api`` is appended)."""
    api: str = "openai"
    """``openai`` (chat or completions, by URL), ``openai_embedding``, ``custom`` (with ``api_plugin``), or a
    registered ``perf_api`` plugin name / ``module:Class``."""
    port: Optional[int] = Field(default=None, ge=1, le=65535)
    """``local_vllm``: the loopback port of the server it starts (default: a free one; EvalScope's is 8877)."""
    model_args: dict[str, Any] = Field(default_factory=dict)
    """``local_vllm``: how the server is started, the keys of ``--eval-type vllm``'s ``model_args``."""
    api_plugin: Optional[str] = None
    """``module:Class`` or ``path/to/file.py:Class`` of a custom API plugin (``api=custom``)."""
    model: Optional[str] = None
    api_key: Optional[SecretStr] = None
    headers: dict[str, str] = Field(default_factory=dict)
    connect_timeout: Optional[float] = Field(default=None, gt=0)
    """Seconds to open a connection; ``None``: the OS's limit (about 2 min on Linux)."""
    read_timeout: Optional[float] = Field(default=600.0, gt=0)
    """Seconds a request may go without receiving a byte (before the first one, or between two) before it fails as
    a read timeout. 600 as EvalScope's (vLLM's ``bench serve`` has none, only its 6 h total): long enough for a
    non-streamed reply of thousands of tokens from a loaded server, short enough that a server that accepts and
    never answers fails the request in minutes, not hours. ``None`` (Python API only): no limit."""
    total_timeout: Optional[float] = Field(default=6 * 60 * 60, gt=0)
    """Seconds a whole request may take (6 h, as vLLM's ``bench serve`` and EvalScope)."""
    no_test_connection: bool = False
    wait_for_server: float = Field(default=60.0, ge=0)
    """Seconds the connection test keeps asking a server that refuses connections or answers 5xx (it may still
    be loading the model); 0: one attempt. A 4xx fails at once."""
    transport: Literal["auto", "fast", "aiohttp"] = "auto"
    """``auto``: the built-in HTTP/1.1 client for ``http://`` URLs, aiohttp for ``https://``."""
    event_loop: Literal["auto", "asyncio", "uvloop"] = "auto"
    """``auto``: uvloop when installed (much less client CPU per chunk), else the standard loop."""

    # load
    parallel: list[int] = Field(default_factory=lambda: [1])
    """Concurrency (closed loop) or concurrency cap (with ``rate``); several values make a sweep."""
    number: Optional[list[int]] = None
    """Requests per run, one per ``parallel`` value, or one per ``rate`` value in a rate sweep (default: 1000 each)."""
    rate: list[float] = Field(default_factory=lambda: [-1.0])
    """Requests per second with Poisson arrivals; -1 (or <= 0): closed loop, as fast as ``parallel`` allows.
    Several values make a sweep over rates (each > 0), with ``parallel`` as the cap of every run (or one cap each)."""
    open_loop: bool = False
    """Send on the ``rate`` schedule with no cap on requests in flight (``parallel`` is ignored), as EvalScope's
    ``--open-loop``: the offered load never adapts to the server."""
    burstiness: float = 1.0
    """Gamma shape of the inter-arrival times with ``rate``: 1 is Poisson, < 1 burstier, > 1 more regular."""
    warmup_num: float = Field(default=0, ge=0)
    """Warm-up requests before each run (not recorded); 0 < value < 1 is a fraction of ``number``."""
    multi_turn: bool = False
    """Conversations: each worker sends a conversation's turns one after another, every turn carrying the
    context so far (the real replies included). ``number`` then counts conversations; every turn is one
    request. Implied by a multi-turn dataset (``*_multi_turn``)."""
    min_turns: int = 1
    """``random_multi_turn``: fewest user turns per conversation."""
    max_turns: Optional[int] = None
    """Most user turns per conversation: ``random_multi_turn`` draws from ``[min_turns, max_turns]``; the
    other multi-turn datasets cut longer conversations."""
    duration: Optional[float] = Field(default=None, gt=0)
    """Stop sending after this many seconds of a run (in-flight requests finish; with ``--multi-turn``, no new
    conversation starts and those under way finish their turns, as in EvalScope)."""
    sleep_interval: float = 0
    """Seconds to wait between the runs of a sweep."""

    # request body
    stream: bool = True
    require_done: bool = True
    """A stream must end with ``data: [DONE]`` to count as a success; ``False`` also accepts a stream the
    server ended cleanly without it (``transformers serve`` never sends it). A dropped stream fails either way."""
    max_tokens: Optional[int | list[int]] = 2048
    """Per request; ``[min, max]`` draws each request's value uniformly (seeded by ``seed``)."""
    min_tokens: Optional[int] = None
    stop: Optional[list[str]] = None
    stop_token_ids: Optional[list[int]] = None
    temperature: Optional[float] = 0.0
    top_p: Optional[float] = None
    top_k: Optional[int] = None
    seed: Optional[int] = None
    frequency_penalty: Optional[float] = None
    repetition_penalty: Optional[float] = None
    logprobs: Optional[bool] = None
    n_choices: Optional[int] = None
    extra_args: dict[str, Any] = Field(default_factory=dict)
    """JSON object merged into every request body."""

    # prompts
    dataset: str = "openqa"
    dataset_path: Optional[str] = None
    dataset_offset: int = Field(default=0, ge=0)
    """Skip this many prompts (or conversations) of the dataset first; each run then takes prompts of its own."""
    dataset_plugin: Optional[str] = None
    """``module:Class`` of a custom dataset plugin (``dataset=custom``)."""
    max_prompt_length: int = 131072
    """Longest prompt kept (tokens with ``tokenizer_path``, else characters; ``random``: words)."""
    min_prompt_length: int = 0
    prefix_length: int = 0
    """``random``: tokens of a fixed prefix shared by every prompt."""
    prompt: Optional[str] = None
    """One fixed prompt for every request (``@file`` reads a file)."""
    query_template: Optional[str] = None
    """A JSON request body (or ``@file``): ``%p``/``%prompt`` where the prompt goes, ``%m`` the model (EvalScope's)."""
    tokenizer_path: Optional[str] = None
    apply_chat_template: Optional[bool] = None
    """EvalScope's switch between chat messages and raw prompts; here the URL decides (a chat URL sends
    messages, a completions URL raw prompts), and a value that contradicts the URL is an error."""
    image_width: int = Field(default=224, ge=1)
    """``random_vl``: width of the generated images."""
    image_height: int = Field(default=224, ge=1)
    image_num: int = Field(default=1, ge=1)
    """Images per request (``random_vl``, ``flickr8k``)."""
    image_format: str = "RGB"
    """``random_vl``: ``RGB`` or ``L`` (grayscale), Pillow's mode names as EvalScope's ``--image-format``."""

    # outputs
    outputs_dir: str = "outputs"
    name: Optional[str] = None
    no_timestamp: bool = False
    log_every_n_query: int = 100
    debug: bool = False
    visualizer: Optional[str] = None
    """``wandb`` or ``swanlab`` (only when installed)."""
    wandb_api_key: Optional[SecretStr] = None
    swanlab_api_key: Optional[SecretStr] = None
    no_html: bool = False

    @field_validator("parallel", "number", "stop", "rate", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("max_tokens", mode="before")
    @classmethod
    def _max_tokens(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if len(value) == 1:
                value = value[0]
            elif len(value) != 2 or value[0] > value[1] or value[0] < 1:
                raise ValueError(f"--max-tokens takes one value or a range 'min max' with 1 <= min <= max, got {value}")
            else:
                return list(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 1:
            raise ValueError(f"--max-tokens must be >= 1, got {value}")
        return value

    @field_validator("headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        if isinstance(value, list):  # ["k=v", ...]
            out = {}
            for item in value:
                key, sep, val = str(item).partition("=")
                if not sep:
                    raise ValueError(f"header {item!r} is not key=value")
                out[key.strip()] = val.strip()
            return out
        return value or {}

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for key, val in value.items():
            problem = header_problem(str(key), str(val))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("api_key")
    @classmethod
    def _sendable_key(cls, value: Optional[SecretStr]) -> Optional[SecretStr]:
        if value is not None and header_problem("Authorization", value.get_secret_value()):
            raise ValueError("--api-key must be one line of Latin-1 text (no CR, LF or NUL): it is sent as a header")
        return value

    @field_validator("name")
    @classmethod
    def _one_folder(cls, value: Optional[str]) -> Optional[str]:
        problem = None if value is None else name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("url")
    @classmethod
    def _parsable_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises on a port out of range)
        except ValueError as exc:
            raise ValueError(f"--url {value!r} is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--url {value!r} is not an http:// or https:// URL with a host")
        return value

    @field_validator("parallel")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if not value or any(p < 1 for p in value):
            raise ValueError("every --parallel value must be >= 1")
        return value

    @field_validator("visualizer")
    @classmethod
    def _visualizer(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and value not in ("wandb", "swanlab"):
            raise ValueError(f"visualizer must be 'wandb' or 'swanlab', got {value!r}")
        return value

    @model_validator(mode="after")
    def _check(self) -> "PerfArgs":
        if self.dataset.endswith("_multi_turn"):
            self.multi_turn = True
        if self.apply_chat_template is not None and not self.api.endswith("embedding") and \
                self.apply_chat_template != self.is_chat:
            raise ValueError(
                f"--{'' if self.apply_chat_template else 'no-'}apply-chat-template contradicts --url "
                f"{self.safe_url}: a chat URL (.../v1/chat/completions) sends chat messages, a completions URL "
                "(.../v1/completions) raw prompts"
            )
        if self.multi_turn:
            self._check_multi_turn()
        rate_sweep = len(self.rate) > 1 or self.open_loop
        if not self.rate:
            raise ValueError("--rate needs a value")
        if rate_sweep and any(r <= 0 for r in self.rate):
            raise ValueError(
                f"--rate {' '.join(f'{r:g}' for r in self.rate)}: "
                + ("--open-loop" if self.open_loop else "a sweep over several rates")
                + " needs every rate > 0 (-1, a closed loop, only works alone)"
            )
        axis, axis_name = (self.rate, "--rate") if rate_sweep else (self.parallel, "--parallel")
        if rate_sweep and not self.open_loop and len(self.parallel) not in (1, len(self.rate)):
            raise ValueError(
                f"--parallel has {len(self.parallel)} values and --rate {len(self.rate)}: in a rate sweep give one "
                "--parallel (the cap of every run) or one per rate"
            )
        if self.number is None:
            self.number = [1000] * len(axis)
        if len(self.number) == 1 and len(axis) > 1:
            self.number = self.number * len(axis)
        if len(self.number) != len(axis):
            raise ValueError(
                f"--number has {len(self.number)} values and {axis_name} {len(axis)}: give one number per "
                f"{axis_name.lstrip('-')} value"
            )
        if any(n < 1 for n in self.number):
            raise ValueError("every --number value must be >= 1")
        if self.burstiness <= 0:
            raise ValueError("burstiness must be > 0")
        if self.min_prompt_length > self.max_prompt_length:
            raise ValueError("min_prompt_length is larger than max_prompt_length")
        if self.api == "custom" and not self.api_plugin:
            raise ValueError("--api custom needs --api-plugin module:Class")
        if self.api.startswith("local_") and "url" in self.model_fields_set:
            raise ValueError(f"--url is not used with --api {self.api}: the target is the server it starts (its "
                             "port: --port)")
        if not self.api.startswith("local_") and (self.port is not None or self.model_args):
            raise ValueError(f"--{'port' if self.port is not None else 'model-args'} is for a server perf starts "
                             f"(--api local_vllm), not --api {self.api}")
        return self

    def _check_multi_turn(self) -> None:
        if self.open_loop or any(r > 0 for r in self.rate):
            raise ValueError(
                "--multi-turn sends a conversation's next turn when the reply to the last one has arrived; it does "
                "not take --rate or --open-loop (use --parallel for the number of conversations in flight)"
            )
        if self.min_turns < 1:
            raise ValueError("--min-turns must be >= 1")
        if self.max_turns is not None and self.max_turns < self.min_turns:
            raise ValueError(f"--max-turns ({self.max_turns}) is less than --min-turns ({self.min_turns})")
        if self.api in ("openai_embedding", "embedding"):
            raise ValueError("--multi-turn needs a chat API, not embeddings")

    # derived -----------------------------------------------------------------
    @property
    def runs(self) -> list[RunSpec]:
        """Each run of the sweep, in order; a repeated run gets ``_2``, ``_3`` on its directory name."""
        numbers = self.number or []
        if len(self.rate) == 1 and not self.open_loop:
            rate = self.rate[0] if self.rate[0] > 0 else None
            specs = [(p, n, rate, f"parallel_{p}_number_{n}") for p, n in zip(self.parallel, numbers)]
        else:
            caps: list[Optional[int]] = [None] * len(self.rate) if self.open_loop else (
                self.parallel * len(self.rate) if len(self.parallel) == 1 else list(self.parallel))
            vary = len(set(caps)) > 1
            specs = [(p, n, r, (f"parallel_{p}_" if vary else "") + f"rate_{_rate_text(r)}_number_{n}")
                     for p, n, r in zip(caps, numbers, self.rate)]
        seen: dict[str, int] = {}
        runs = []
        for parallel, number, rate, name in specs:
            seen[name] = seen.get(name, 0) + 1
            suffix = f"_{seen[name]}" if seen[name] > 1 else ""
            runs.append(RunSpec(parallel=parallel, number=number, rate=rate, name=name + suffix))
        return runs

    @property
    def endpoint_url(self) -> str:
        """``url`` with the endpoint of ``api`` appended to its path when ``url`` is a base URL; the query
        (e.g. Azure's ``?api-version=``) is kept, user and password are not (they become ``Authorization``)."""
        parts = urlsplit(self.url)
        path = parts.path.rstrip("/")
        tail = path.rsplit("/", 1)[-1]
        if tail not in ("completions", "embeddings", "chat") and not path.endswith("chat/completions"):
            endpoint = API_ENDPOINTS.get(self.api)
            if endpoint is None and self.dataset == "speed_benchmark":
                endpoint = "completions"
            if endpoint:
                path = f"{path}/{endpoint}"
        host = parts.hostname or ""
        netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, path, parts.query, ""))

    @property
    def safe_url(self) -> str:
        """``endpoint_url`` for outputs and messages: the values of secret-looking query parameters masked."""
        parts = urlsplit(self.endpoint_url)
        if not parts.query:
            return self.endpoint_url
        query = urlencode([(k, MASK if is_secret_name(k, PLAIN_QUERY) else v)
                           for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
        return urlunsplit(parts._replace(query=query))

    @property
    def is_chat(self) -> bool:
        return urlsplit(self.endpoint_url).path.endswith("chat/completions")

    @property
    def run_name(self) -> str:
        """The output folder of the sweep: ``--name``, else the model's last path part (EvalScope's)."""
        if self.name:
            return self.name
        return model_folder(self.model or "")

    def warmup_count(self, number: int) -> int:
        if self.warmup_num <= 0:
            return 0
        if self.warmup_num >= 1:
            return int(self.warmup_num)
        return max(1, int(self.warmup_num * number))

    def request_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **self.headers}
        parts = urlsplit(self.url)
        if parts.username is not None and not any(k.lower() == "authorization" for k in headers):
            user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(user_pass.encode()).decode()
        if self.api_key is not None:  # --api-key wins over an Authorization header, whatever its case
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        return headers

    def secrets(self) -> list[str]:
        """Every secret value this config sends (keys, masked header and query values, URL credentials)."""
        out = [k.get_secret_value() for k in (self.api_key, self.wandb_api_key, self.swanlab_api_key) if k is not None]
        out += [v for k, v in self.request_headers().items() if is_secret_name(k) and k.lower() != "content-type"]
        parts = urlsplit(self.url)
        out += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if is_secret_name(k, PLAIN_QUERY)]
        out += [unquote(x) for x in (parts.username, parts.password) if x]
        return sorted({s for s in out if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` (an error message, say) with the raw URL and every secret value masked."""
        if not text:
            return text
        text = text.replace(self.url, self.safe_url).replace(self.endpoint_url, self.safe_url)
        for secret in self.secrets():
            text = text.replace(secret, MASK)
        return text

    def masked_dump(self) -> dict[str, Any]:
        """The args as JSON-ready data with every secret (keys, auth headers) masked."""
        data = self.model_dump(mode="json")
        for key in ("api_key", "wandb_api_key", "swanlab_api_key"):
            if data.get(key):
                data[key] = MASK
        data["headers"] = {k: (MASK if is_secret_name(k) else v) for k, v in data["headers"].items()}
        data["url"] = data["endpoint_url"] = self.safe_url
        return data


Arguments = PerfArgs
"""EvalScope's name for the perf config (``from evalscope.perf.arguments import Arguments``)."""
