"""Progress lines (solver.progress): levels, throttling, the ETA of a protocol step, run.log."""

import math
from types import SimpleNamespace

import pytest

from solver.progress import Progress, format_duration

ROOT, OTHER = SimpleNamespace(rank=0), SimpleNamespace(rank=1)
STATS = {"rejected_steps": 1, "newton_iterations": 12}


class Clock:
    """A wall clock the test advances by hand (s)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def phase(kind="insert", t_start=0.0, soc_start=0.0, v_start=math.nan, cycle=1, index=1):
    step = SimpleNamespace(kind=kind)
    return SimpleNamespace(cycle=cycle, index=index, step=step, phase=step, t_start=t_start,
                           soc_start=soc_start, v_start=v_start)


def drive(progress, clock, increments=8, wall_per_increment=0.5):
    """A 100 s time-limited insertion in ``increments`` equal steps, one rejection."""
    active = phase()
    progress.started("demo", 31, 1, "direct", "results/demo")
    progress.step_started(active, {}, fresh=True)
    dt = 100.0 / increments
    progress.rejected(active, 0.0, 2 * dt, 8, dt)
    for k in range(1, increments + 1):
        clock.now += wall_per_increment
        progress.accepted(active, k * dt, dt, 3, 0.01 * k, math.nan, 1e-3, 100.0 - k * dt)
    progress.step_ended(active, 100.0, 0.01 * increments, math.nan, "time")
    progress.finished("completed", 100.0, increments, STATS, 4.2)


@pytest.mark.parametrize("level", ["quiet", "normal", "verbose"])
def test_levels_and_log(tmp_path, capsys, level):
    clock = Clock()
    log = tmp_path / "run.log"
    drive(Progress(level, log, ROOT, 1, 2, 800.0, clock=clock), clock)
    printed = capsys.readouterr().out.splitlines()
    logged = log.read_text().splitlines()
    increments = [line for line in logged if "dt 12.5 s" in line]
    if level == "verbose":
        assert len(increments) == 8 and any("rejected dt 25 s" in line for line in logged)
        assert printed == logged
    else:  # one increment line per 2 s of wall time (4 s here: two), no rejection lines
        assert len(increments) == 2 and not any("rejected dt" in line for line in logged)
        assert printed == ([] if level == "quiet" else logged)
    assert logged[0].startswith("case demo: 31 unknowns on 1 rank (preset direct), 2 steps")
    assert "step 1/2 insert  ended (time limit) at t 100 s  SOC 0.0800" in logged[-2]
    assert "[8 increments, 1 rejected, wall 4.0 s]" in logged[-2]
    assert logged[-1] == ("completed; t 100 s, 8 increments (1 rejected), 12 Newton "
                          "iterations, wall 4.2 s")


def test_eta_from_the_rate_towards_the_limit(capsys):
    """A quarter of a 100 s step done in 10 s of wall time: 30 s to go."""
    clock = Clock()
    progress = Progress("verbose", None, ROOT, 2, 3, 800.0, clock=clock)
    active = phase(cycle=2, index=3)
    progress.step_started(active, {}, fresh=True)
    clock.now = 10.0
    progress.accepted(active, 25.0, 5.0, 4, 0.1234, 0.41, 2e-3, 75.0)
    started, line = capsys.readouterr().out.splitlines()
    assert started == "cycle 2/2 step 3/3 insert  started at t 0 s"
    assert line == ("cycle 2/2 step 3/3 insert  t 25 s  SOC 0.1234  V 0.4100  dt 5 s  "
                    "Newton 4  ETA 0:00:30")


@pytest.mark.parametrize("events, state, fraction", [
    ({"voltage": 0.0}, dict(voltage=0.75), 0.25),              # 1 V → 0 V
    ({"soc": 0.5}, dict(soc=0.3), 0.5),                        # 0.1 → 0.5
    ({"capacity": 160.0}, dict(soc=0.2), 0.5),                 # 80 of 160 mAh/g (800 per SOC)
    ({"current": 1e-4}, dict(current=1e-3), 0.5),              # 1e-2 → 1e-4 A, log scale
])
def test_eta_of_event_limits(capsys, events, state, fraction):
    """Limits located as events: the fraction of the way from the start to the target, after
    a first increment (the current's start) at 1 s and this one at 3 s of wall time."""
    clock = Clock()
    progress = Progress("verbose", None, ROOT, 1, 1, 800.0, clock=clock)
    active = phase(kind="hold", soc_start=0.1, v_start=1.0)
    progress.step_started(active, events, fresh=True)
    start = dict(soc=0.1, voltage=1.0, current=1e-2)
    clock.now = 1.0
    progress.accepted(active, 1.0, 1.0, 3, start["soc"], start["voltage"], start["current"],
                      None)
    clock.now = 3.0
    now = dict(start, **state)
    progress.accepted(active, 2.0, 1.0, 3, now["soc"], now["voltage"], now["current"], None)
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith(f"ETA {format_duration(3.0 * (1 - fraction) / fraction)}")


def test_other_ranks_stay_silent(tmp_path, capsys):
    clock = Clock()
    drive(Progress("verbose", tmp_path / "run.log", OTHER, 1, 1, 800.0, clock=clock), clock)
    assert capsys.readouterr().out == "" and not (tmp_path / "run.log").exists()


def test_errors_go_to_the_log_only(tmp_path, capsys):
    """The command line prints the failure itself: the last line is in run.log only."""
    progress = Progress("normal", tmp_path / "run.log", ROOT, 1, 1, 800.0, clock=Clock())
    progress.finished("failed", 12.0, 3, STATS, 1.0, error="the solve failed with\n Δt = 1 s")
    assert capsys.readouterr().out == ""
    assert (tmp_path / "run.log").read_text() == (
        "failed: the solve failed with Δt = 1 s; t 12 s, 3 increments (1 rejected), 12 Newton "
        "iterations, wall 1.0 s\n")
