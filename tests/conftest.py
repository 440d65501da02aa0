import solver.mpi_env  # noqa: I001, F401  (first: BLAS threads, then MPI from the wheel)

import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

sys.path.insert(0, str(Path(__file__).parent))  # tests/support.py

VERIFICATION_RECORDS = Path(__file__).resolve().parents[1] / "results" / "verification"
SESSION = datetime.now(timezone.utc).isoformat(timespec="seconds")  # when this test run began


if MPI.COMM_WORLD.size > 1:
    @pytest.fixture
    def tmp_path():
        """One directory shared by all ranks (pytest's own is per process)."""
        comm = MPI.COMM_WORLD
        path = comm.bcast(tempfile.mkdtemp(prefix="swellfem-test-") if comm.rank == 0 else None)
        return Path(path)


class VerificationRecord:
    """Called as (benchmark, quantity, error, tolerance) where a verification test compares
    with its closed form: appends one JSON line to results/verification/<test module>.jsonl
    (rank 0; evaluate the arguments on every rank, they may be collective), which
    postprocess.verification_table turns into docs/verification.md. ``error`` is measured as
    the tolerance is (relative, absolute, in units of E, ...); ``at_least``: the value must
    reach the tolerance instead (a convergence rate)."""

    def __init__(self, node):
        self.node = node

    def __call__(self, benchmark: str, quantity: str, error: float, tolerance: float,
                 at_least: bool = False) -> None:
        if MPI.COMM_WORLD.rank != 0:
            return
        error, tolerance = float(error), float(tolerance)
        entry = {"benchmark": benchmark, "quantity": quantity, "error": error,
                 "tolerance": tolerance, "at_least": at_least,
                 "passed": error >= tolerance if at_least else error <= tolerance,
                 "ranks": MPI.COMM_WORLD.size, "test": self.node.nodeid, "session": SESSION,
                 "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        VERIFICATION_RECORDS.mkdir(parents=True, exist_ok=True)
        with open(VERIFICATION_RECORDS / f"{self.node.path.stem}.jsonl", "a") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    @staticmethod
    def relative(actual, expected, floor: float = 0.0) -> float:
        """max |actual − expected| / max(|expected|, floor), elementwise (the measure of
        support.assert_close)."""
        actual, expected = np.asarray(actual, float), np.asarray(expected, float)
        return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), floor)))


@pytest.fixture
def verification_record(request) -> VerificationRecord:
    """Record the measured error of a verification benchmark (VerificationRecord)."""
    return VerificationRecord(request.node)
