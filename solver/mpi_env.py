"""Load MPI before dolfinx/petsc4py when the binary wheel provides them, run one BLAS/OpenMP
thread per rank, and let a process wait long enough for a form another process is compiling."""

import os

# The ranks are the parallelism: a threaded BLAS beside them (scipy's OpenBLAS, loaded with
# scipy.optimize) made the 3-D finite-strain tests 5-7x slower on 2 cores. A user's setting wins.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

try:  # the dolfinx-solver-real wheel must be imported first so its MPI is the one used
    import dolfinx_solver  # noqa: F401
except ImportError:  # cluster installs bring their own dolfinx
    pass

import dolfinx.jit

# Two ranks, or two cases of a sweep, that need the same form share one cache entry: one
# compiles, the other waits for it, and gives up after `timeout` s (10 s by default — shorter
# than one compilation on a loaded 2-core machine). A user's dolfinx_jit_options.json still wins.
_, _doc = dolfinx.jit.DOLFINX_DEFAULT_JIT_OPTIONS["timeout"]
dolfinx.jit.DOLFINX_DEFAULT_JIT_OPTIONS["timeout"] = (600, _doc)
