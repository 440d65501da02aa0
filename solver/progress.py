"""Progress lines of a run on rank 0: one per accepted increment (throttled), the end of every
protocol step, the start and the end of the run; also written to RESULTS_DIR/run.log.

Levels: ``quiet`` prints nothing (the log still gets the ``normal`` lines), ``normal`` prints at
most one increment line every ``interval`` seconds of wall time plus every step's end,
``verbose`` every increment and every rejected one with its cut-back. The ETA of a protocol step
extrapolates, at the wall-clock rate seen so far in the step, how far its nearest limit (time,
SOC, capacity, voltage or a falling current) is from its target. Only values the time loop
already holds are formatted: nothing is assembled here.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from pathlib import Path
from typing import Literal

Level = Literal["quiet", "normal", "verbose"]
LEVELS: tuple[Level, ...] = ("quiet", "normal", "verbose")

END_REASONS = {
    "soc": "SOC limit", "time": "time limit", "voltage": "voltage limit",
    "current": "current cut-off", "capacity": "capacity limit",
    "saturated": "θ reached its bound on the surface (diffusion-limited)",
}


def format_duration(seconds: float | None) -> str:
    """H:MM:SS of a wall-clock duration (s); '--' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "--"
    return str(timedelta(seconds=round(seconds)))


def format_wall(seconds: float) -> str:
    """A wall time spent (s): '4.2 s' under a minute, else H:MM:SS."""
    return f"{seconds:.1f} s" if seconds < 59.95 else format_duration(seconds)


class Progress:
    """Reports the time loop's progress on rank 0 of ``comm`` to stdout and to ``log_path``.

    The time loop calls :meth:`step_started` when a protocol step (phase) begins, then
    :meth:`accepted` or :meth:`rejected` once per increment and :meth:`step_ended` at its end;
    :meth:`started` and :meth:`finished` frame the run."""

    def __init__(self, level: Level, log_path: Path | None, comm, cycles: int, steps: int,
                 capacity_per_soc: float, interval: float = 2.0, clock=time.monotonic):
        """``cycles``, ``steps``: of the protocol; ``capacity_per_soc``: mAh/g per unit SOC
        (converts capacity limits); ``interval``: s of wall time between increment lines."""
        if level not in LEVELS:
            raise ValueError(f"progress level {level!r} is not one of {LEVELS}")
        self.root = comm.rank == 0
        self.echo, self.verbose = level != "quiet", level == "verbose"
        self.cycles, self.steps, self.interval, self.clock = cycles, steps, interval, clock
        self.capacity_per_soc = capacity_per_soc
        self._log = open(log_path, "w", buffering=1, encoding="utf-8") \
            if self.root and log_path is not None else None
        self._last_line = -math.inf
        self._phase = None

    # -- the run ------------------------------------------------------------------------------
    def started(self, name: str, dofs: int, ranks: int, preset: str, out_dir,
                restarted_from=None) -> None:
        restart = f", restarted from {restarted_from}" if restarted_from else ""
        self._emit(f"case {name}: {dofs} unknowns on {ranks} rank{'s' * (ranks > 1)} (preset "
                   f"{preset}), {self.steps} step{'s' * (self.steps > 1)} × {self.cycles} "
                   f"cycle{'s' * (self.cycles > 1)} → {out_dir}{restart}")

    def finished(self, status: str, t: float, increments: int, stats: dict, wall: float,
                 error: str | None = None) -> None:
        """The run's last line: status, simulated time t (s), counts, ``wall`` time (s) and
        ``error``, why it stopped (not printed: the command line reports it); closes the log."""
        why = f": {' '.join(error.split())}" if error else ""
        self._emit(f"{status}{why}; t {t:.6g} s, {increments} increments "
                   f"({stats['rejected_steps']} rejected), {stats['newton_iterations']} Newton "
                   f"iterations, wall {format_wall(wall)}",
                   console=error is None)  # the command line reports errors itself
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- a protocol step ----------------------------------------------------------------------
    def step_started(self, active, events: dict[str, float], fresh: bool) -> None:
        """``events``: the phase's limits located as events (name → target; the current as a
        magnitude in A); ``fresh``: the phase starts now (not resumed from a checkpoint)."""
        if "capacity" in events:  # mAh/g → SOC moved in the step
            events = dict(events, capacity=events["capacity"] / self.capacity_per_soc)
        self._phase = _Phase(active, events, self.clock(), fresh)
        if self.verbose:
            self._emit(f"{self._label(active)}  started at t {active.t_start:.6g} s")

    def accepted(self, active, t: float, dt: float, newton: int, soc: float, voltage: float,
                 current: float, remaining: float | None) -> None:
        """An accepted increment: its end time t and step dt (s), Newton iterations, SOC,
        voltage (V, NaN without an OCV), current (A) and the seconds left to the phase's
        predictable limit (None if it has none)."""
        phase = self._phase
        now = self.clock()
        phase.increments += 1
        fraction = phase.fraction(t, soc, voltage, abs(current), remaining)
        eta = phase.eta(now, fraction)
        if self.verbose or now - self._last_line >= self.interval:
            self._emit(f"{self._label(active)}  t {t:.4g} s  {_state(soc, voltage)}  "
                       f"dt {dt:.3g} s  Newton {newton}  ETA {format_duration(eta)}")

    def rejected(self, active, t: float, dt: float, newton: int, next_dt: float) -> None:
        """A failed increment of size dt from time t, cut back to ``next_dt`` (s)."""
        self._phase.rejected += 1
        if self.verbose:
            self._emit(f"{self._label(active)}  t {t:.4g} s  rejected dt {dt:.3g} s after "
                       f"{newton} Newton iterations; cut back to {next_dt:.3g} s")

    def step_ended(self, active, t: float, soc: float, voltage: float, reason: str | None) -> None:
        phase = self._phase
        why = END_REASONS.get(reason, reason or "done")
        self._emit(f"{self._label(active)}  ended ({why}) at t {t:.6g} s  {_state(soc, voltage)}"
                   f"  [{phase.increments} increments, {phase.rejected} rejected, wall "
                   f"{format_wall(self.clock() - phase.wall_start)}]")

    # -- output -------------------------------------------------------------------------------
    def _label(self, active) -> str:
        step = active.step
        kind = step.kind if step.kind == active.phase.kind else f"{step.kind}:{active.phase.kind}"
        cycle = f"cycle {active.cycle}/{self.cycles} " if self.cycles > 1 else ""
        return f"{cycle}step {active.index}/{self.steps} {kind}"

    def _emit(self, line: str, console: bool = True) -> None:
        if not self.root:
            return
        self._last_line = self.clock()
        if self.echo and console:
            print(line, flush=True)
        if self._log is not None:
            self._log.write(line + "\n")


