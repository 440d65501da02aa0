import sys
import tempfile
from pathlib import Path

import pytest

import solver.mpi_env  # noqa: F401  (MPI from the wheel before dolfinx/petsc4py/mpi4py)
from mpi4py import MPI  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))  # tests/support.py


if MPI.COMM_WORLD.size > 1:
    @pytest.fixture
    def tmp_path():
        """One directory shared by all ranks (pytest's own is per process)."""
        comm = MPI.COMM_WORLD
        path = comm.bcast(tempfile.mkdtemp(prefix="swellfem-test-") if comm.rank == 0 else None)
        return Path(path)
