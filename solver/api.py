"""Python API for notebooks and scripts: load a case, change it, run it, read the results.

    from solver import Case, run

    case = Case("cases/demo.yaml").set("geometry.dimension", "radial")
    case.set("protocol.steps.0.until.soc", 0.1)
    results = run(case, "results/demo-radial")
    results.summary["soc"], results.summary["von_mises_max_Pa"]  # numpy arrays, SI

``Case.set`` applies the same overrides as ``swellfem run --set`` (validated against the schema
at once: a bad value raises CaseError naming the key); ``run`` is ``swellfem run`` without the
command line: the same results directory, and the same safety rule for reusing one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postprocess import readers
from solver import schema
from solver.case import load_case


class Case:
    """A case file with overrides: ``model`` is the validated case (solver.schema.Case, SI
    units), rebuilt after every ``set``."""

    def __init__(self, path, overrides=()):
        self.path = Path(path)
        self.overrides = list(overrides)
        self.model: schema.Case = load_case(self.path, self.overrides)

    def set(self, key: str, value: Any) -> Case:
        """Override ``key`` (dotted path, list items by index: 'protocol.steps.0.insert.c_rate')
        with ``value``: a string as on the command line ('300 nm', '{soc: 0.5}') or a Python
        number, bool, list or dict. Returns the case, so calls chain."""
        text = value if isinstance(value, str) else json.dumps(value)
        self.model = load_case(self.path, [*self.overrides, f"{key}={text}"])
        self.overrides.append(f"{key}={text}")
        return self

    def __repr__(self) -> str:
        changes = "".join(f" --set {o}" for o in self.overrides)
        return f"Case({str(self.path)!r}: {self.model.name}{changes})"


@dataclass
class Results:
    """A results directory read back: the histories as columns of numpy arrays (SI; NaN where a
    quantity does not apply), the run record and the probe profiles."""

    dir: Path
    record: dict
    summary: dict[str, np.ndarray]
    cycles: dict[str, np.ndarray]
    profiles: dict[str, dict[str, np.ndarray]]

    @classmethod
    def read(cls, results_dir) -> Results:
        folder = readers.require(results_dir, "run.json", "summary.csv")
        cycles = readers.cycles(folder) if (folder / "cycles.csv").is_file() else {}
        return cls(folder, readers.run_record(folder), readers.summary(folder), cycles,
                   readers.profiles(folder))


def run(case: Case | str | Path, output_dir=None, petsc_args=(), restart=None,
        plots: bool = True, progress: str = "normal", comm=None) -> Results:
    """Run ``case`` (a Case or a case file) into ``output_dir`` (default: its output.dir or
    results/NAME) on the ranks of ``comm`` (default COMM_WORLD) and read the results back.
    ``petsc_args`` as after ``--``, ``restart`` a results directory to continue, ``progress``
    quiet, normal or verbose, as for ``swellfem run``."""
    import solver.mpi_env  # noqa: F401  (the wheel's MPI first)
    from mpi4py import MPI

    from solver.cli import check_output_dir, on_root
    from solver.simulation import run_case

    case = case if isinstance(case, Case) else Case(case)
    comm = MPI.COMM_WORLD if comm is None else comm
    out = Path(output_dir) if output_dir is not None else case.model.output_dir()
    on_root(lambda: check_output_dir(out, case.path), comm)
    run_case(case.model, out, petsc_args=list(petsc_args), restart=restart, plots=plots,
             comm=comm, progress=progress)
    comm.barrier()  # rank 0's files are complete
    return Results.read(out)
