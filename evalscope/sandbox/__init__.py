"""Execution of untrusted model-written code: see ``evalscope.sandbox.local`` for what it isolates, and what not."""

from evalscope.sandbox.local import ExecResult, LocalSandbox, SandboxLimits, SandboxMode, SandboxUnavailable, isolation

__all__ = ["ExecResult", "LocalSandbox", "SandboxLimits", "SandboxMode", "SandboxUnavailable", "isolation"]
