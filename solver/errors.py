"""Exceptions that map to the command line's exit codes."""


class SolveFailed(Exception):
    """The solution failed after time-step cut-backs (exit code 3)."""


class Terminated(Exception):
    """The run was stopped by SIGTERM, with a checkpoint to restart from (exit code 3)."""
