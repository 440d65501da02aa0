"""Exceptions that map to the command line's exit codes."""


class SolveFailed(Exception):
    """The solution failed after time-step cut-backs (exit code 3)."""
