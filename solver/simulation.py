"""Run a case: case → mesh → model → time loop driven by the protocol → observers.

The loop is the hot path: it only sets constants, solves, assembles precompiled scalars and
interpolates precompiled expressions.
"""

import platform
import subprocess
import time
from pathlib import Path

from mpi4py import MPI

from solver.errors import SolveFailed
from solver.model import FARADAY, Model
from solver.observables import Observables, RadialProbe
from solver.output import Outputs, read_checkpoint
from solver.protocol import SOC_TOL, ActiveStep, Protocol
from solver.stepping import StepController

MAX_EVENT_REFINEMENTS = 30


def parse_petsc_args(args) -> dict:
    """['-ksp_type', 'gmres', '-ksp_monitor'] → {'ksp_type': 'gmres', 'ksp_monitor': ''}."""
    options, key = {}, None
    for a in args:
        if a.startswith("-") and not _is_number(a):
            key = a.lstrip("-")
            options[key] = ""
        elif key is not None:
            options[key] = a
            key = None
    return options


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def versions() -> dict:
    import dolfinx
    from petsc4py import PETSc

    import solver
    rev = None
    try:
        rev = subprocess.run(["git", "-C", str(Path(solver.__file__).parent), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"swellfem_git": rev, "python": platform.python_version(),
            "dolfinx": dolfinx.__version__,
            "petsc": ".".join(map(str, PETSc.Sys.getVersion())),
            "mpi": MPI.Get_library_version().splitlines()[0].strip()}


class TimeLoop:
    """Advances the model through the protocol: set step → solve → accept or cut back → notify."""

    def __init__(self, case, model: Model, observables: Observables, outputs: Outputs):
        self.case, self.model, self.obs, self.out = case, model, observables, outputs
        S, mat = model.scales, case.materials["active"]
        self.volume = observables.volume
        self.protocol = Protocol(case, model, self.volume, observables.wetted_area)
        dt = case.solver.dt
        self.ctrl = StepController(
            initial=dt.initial or 1e-4 * S.time,
            minimum=dt.min or 1e-9 * S.time,
            maximum=dt.max or 0.02 * S.time)
        # SI conversions of whole-body quantities
        self.body_moles = mat.c_max * self.volume * S.length ** 3 * model.domain.body_factor
        self.capacity_per_soc = mat.c_max * FARADAY / (3600.0 * mat.density)  # mAh/g at θ̄ = 1
        self.t, self.increment, self.soc = 0.0, 0, observables.soc()
        self.stats = {"newton_iterations": 0, "ksp_iterations": 0, "rejected_steps": 0,
                      "events": []}
        self._last_field_time = None
        self._bdf2 = case.solver.time_scheme == "bdf2"
        self._previous_dt = None  # last accepted step of the current smooth stretch (BDF2)
        self.cycle_soc = {"in": 0.0, "out": 0.0}  # SOC moved in and out in the open cycle
        self._resume = None  # checkpoint state to continue from (restart)

    # -- notifications -----------------------------------------------------------------------------
    def _row(self, active, dt, soc_before, its, kits) -> dict:
        row = {"time_s": self.t, "step": active.index if active else 0,
               "cycle": active.cycle if active else 0, "increment": self.increment,
               "soc": self.soc, "capacity_mAh_g": self.soc * self.capacity_per_soc,
               "current_A": FARADAY * self.body_moles * (self.soc - soc_before) / dt if dt else 0.0,
               "volume_change_pct": self.obs.volume_change_pct(),
               "newton_iterations": its, "ksp_iterations": kits, "dt_s": dt}
        row.update(self.obs.extrema())
        return row

    def _fields_and_probes(self) -> None:
        if self._last_field_time != self.t:
            self.out.write_fields(self.t)
            self.out.write_probes(self.t)
            self._last_field_time = self.t

    def checkpoint(self, active, done: bool) -> None:
        """Last accepted state and where the protocol stands (``done``: the step is over)."""
        self.out.write_checkpoint({
            "time_s": self.t, "increment": self.increment, "soc": self.soc,
            "cycle": active.cycle if active else 0, "step": active.index if active else 0,
            "step_done": done, "step_t_start": active.t_start if active else 0.0,
            "step_soc_start": active.soc_start if active else self.soc,
            "cycle_soc_in": self.cycle_soc["in"], "cycle_soc_out": self.cycle_soc["out"],
            "dt_s": self.ctrl.dt})

    def resume(self, state: dict) -> None:
        """Continue from a checkpoint's position (the model already holds its state)."""
        self.t, self.increment, self.soc = state["time_s"], state["increment"], state["soc"]
        self.ctrl.dt = state["dt_s"]
        self.cycle_soc = {"in": state["cycle_soc_in"], "out": state["cycle_soc_out"]}
        self._resume = state

    def _steps(self):
        """(ActiveStep, starting) for the steps still to run, from the resume point; starting
        is False for the step a checkpoint was taken in, which continues midway."""
        at = self._resume
        for cycle, index, step in self.protocol:
            if at is not None and at["cycle"] > 0:
                position, resumed = (cycle, index), (at["cycle"], at["step"])
                if position < resumed or (position == resumed and at["step_done"]):
                    continue
                if position == resumed:
                    yield ActiveStep(cycle, index, step, at["step_t_start"],
                                     at["step_soc_start"]), False
                    continue
            yield ActiveStep(cycle, index, step, self.t, self.soc), True

    # -- stepping ------------------------------------------------------------------------------------
    def _try(self, dt: float, holding: bool):
        t0 = self.model.scales.time
        previous = self._previous_dt / t0 if self._bdf2 and self._previous_dt else None
        ok, its, kits = self.model.solve_step(dt / t0, holding, previous)
        self.stats["newton_iterations"] += its
        self.stats["ksp_iterations"] += kits
        return ok, its, kits

    def _advance(self, active, holding: bool) -> bool:
        """One accepted increment of the active step. False when the step is over."""
        remaining = self.protocol.remaining(active, self.t, self.soc)
        if remaining == 0.0 or (remaining is None and Protocol.reached(active, self.soc)):
            return False
        dt = self.ctrl.propose(remaining)
        ok, its, kits = self._try(dt, holding)
        if not ok:
            self.model.reject()
            self.stats["rejected_steps"] += 1
            self._previous_dt = None
            self.ctrl.rejected(dt)
            return True
        soc_new = self.obs.soc()
        fraction = Protocol.crossing(active, self.soc, soc_new)
        if fraction is not None and abs(soc_new - active.step.until_soc) > SOC_TOL:
            dt, soc_new, its, kits = self._refine_crossing(active, dt, soc_new, fraction, holding)
        soc_before = self.soc
        self.model.accept()
        self._previous_dt = dt
        self.t += dt
        self.increment += 1
        self.soc = soc_new
        self.ctrl.accepted(its)
        self.obs.update()
        self.out.record_step(self._row(active, dt, soc_before, its, kits))
        if self.increment % self.case.output.fields.every == 0:
            self._fields_and_probes()
        if self.increment % self.case.output.checkpoint_every == 0:
            self.checkpoint(active, done=False)
        return not self._saturated(active)

    def _refine_crossing(self, active, dt, soc_new, fraction, holding):
        """Secant search for the step size that lands on the step's SOC limit."""
        target = active.step.until_soc
        lo, soc_lo, hi, soc_hi = 0.0, self.soc, dt, soc_new
        its = kits = 0
        for _ in range(MAX_EVENT_REFINEMENTS):
            trial = lo + (hi - lo) * (target - soc_lo) / (soc_hi - soc_lo)
            ok, its, kits = self._try(trial, holding)
            if not ok:
                raise SolveFailed("the solve failed while locating the SOC limit of a hold step")
            soc = self.obs.soc()
            if abs(soc - target) <= SOC_TOL:
                return trial, soc, its, kits
            if (soc - target) * (soc_lo - target) > 0:
                lo, soc_lo = trial, soc
            else:
                hi, soc_hi = trial, soc
        return trial, soc, its, kits

    def _saturated(self, active) -> bool:
        """End an insertion/extraction early when θ leaves (0, 1): the diffusion-limited state
        where a cell would hit its voltage cut-off."""
        kind = active.step.kind
        lo, hi = self.obs.theta_range()
        if (kind == "insert" and hi >= 1.0) or (kind == "extract" and lo <= 0.0):
            self.stats["events"].append(
                {"time_s": self.t, "cycle": active.cycle, "step": active.index,
                 "event": f"θ reached {'1' if kind == 'insert' else '0'} on the surface "
                          f"(diffusion-limited); step ended at SOC {self.soc:.4f}"})
            return True
        return False

    def run(self) -> None:
        self.obs.update()
        if self._resume is None:
            self.out.record_step(self._row(None, 0.0, self.soc, 0, 0))
        self._fields_and_probes()
        active = None
        open_cycle = self._resume["cycle"] if self._resume and self._resume["cycle"] else None
        try:
            for active, starting in self._steps():
                if open_cycle is not None and active.cycle != open_cycle:
                    self._close_cycle(open_cycle)
                open_cycle = active.cycle
                holding = self.protocol.apply(active.step)
                self._previous_dt = None  # the boundary data jump: restart the multistep scheme
                if starting:
                    self.ctrl.boundary_jump()
                while self._advance(active, holding):
                    pass
                dsoc = self.soc - active.soc_start
                self.cycle_soc["in" if dsoc > 0 else "out"] += abs(dsoc)
                self._fields_and_probes()
                self.checkpoint(active, done=True)
            if open_cycle is not None:
                self._close_cycle(open_cycle)
        except SolveFailed:
            self._fields_and_probes()
            self.checkpoint(active, done=False)
            raise

    def _close_cycle(self, cycle: int) -> None:
        inserted, extracted = self.cycle_soc["in"], self.cycle_soc["out"]
        self.out.record_cycle({
            "cycle": cycle,
            "insertion_capacity_mAh_g": inserted * self.capacity_per_soc,
            "extraction_capacity_mAh_g": extracted * self.capacity_per_soc,
            "coulombic_efficiency": extracted / inserted if inserted > 0 else None})
        self.cycle_soc = {"in": 0.0, "out": 0.0}


def run_case(case, out_dir, petsc_args=(), restart=None, plots=True) -> dict:
    """Run ``case`` and write the results directory ``out_dir``. Returns the run record.

    ``restart``: a results directory whose ``checkpoint/`` the run continues from (same mesh
    and number of ranks); its protocol position, time and increment carry on in ``out_dir``.
    """
    from meshes import build
    from solver.case import dump_case

    comm = MPI.COMM_WORLD
    wall0 = time.perf_counter()
    domain = build(case.geometry, comm)
    model = Model(case, domain, petsc_cli=parse_petsc_args(petsc_args))
    obs = Observables(model)
    probes = [RadialProbe(spec, obs) for spec in case.output.probes]
    out = Outputs(out_dir, dump_case(case), model, obs, case.output.fields.names, probes)
    loop = TimeLoop(case, model, obs, out)
    record = {"status": "running", "versions": versions(), "ranks": comm.size,
              "dofs": model.num_dofs, "preset": model.preset}
    if restart is not None:
        state = read_checkpoint(Path(restart) / "checkpoint", model.w.x.petsc_vec, comm.size)
        model.adopt_state()
        loop.resume(state)
        record["restarted_from"] = str(restart)
    out.write_record(record)
    setup = time.perf_counter() - wall0
    status = "failed"
    try:
        loop.run()
        status = "completed"
    finally:
        record.update(status=status, time_s=loop.t, increments=loop.increment,
                      final_soc=loop.soc, wall_time_s={"setup": setup,
                                                       "total": time.perf_counter() - wall0},
                      **loop.stats)
        out.write_record(record)
        out.close()
    if plots and comm.rank == 0:
        from postprocess.plots import plot_results
        plot_results(out_dir)
    return record