def _state(soc: float, voltage: float) -> str:
    return f"SOC {soc:.4f}" + (f"  V {voltage:.4f}" if math.isfinite(voltage) else "")


class _Phase:
    """Where a protocol phase started and how far it has come towards its nearest limit."""

    def __init__(self, active, events: dict[str, float], wall_start: float, fresh: bool):
        self.active, self.events, self.wall_start = active, events, wall_start
        self.increments = self.rejected = 0
        # the ETA's baseline: the phase's start, or (resumed) the first increment seen
        self._baseline = (wall_start, 0.0) if fresh else None
        self._first_current = None

    def fraction(self, t: float, soc: float, voltage: float, current: float,
                 remaining: float | None) -> float | None:
        """How far the phase is from its start to its nearest limit (0 … 1), None if unknown."""
        active, fractions = self.active, []
        elapsed = t - active.t_start
        if remaining is not None and elapsed + remaining > 0:
            fractions.append(elapsed / (elapsed + remaining))
        for name, target in self.events.items():
            if name == "soc":
                fractions.append(_linear(soc, active.soc_start, target))
            elif name == "voltage":
                fractions.append(_linear(voltage, active.v_start, target))
            elif name == "capacity":  # SOC moved in the step
                fractions.append(_linear(abs(soc - active.soc_start), 0.0, target))
            elif name == "current":  # decays roughly exponentially: on a log scale
                if self._first_current is None:
                    self._first_current = current
                fractions.append(_logarithmic(current, self._first_current, target))
        known = [f for f in fractions if f is not None]
        return min(max(known), 1.0) if known else None

    def eta(self, now: float, fraction: float | None) -> float | None:
        """Wall seconds until the phase ends, extrapolated at the rate seen since the
        baseline."""
        if fraction is None:
            return None
        if self._baseline is None:
            self._baseline = (now, fraction)
            return None
        wall0, fraction0 = self._baseline
        if fraction <= fraction0:
            return None
        return (now - wall0) * (1.0 - fraction) / (fraction - fraction0)


def _linear(value: float, start: float, target: float) -> float | None:
    if not (math.isfinite(value) and math.isfinite(start)) or target == start:
        return None
    return max((value - start) / (target - start), 0.0)


def _logarithmic(value: float, start: float, target: float) -> float | None:
    if not (value > 0 and start > target > 0):
        return None
    return max(math.log(start / value) / math.log(start / target), 0.0)
