"""Load MPI before dolfinx/petsc4py when the binary wheel provides them."""

try:  # the dolfinx-solver-real wheel must be imported first so its MPI is the one used
    import dolfinx_solver  # noqa: F401
except ImportError:  # cluster installs bring their own dolfinx
    pass
