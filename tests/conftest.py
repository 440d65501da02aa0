import sys
from pathlib import Path

import solver.mpi_env  # noqa: F401  (MPI from the wheel before dolfinx/petsc4py/mpi4py)

sys.path.insert(0, str(Path(__file__).parent))  # tests/support.py
