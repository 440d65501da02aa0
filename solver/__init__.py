"""swellfem: chemo-mechanics of alloy battery anodes. ``from solver import Case, run`` is the
Python API (solver.api); the names load on first use, so that importing a submodule (e.g.
solver.mpi_env, which must come before mpi4py) stays light."""

__all__ = ["Case", "Results", "run"]


def __getattr__(name: str):
    if name in __all__:
        from solver import api

        return getattr(api, name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")
