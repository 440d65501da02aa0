"""Restart on another number of ranks, after SIGTERM and after SIGKILL (issue 7).

A 3-D octant of a viscoplastic Sn-Na particle on a coarse mesh (P2 displacement, P1 θ and μ_x,
DG0 F_p and ε̄_p: every kind of unknown the checkpoint orders by the mesh's input cells) with a
low yield stress, so that the plastic state is far from the identity, and an SEI that cracks
point by point (its state per surface vertex is checkpointed too). The time step is fixed
(min = max), so a run's steps do not depend on Newton iteration counts: a run stopped anywhere
and restarted, on any number of ranks, must end where the uninterrupted run ends to solver
tolerance (BDF2: the checkpoint keeps the state before the last).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from mpi4py import MPI
from support import CASES, run

from postprocess import readers
from solver import output
from solver.case import CaseError, load_case
from solver.errors import Terminated
from solver.output import Outputs
from solver.simulation import run_case

CASE = "sn_na_particle_finite.yaml"
SETTINGS = ("geometry.mesh.size=125 nm", "output.probes=[]", "output.checkpoint_every=4",
            "materials.active.yield_stress=3 MPa",
            "protocol.steps=[{insert: {c_rate: 1}, until: {soc: 0.05}}]",
            "solver.dt={initial: 6 s, min: 6 s, max: 6 s}", "solver.newton.max_it=25",
            "physics.sei_growth={critical_strain: 0.005}")
INCREMENTS = 19  # of the whole run (the SEI takes part of the current: one more)
COMPARED = ("time_s", "soc", "voltage_V", "von_mises_max_Pa", "hydrostatic_min_Pa",
            "surface_hoop_max_Pa", "plastic_strain_max", "inventory_lost_mol",
            "sei_cracked_area_fraction", "sei_thickness_min_m", "sei_thickness_max_m")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def whole():
    """Final summary row of the uninterrupted run (on this test's ranks)."""
    comm = MPI.COMM_WORLD
    out = Path(comm.bcast(tempfile.mkdtemp(prefix="swellfem-whole-") if comm.rank == 0 else None))
    run(CASE, out, *SETTINGS)
    rows = readers.summary(out)
    assert rows["increment"][-1] == INCREMENTS and rows["plastic_strain_max"][-1] > 0.01
    return {c: rows[c][-1] for c in COMPARED}


def assert_same_end(out: Path, whole: dict) -> None:
    rows = readers.summary(out)
    assert rows["increment"][-1] == INCREMENTS
    for column in COMPARED:
        assert rows[column][-1] == pytest.approx(whole[column], rel=1e-8), column


def restart(first: Path, second: Path) -> None:
    """Continue ``first`` into ``second`` on this test's ranks."""
    record = run_case(load_case(CASES / CASE, SETTINGS), second, restart=first, plots=False)
    assert record["status"] == "completed"


def checkpoint_state(out: Path) -> dict:
    return json.loads((out / "checkpoint" / "state.json").read_text())


@pytest.mark.parallel
def test_sigterm_checkpoints_and_the_restart_ends_like_the_whole_run(whole, tmp_path,
                                                                     monkeypatch):
    """SIGTERM reaches rank 0 only (as when a scheduler signals one task first): all ranks stop
    after the same increment with a checkpoint, run.json says terminated, the handler in place
    before the run is back, and the restart ends where the whole run ends."""
    before = signal.getsignal(signal.SIGTERM)

    def record_step(self, row, original=Outputs.record_step):
        original(self, row)
        if row["increment"] == 6 and MPI.COMM_WORLD.rank == 0:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(Outputs, "record_step", record_step)
    with pytest.raises(Terminated):
        run(CASE, tmp_path / "first", *SETTINGS)
    monkeypatch.undo()
    assert signal.getsignal(signal.SIGTERM) == before
    assert readers.run_record(tmp_path / "first")["status"] == "terminated"
    state = checkpoint_state(tmp_path / "first")
    assert (state["increment"], state["step_done"]) == (6, False)
    assert readers.summary(tmp_path / "first")["increment"][-1] == 6
    restart(tmp_path / "first", tmp_path / "second")
    assert readers.summary(tmp_path / "second")["increment"][0] == 7
    assert_same_end(tmp_path / "second", whole)


def test_a_kill_inside_a_checkpoint_leaves_the_previous_one(whole, tmp_path, monkeypatch):
    """Killed after the HDF5 file of the checkpoint at increment 8 but before its state.json:
    the checkpoint of increment 4 stays complete and restarts."""

    def commit(path, text, original=output.write_atomic):
        if path.name == "state.json" and json.loads(text)["increment"] == 8:
            raise KeyboardInterrupt  # the kill
        original(path, text)

    monkeypatch.setattr(output, "write_atomic", commit)
    with pytest.raises(KeyboardInterrupt):
        run(CASE, tmp_path / "first", *SETTINGS)
    monkeypatch.undo()
    state = checkpoint_state(tmp_path / "first")
    assert state["increment"] == 4 and (tmp_path / "first" / "checkpoint" / state["file"]).is_file()
    restart(tmp_path / "first", tmp_path / "second")
    assert_same_end(tmp_path / "second", whole)


@pytest.mark.parallel
def test_restart_on_another_mesh_says_what_differs(tmp_path, monkeypatch):
    """A checkpoint of the 125 nm mesh does not restart on the 200 nm one (exit 2, naming the
    counts)."""

    def record_step(self, row, original=Outputs.record_step):
        if row["increment"] > 4:
            raise KeyboardInterrupt
        original(self, row)

    monkeypatch.setattr(Outputs, "record_step", record_step)
    with pytest.raises(KeyboardInterrupt):
        run(CASE, tmp_path / "first", *SETTINGS)
    monkeypatch.undo()
    coarser = load_case(CASES / CASE, (*SETTINGS, "geometry.mesh.size=200 nm"))
    with pytest.raises(CaseError, match=r"cells there, \d+ here.*same geometry, mesh size"):
        run_case(coarser, tmp_path / "second", restart=tmp_path / "first", plots=False)


def swellfem(out: Path, ranks: int, *args: str) -> list:
    """The command line running CASE into ``out`` on ``ranks`` ranks."""
    cmd = [str(BIN / "swellfem"), "run", str(CASES / CASE), "-o", str(out), "--no-plots"]
    cmd += [a for s in SETTINGS for a in ("--set", s)] + list(args)
    return [str(BIN / "mpirun"), "-n", str(ranks), *cmd] if ranks > 1 else cmd


def signal_at_checkpoint(cmd: list, out: Path, sig: int, increment: int):
    """Start ``cmd`` and send it ``sig`` once a checkpoint at or after ``increment`` is
    committed; return the completed process. SIGTERM goes to the launcher (mpirun passes it
    on to the ranks), SIGKILL, which mpirun cannot pass on, to the whole process group."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        path = out / "checkpoint" / "state.json"
        if path.is_file() and json.loads(path.read_text())["increment"] >= increment:
            (os.killpg if sig == signal.SIGKILL else os.kill)(proc.pid, sig)
            break
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def test_sigterm_on_two_ranks_then_restart_on_one(whole, tmp_path):
    """mpirun -n 2 swellfem run stopped by SIGTERM: exit code 3, run.json terminated, a
    checkpoint of the last accepted increment; restarted on one rank, it ends like the whole
    run."""
    first = tmp_path / "first"
    proc = signal_at_checkpoint(swellfem(first, 2), first, signal.SIGTERM, 4)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert proc.stderr.count("SIGTERM") == 1 and "--restart" in proc.stderr  # rank 0 prints
    assert readers.run_record(first)["status"] == "terminated"
    state = checkpoint_state(first)
    assert state["increment"] == readers.summary(first)["increment"][-1] < INCREMENTS
    assert not state["step_done"] and state["ranks"] == 2
    restart(first, tmp_path / "second")
    assert_same_end(tmp_path / "second", whole)


def test_sigkill_on_one_rank_then_restart_on_two(whole, tmp_path):
    """swellfem run killed (SIGKILL) after a periodic checkpoint: complete files up to the last
    accepted step; restarted with mpirun -n 2, it ends like the whole run."""
    first, second = tmp_path / "first", tmp_path / "second"
    proc = signal_at_checkpoint(swellfem(first, 1), first, signal.SIGKILL, 8)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    state = checkpoint_state(first)
    assert 8 <= state["increment"] < INCREMENTS and state["ranks"] == 1
    assert readers.summary(first)["increment"][-1] >= state["increment"]
    done = subprocess.run(swellfem(second, 2, "--restart", str(first)), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert readers.run_record(second)["ranks"] == 2
    assert_same_end(second, whole)
