"""A parameter study run as a task farm: under mpirun -n 2 two groups of one rank share four
radial Sn-Na cases from the queue. One case fails in the solver (one Newton iteration per step
cannot converge, and the step may not be cut below dt.min): study.csv records its error and the
others complete. A rerun skips every case it has a record of; --rerun-failed runs the failure
again; collect rebuilds study.csv from the case directories."""

import csv
import json

import pytest
from mpi4py import MPI

from solver.sweep import collect, load_study, run_study

BASE = """\
name: farm-base
geometry: {kind: sphere, radius: 100 nm, dimension: radial, mesh: {order: 2}}
chemistry: Na
materials: {active: {from: Sn-Na}}
initial: {soc: 0.002}
physics: {kinematics: finite, plasticity: viscoplastic}
protocol:
  steps:
    - {insert: {c_rate: 1}, until: {soc: 0.3}}
solver:
  preset: direct
  dt: {initial: 1 s, min: 0.5 s, max: 30 s}
output: {fields: {every: 1000}}
"""
STUDY = """\
name: farm
base: base.yaml
output: {{dir: {out}}}
mode: zip
parameters:
  geometry.radius: [50 nm, 100 nm, 150 nm, 200 nm]
  solver.newton.max_it: [12, 12, 1, 12]
"""


@pytest.fixture
def study(tmp_path):
    if MPI.COMM_WORLD.rank == 0:
        (tmp_path / "base.yaml").write_text(BASE)
        (tmp_path / "study.yaml").write_text(STUDY.format(out=tmp_path / "farm"))
    MPI.COMM_WORLD.barrier()
    return load_study(tmp_path / "study.yaml")


def _rows(study) -> list[dict]:
    with open(study.folder / "study.csv", newline="") as f:
        return list(csv.DictReader(f))


def _stamps(study) -> list[int]:
    return [(study.case_dir(i) / "run.json").stat().st_mtime_ns for i in range(len(study.cases))]


@pytest.mark.parallel
def test_farm_records_the_failure_resumes_and_collects(study):
    counts = run_study(study, ranks_per_case=1)
    assert counts == {"completed": 3, "failed": 1, "pending": 0}
    rows = _rows(study)
    assert [r["key"] for r in rows] == ["radius-50nm_max_it-12", "radius-100nm_max_it-12",
                                        "radius-150nm_max_it-1", "radius-200nm_max_it-12"]
    assert [r["status"] for r in rows] == ["completed", "completed", "failed", "completed"]
    assert [float(r["geometry.radius"]) for r in rows] == [5e-8, 1e-7, 1.5e-7, 2e-7]
    failed = rows.pop(2)
    assert failed["error"].startswith("the solution failed: ") and failed["peak_hoop_Pa"] == ""
    peaks = [float(r["peak_hoop_Pa"]) for r in rows]
    assert 0 < peaks[0] < peaks[1] < peaks[2]  # larger particles, steeper gradients
    assert all(float(r["wall_time_s"]) > 0 and r["error"] == "" for r in rows)
    records = [json.loads((study.case_dir(i) / "run.json").read_text()) for i in range(4)]
    assert [r["ranks"] for r in records] == [1] * 4  # every case on a group of its own
    assert (study.folder / "plots" / "peak_hoop_map.png").is_file()

    before = _stamps(study)
    assert run_study(study, ranks_per_case=1, plots=False) == counts
    assert _stamps(study) == before  # completed and failed cases are both skipped

    assert run_study(study, ranks_per_case=1, rerun_failed=True, plots=False) == counts
    after = _stamps(study)
    assert [a != b for a, b in zip(after, before)] == [False, False, True, False]

    expected = _rows(study)
    MPI.COMM_WORLD.barrier()  # every rank has read it
    if MPI.COMM_WORLD.rank == 0:
        (study.folder / "study.csv").unlink()
    MPI.COMM_WORLD.barrier()
    assert collect(study, plots=False) == counts
    assert _rows(study) == expected
