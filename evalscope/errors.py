"""Exceptions that cross the library/CLI boundary.

Library code raises these; the CLI prints them as one line (no traceback) with exit code 2
for usage mistakes and 1 for failed runs.
"""


class EvalscopeError(Exception):
    """Base class of the project's own errors."""


class UsageError(EvalscopeError):
    """A mistake in what the user asked for (config, flags, dataset paths): exit code 2."""


class ConfigError(UsageError):
    """A task, perf or backend config that does not validate; the message names the field."""


class DatasetError(UsageError):
    """A dataset that cannot be found or read; the message names the file (and line)."""


class RunFailed(EvalscopeError):
    """A run that stopped (errored samples without ``ignore_errors``, a failed backend job)."""
