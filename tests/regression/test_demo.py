"""The demo case on a coarse mesh, end to end: physically meaningful bounds, conservation,
the results directory of DESIGN §5, and the same results on 1 and 2 MPI ranks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from support import ROOT, run

from postprocess import readers
from solver.output import CYCLE_COLUMNS

DESIGN_COLUMNS = (
    "time_s, step, cycle, current_A, soc, capacity_mAh_g, voltage_V, volume_change_pct, "
    "surface_hoop_max_Pa, hydrostatic_max_Pa, hydrostatic_min_Pa, von_mises_max_Pa, "
    "sei_hoop_max_Pa, sei_cracked_area_fraction, particle_damage_volume_fraction, "
    "sei_thickness_mean_m, inventory_lost_mol, newton_iterations, dt_s").split(", ")
COARSE = ("geometry.mesh.size=100 nm", "output.fields.every=4",
          "protocol.cycles=2",
          "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.05}}, {rest: 1 min},"
          " {extract: {c_rate: 2}, until: {soc: 0.02}}]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    case, record = run("demo.yaml", out, *COARSE)
    return case, record, out


def test_results_directory(demo):
    case, record, out = demo
    assert record["status"] == "completed"
    for name in ("case.yaml", "run.json", "summary.csv", "cycles.csv", "fields.xdmf", "fields.h5",
                 "profiles/radial.csv", "checkpoint/state.json"):
        assert (out / name).is_file(), name
    checkpoint = json.loads((out / "checkpoint" / "state.json").read_text())
    assert (out / "checkpoint" / checkpoint["file"]).is_file()  # the HDF5 file it names
    s = readers.summary(out)
    assert set(DESIGN_COLUMNS) <= set(s)
    # the library's Sn–Na OCV gives a voltage vs Na/Na+ inside the staircase's range
    assert np.isfinite(s["voltage_V"]).all() and (0 < s["voltage_V"]).all() \
        and (s["voltage_V"] < 2).all()
    for empty in ("interface_von_mises_max_Pa", "sei_hoop_max_Pa", "sei_cracked_area_fraction",
                  "particle_damage_volume_fraction", "sei_thickness_mean_m", "sei_thickness_min_m",
                  "sei_thickness_max_m", "inventory_lost_mol"):
        assert np.isnan(s[empty]).all(), empty  # does not apply: empty, not zero
    with h5py.File(out / "fields.h5") as f:
        assert "Mesh" in f and "Function" in f
        # every requested field the small-strain demo has (J, J_c are finite-strain fields)
        assert set(f["Function"]) == set(case.output.fields.names) - {
            "J", "J_c", "plastic_strain", "damage", "sei_thickness"}
    assert list(readers.cycles(out)) == list(CYCLE_COLUMNS)


def test_conservation_and_protocol(demo):
    case, _, out = demo
    s = readers.summary(out)
    # galvanostatic: SOC changes at exactly ±C/3600 per second; the inflow is mass-exact
    rate = np.diff(s["soc"]) / np.diff(s["time_s"])
    inserting, extracting = s["step"][1:] == 1, s["step"][1:] == 3
    assert np.allclose(rate[inserting], 2 / 3600, rtol=1e-8, atol=0)
    assert np.allclose(rate[extracting], -2 / 3600, rtol=1e-8, atol=0)
    assert np.allclose(rate[s["step"][1:] == 2], 0, atol=1e-12)
    # current = F · (moles in the whole body) · dSOC/dt, positive into the particle
    assert np.all(s["current_A"][1:][inserting] > 0) and np.all(s["current_A"][1:][extracting] < 0)
    # SOC limits hit exactly, not overshot
    ends = [s["soc"][s["step"] == k][-1] for k in (1, 3)]
    assert ends == pytest.approx([0.05, 0.02], abs=1e-12)
    c = readers.cycles(out)
    assert c["cycle"].tolist() == [1, 2]
    # cycle 1 inserts 0.05 and extracts 0.03; cycle 2 inserts 0.03 and extracts 0.03
    cap = case.materials["active"].c_max * 96485.33212 / (3600 * case.materials["active"].density)
    assert c["insertion_capacity_mAh_g"] == pytest.approx([0.05 * cap, 0.03 * cap], rel=1e-9)
    assert c["coulombic_efficiency"] == pytest.approx([0.6, 1.0], rel=1e-9)


def test_physical_bounds(demo):
    case, _, out = demo
    s = readers.summary(out)
    inserting = s["step"] == 1
    # insertion: compressive surface hoop stress, tensile centre (Part 3, B1 sign heuristics)
    assert np.all(s["surface_hoop_max_Pa"][inserting & (s["cycle"] == 1)][1:] < 0)
    assert np.all(s["hydrostatic_max_Pa"][inserting][1:] > 0)
    # small-strain volume change is exactly β·SOC
    beta = case.materials["active"].expansion
    assert s["volume_change_pct"] == pytest.approx(100 * beta * s["soc"], rel=1e-6, abs=1e-9)
    # extraction flips the sign of the surface hoop stress
    assert np.max(s["surface_hoop_max_Pa"][s["step"] == 3]) > 0
    p = readers.profile_at(readers.profiles(out)["radial"], s["time_s"][inserting][-1])
    assert np.all((p["theta"] > 0) & (p["theta"] < 1))
    assert p["theta"][-1] > p["theta"][0]  # the surface leads during insertion


def test_same_results_on_two_ranks(demo, tmp_path):
    case, _, out = demo
    mpirun = Path(sys.executable).parent / "mpirun"
    cmd = [str(mpirun), "-n", "2", sys.executable, "-m", "solver.cli", "run",
           str(ROOT / "cases" / "demo.yaml"), "-o", str(tmp_path / "np2"), "--no-plots"]
    for o in COARSE:
        cmd += ["--set", o]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert done.returncode == 0, done.stderr[-2000:]
    serial, parallel = readers.summary(out), readers.summary(tmp_path / "np2")
    assert np.allclose(serial["time_s"], parallel["time_s"], rtol=1e-12, atol=0)
    for key in ("soc", "volume_change_pct", "surface_hoop_max_Pa", "hydrostatic_max_Pa",
                "hydrostatic_min_Pa", "von_mises_max_Pa"):
        scale = np.max(np.abs(serial[key]))
        assert np.allclose(parallel[key], serial[key], rtol=0, atol=1e-7 * scale), key


def test_failed_solve_exits_3_and_keeps_results(tmp_path):
    """Newton capped at one iteration cannot converge the two-way problem: the step is cut back
    to the minimum, then the run stops with exit code 3, keeping its files and a checkpoint."""
    out = tmp_path / "failed"
    cmd = [sys.executable, "-m", "solver.cli", "run", str(ROOT / "cases" / "demo.yaml"),
           "-o", str(out), "--no-plots", "--set", "geometry.dimension=radial",
           "--set", "solver.newton.max_it=1", "--set", "solver.dt.initial=1 s",
           "--set", "solver.dt.min=0.2 s"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert readers.run_record(out)["status"] == "failed"
    assert len(readers.summary(out)["time_s"]) >= 1
    checkpoint = json.loads((out / "checkpoint" / "state.json").read_text())
    assert (out / "checkpoint" / checkpoint["file"]).is_file()


def test_iterative_preset_matches_direct(tmp_path):
    """GMRES + field split (GAMG with rigid-body modes on u, GAMG on θ, Jacobi on μ_x) gives the
    direct solver's results to solver tolerance (same fixed steps for both)."""
    summaries = {}
    for preset in ("direct", "iterative"):
        _, record = run("demo.yaml", tmp_path / preset, *COARSE[:-2], f"solver.preset={preset}",
                        "solver.dt.initial=5 s", "solver.dt.max=5 s",
                        "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.05}}]")
        assert record["preset"] == preset
        summaries[preset] = readers.summary(tmp_path / preset)
    assert record["ksp_iterations"] > record["newton_iterations"]  # the Krylov solver worked
    direct, iterative = summaries["direct"], summaries["iterative"]
    assert np.allclose(iterative["time_s"], direct["time_s"], rtol=1e-12, atol=0)
    for key in ("surface_hoop_max_Pa", "hydrostatic_max_Pa", "von_mises_max_Pa"):
        scale = np.max(np.abs(direct[key]))
        assert np.allclose(iterative[key], direct[key], rtol=0, atol=1e-6 * scale), key
