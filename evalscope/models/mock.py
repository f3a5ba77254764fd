"""``mock_llm``: a scripted model for dry runs and tests (no network).

``model_args``:
- ``reply``: the answer to every prompt (default ``"This is a mock answer."``);
- ``replies``: answers given in turn, cycling;
- ``script``: a JSON/JSONL file (or a list) of rules ``{"contains": str, "reply": str}``, first
  match on the last user message wins, else ``reply``;
- ``echo: true``: answer with the last user message;
- ``reasoning``: reasoning content to attach to every answer.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict, field_validator

from evalscope.api import ChatMessage, ModelOutput, Usage
from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig, TaskConfig


class MockRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contains: str
    """Substring of the last user message that selects this rule."""
    reply: str
    """The answer."""


class MockArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = "This is a mock answer."
    """The answer when nothing else applies."""
    replies: Optional[list[str]] = None
    """Answers in turn (cycling)."""
    script: Optional[Any] = None
    """Rules (a list, or a JSON/JSONL path) mapping prompt substrings to answers."""
    echo: bool = False
    """Answer with the last user message."""
    reasoning: Optional[str] = None
    """Reasoning content attached to every answer."""

    @field_validator("script")
    @classmethod
    def _script(cls, v: Any) -> Any:
        load_rules(v)  # a missing or malformed script is a config error, found before the run starts
        return v


def load_rules(script: Any) -> list[MockRule]:
    """The rules of ``script`` (a list, or a JSON/JSONL file of them); a ``ValueError`` saying what is wrong."""
    if script is None:
        return []
    if isinstance(script, list):
        return [_rule(r, f"script item {i}") for i, r in enumerate(script)]
    if not isinstance(script, str):
        raise ValueError(f"script must be a list of rules or a JSON/JSONL file path, not {type(script).__name__}")
    path = Path(script).expanduser()
    if not path.is_file():
        raise ValueError(f"script file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            return [_rule(json.loads(line), f"{path}:{n}") for n, line in enumerate(text.splitlines(), 1)
                    if line.strip()]
        rows = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"script file {path}: {exc}") from None
    if not isinstance(rows, list):
        raise ValueError(f"script file {path}: expected a JSON list of rules")
    return [_rule(r, f"{path} item {i}") for i, r in enumerate(rows)]


def _rule(row: Any, where: str) -> MockRule:
    from pydantic import ValidationError

    try:
        return MockRule.model_validate(row)
    except ValidationError:
        raise ValueError(f"{where}: a rule is {{\"contains\": str, \"reply\": str}}, got {row!r}") from None


class MockModel:
    """Answers from a script, without any server."""

    def __init__(self, model_name: str = "mock-model", **model_args: Any) -> None:
        self.model_name = model_name
        self.args = MockArgs.model_validate(model_args)
        self.rules = load_rules(self.args.script)
        self._turns = itertools.cycle(self.args.replies) if self.args.replies else None
        self.calls = 0

    def _answer(self, prompt: str) -> str:
        if self.args.echo:
            return prompt
        for rule in self.rules:
            if rule.contains in prompt:
                return rule.reply
        if self._turns is not None:
            return next(self._turns)
        return self.args.reply

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        self.calls += 1
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        text = self._answer(prompt)
        prompt_tokens = sum(len(m.content.split()) for m in messages)
        completion_tokens = len(text.split())
        return ModelOutput(
            content=text,
            reasoning_content=self.args.reasoning,
            choices=[text],
            finish_reason="stop",
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                        total_tokens=prompt_tokens + completion_tokens),
            model=self.model_name,
            latency=0.0,
        )


@register("model", "mock_llm")
def _mock_factory(task: "TaskConfig") -> MockModel:
    return MockModel(task.model_id or "mock-model", **task.model_args)


_mock_factory.args_model = MockArgs  # type: ignore[attr-defined]  # model_args checked before the run
