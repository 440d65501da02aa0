"""Shared helpers for the tests: run a case file end to end and read what it wrote."""

from pathlib import Path

import numpy as np

from postprocess import readers
from solver.case import load_case
from solver.simulation import run_case

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"


def run(case_file: str, out_dir: Path, *overrides: str):
    """Load ``cases/<case_file>`` with ``--set`` style overrides, run it into ``out_dir``."""
    case = load_case(CASES / case_file, overrides)
    record = run_case(case, out_dir, plots=False)
    return case, record


def probe_at(out_dir: Path, time_s: float, name: str = "radial") -> dict:
    """Probe rows written at ``time_s`` (asserting the run wrote that exact time)."""
    profile = readers.profiles(out_dir)[name]
    times = np.unique(profile["time_s"])
    assert np.min(np.abs(times - time_s)) <= 1e-9 * max(1.0, time_s), (time_s, times)
    return readers.profile_at(profile, time_s)


def assert_close(actual, expected, rel: float, floor: float, what: str = "") -> None:
    """|actual − expected| ≤ rel·max(|expected|, floor), elementwise."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    bound = rel * np.maximum(np.abs(expected), floor)
    err = np.abs(actual - expected)
    assert np.all(err <= bound), f"{what}: got {actual}, expected {expected}, |err| {err} > {bound}"


def swell(case, theta0_path):
    """Uniform swelling: move the stress-free reference θ_0 of the eigenstrain through
    ``theta0_path`` (θ itself stays uniform, so transport holds exactly), one solve each.
    Returns the model and its updated observables."""
    from mpi4py import MPI

    from meshes import build
    from solver.model import Model
    from solver.observables import Observables

    model = Model(case, build(case.geometry, MPI.COMM_WORLD))
    for theta0 in theta0_path:
        model.theta0.value = theta0
        ok, _, _ = model.solve_step(1.0, "flux")
        assert ok, theta0
        model.accept()
    obs = Observables(model)
    obs.update()
    return model, obs


def global_max(values) -> float:
    from mpi4py import MPI

    return MPI.COMM_WORLD.allreduce(np.max(values, initial=-np.inf), op=MPI.MAX)
