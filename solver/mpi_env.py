"""Load MPI before dolfinx/petsc4py when the binary wheel provides them, and let a process wait
long enough for a form another process is compiling."""

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
