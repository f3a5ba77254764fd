"""``Sample``: one benchmark question, as every benchmark produces it and every scorer reads it."""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from evalscope.api.messages import ChatMessage


class Sample(BaseModel):
    """One benchmark question."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """Stable key within its subset (the row's id or its index); used to resume."""
    input: Union[str, list[ChatMessage]]
    """The question (before templating), or a whole conversation (the last user turn is the question; image
    parts allowed)."""
    target: Union[str, list[str]]
    """The reference answer, or several acceptable ones (DocVQA's answer lists)."""
    choices: Optional[list[str]] = None
    """Answer options of a multiple-choice question."""
    subset: Optional[str] = None
    """The subset the sample belongs to, when the benchmark sets it."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Anything else a benchmark needs (few-shot reasoning, original fields)."""

    @property
    def targets(self) -> list[str]:
        """Every acceptable reference answer."""
        return [self.target] if isinstance(self.target, str) else list(self.target)

    @property
    def target_text(self) -> str:
        """The first reference answer (what single-reference metrics compare against)."""
        targets = self.targets
        return targets[0] if targets else ""

    @property
    def input_text(self) -> str:
        """The question's text: the string, or the last user message's text."""
        if isinstance(self.input, str):
            return self.input
        for message in reversed(self.input):
            if message.role == "user":
                return message.text
        return ""
