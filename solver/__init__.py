"""swellfem: chemo-mechanics of alloy battery anodes. ``from solver import Case, run`` is the
Python API (solver.api); the names load on first use, so that importing a submodule (e.g.
solver.mpi_env, which must come before mpi4py) stays light."""

import os

# One BLAS/OpenMP thread per rank, set before numpy or scipy load their OpenBLAS (hence here, the
# first module of any swellfem import): the ranks are the parallelism, and a threaded OpenBLAS
# beside PETSc made the 3-D finite-strain tests 5-7x slower on 2 cores. A user's setting wins.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

__all__ = ["Case", "Results", "run"]


def __getattr__(name: str):
    if name in __all__:
        from solver import api

        return getattr(api, name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")
