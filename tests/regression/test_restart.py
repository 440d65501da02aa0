"""Restart from a checkpoint continues the run as if it had not stopped (issues 3 and 7).

A viscoplastic Sn-Na particle cycle (radial, so F_p and ε̄_p are part of the stored state) is
run whole, and again in two pieces: the insertion alone, then the full case restarted from
its checkpoint into a new directory. The pieces must end where the whole run ends (time, SOC,
stresses, plastic strain) to solver tolerance (the lagged LU factors are rebuilt on restart,
so the iterates agree to the linear tolerance, not bit for bit), with the cycle's capacities
carried across. A run stopped by a failed solve (exit 3, checkpoint mid-step) restarts too.
"""

import json

import numpy as np
import pytest
from support import CASES, run

from postprocess import readers
from solver.case import load_case
from solver.errors import SolveFailed
from solver.output import Outputs
from solver.simulation import run_case

CASE = "sn_na_particle_finite.yaml"
SETTINGS = ("geometry.dimension=radial", "geometry.mesh.size=10 nm")
INSERT_ONLY = "protocol.steps=[{insert: {c_rate: 1}, until: {soc: 0.98}}]"
COMPARED = ("time_s", "soc", "von_mises_max_Pa", "plastic_strain_max", "hydrostatic_min_Pa")


def killed_run(monkeypatch, case_file, out, settings, after: int) -> dict:
    """Run ``case_file`` into ``out`` and kill it once increment ``after`` is recorded; returns
    the state of the checkpoint it left."""

    def record_step(self, row, original=Outputs.record_step):
        if row["increment"] > after:
            raise KeyboardInterrupt  # the kill
        original(self, row)

    monkeypatch.setattr(Outputs, "record_step", record_step)
    with pytest.raises(KeyboardInterrupt):
        run(case_file, out, *settings)
    monkeypatch.undo()
    return json.loads((out / "checkpoint" / "state.json").read_text())


def restarted(tmp_path, first_piece):
    case = load_case(CASES / CASE, SETTINGS)
    record = run_case(case, tmp_path / "second", restart=first_piece, plots=False)
    assert record["status"] == "completed" and record["restarted_from"] == str(first_piece)
    return readers.summary(tmp_path / "second")


@pytest.mark.parallel
def test_restart_at_a_step_boundary(tmp_path):
    run(CASE, tmp_path / "whole", *SETTINGS)
    run(CASE, tmp_path / "first", *SETTINGS, INSERT_ONLY)
    whole, rest = readers.summary(tmp_path / "whole"), restarted(tmp_path, tmp_path / "first")
    first = readers.summary(tmp_path / "first")
    assert rest["increment"][0] == first["increment"][-1] + 1  # numbering carries on
    assert rest["time_s"][0] > first["time_s"][-1]
    for column in COMPARED:
        assert rest[column][-1] == pytest.approx(whole[column][-1], rel=1e-6), column
    assert whole["plastic_strain_max"][-1] > 0
    assert readers.cycles(tmp_path / "second")["extraction_capacity_mAh_g"][0] == pytest.approx(
        readers.cycles(tmp_path / "whole")["extraction_capacity_mAh_g"][0], rel=1e-9)
    assert readers.cycles(tmp_path / "second")["insertion_capacity_mAh_g"][0] == pytest.approx(
        readers.cycles(tmp_path / "whole")["insertion_capacity_mAh_g"][0], rel=1e-9)


def test_restart_after_a_kill(tmp_path, monkeypatch):
    """A run killed mid-step restarts from its last periodic checkpoint (every 20 increments)
    and takes the steps the whole run took (backward Euler here; BDF2, whose checkpoint keeps
    the state before the last, in test_restart_ranks)."""
    settings = (*SETTINGS, "solver.time_scheme=backward_euler", "output.checkpoint_every=20")
    run(CASE, tmp_path / "whole", *settings)
    state = killed_run(monkeypatch, CASE, tmp_path / "first", settings, after=30)
    assert state["increment"] == 20 and not state["step_done"]
    case = load_case(CASES / CASE, settings)
    run_case(case, tmp_path / "second", restart=tmp_path / "first", plots=False)
    whole, rest = readers.summary(tmp_path / "whole"), readers.summary(tmp_path / "second")
    assert rest["increment"][0] == 21
    np.testing.assert_allclose(rest["time_s"], whole["time_s"][21:], rtol=1e-12)
    for column in COMPARED:
        assert rest[column][-1] == pytest.approx(whole[column][-1], rel=1e-6), column


def test_restart_after_a_failed_solve(tmp_path):
    run(CASE, tmp_path / "whole", *SETTINGS)
    with pytest.raises(SolveFailed):  # one Newton iteration is never enough: exit 3 at once
        run(CASE, tmp_path / "first", *SETTINGS, "solver.newton.max_it=1",
            "solver.dt.min=1 s")
    state = json.loads((tmp_path / "first" / "checkpoint" / "state.json").read_text())
    assert (tmp_path / "first" / "checkpoint" / state["file"]).exists()
    whole, rest = readers.summary(tmp_path / "whole"), restarted(tmp_path, tmp_path / "first")
    # the restart begins with the cut-back Δt of the failure: another step sequence, so the
    # stresses agree to the time-discretisation error only; the protocol lands exactly
    assert rest["increment"][0] == 1
    for column in ("time_s", "soc"):
        assert rest[column][-1] == pytest.approx(whole[column][-1], rel=1e-9), column
    for column in COMPARED[2:]:  # ε̄_p accumulates the rate-dependent flow: 1e-2
        rel = 1e-2 if column == "plastic_strain_max" else 1e-3
        assert rest[column][-1] == pytest.approx(whole[column][-1], rel=rel), column


def test_restart_inside_a_gitt(tmp_path, monkeypatch):
    """A GITT (composite step: pulses and rests) killed in its third phase resumes in that phase
    and ends like the whole run: same times, SOC and voltages, same number of pulses."""
    settings = ("physics.kinematics=small", "physics.plasticity=none", "initial.soc=0.02",
                "solver.dt.max=20 s", "output.probes=[]", "output.checkpoint_every=20",
                "protocol.cycles=1", "protocol.steps=[{gitt: {direction: insert, c_rate: 1, "
                "pulse: 6 min, rest: 30 min}, until: {soc: 0.35}}]")
    run("sn_na_voltage.yaml", tmp_path / "whole", *settings)
    whole = readers.summary(tmp_path / "whole")
    inside_first_rest = int(np.flatnonzero(whole["current_A"] == 0)[5])
    state = killed_run(monkeypatch, "sn_na_voltage.yaml", tmp_path / "first", settings,
                       after=inside_first_rest)
    assert state["phase"] == 1 and not state["step_done"]
    run_case(load_case(CASES / "sn_na_voltage.yaml", settings), tmp_path / "second",
             restart=tmp_path / "first", plots=False)
    rest = readers.summary(tmp_path / "second")
    start = int(rest["increment"][0])
    np.testing.assert_allclose(rest["time_s"], whole["time_s"][start:], rtol=1e-12)
    np.testing.assert_allclose(rest["voltage_V"], whole["voltage_V"][start:], atol=1e-9)
    assert rest["soc"][-1] == pytest.approx(0.35, abs=1e-9)
