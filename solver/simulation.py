"""Run a case: case → mesh → model → time loop driven by the protocol → observers.

The loop is the hot path: it only sets constants, solves, assembles precompiled scalars and
interpolates precompiled expressions.
"""

import gc
import math
import platform
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI
from scipy.optimize import brentq

from solver.errors import SolveFailed, Terminated
from solver.model import FARADAY, Model
from solver.observables import Observables, RadialProbe
from solver.output import Outputs, read_checkpoint, state_functions
from solver.progress import Progress
from solver.protocol import TOLERANCE, ActiveStep, Protocol, phases
from solver.sei import POINT_STATE, SurfaceSei
from solver.stepping import StepController

MAX_EVENT_REFINEMENTS = 30


def _tolerance(event: str, target: float) -> float:
    """How close an event quantity must land on its target (the current relative to it)."""
    return TOLERANCE[event] * (abs(target) if event == "current" else 1.0)


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


class SigtermFlag:
    """While active, SIGTERM (a scheduler's time limit; mpirun and srun send it to every rank)
    only raises ``received``, which the time loop reads between increments. The previous
    handler is restored on exit. Python handles signals in the main thread only: elsewhere
    nothing is installed."""

    def __enter__(self):
        self.received = False
        self._installed = threading.current_thread() is threading.main_thread()
        if self._installed:
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.received = True

    def __exit__(self, *exc) -> None:
        if self._installed:  # None: a handler not set from Python, restored as the default
            signal.signal(signal.SIGTERM,
                          signal.SIG_DFL if self._previous is None else self._previous)


class TimeLoop:
    """Advances the model through the protocol: set phase → solve → accept or cut back →
    notify."""

    def __init__(self, case, model: Model, observables: Observables, outputs: Outputs,
                 progress: str = "normal"):
        """``progress``: quiet, normal or verbose (solver.progress); run.log gets the lines
        in any case."""
        self.case, self.model, self.obs, self.out = case, model, observables, outputs
        S, mat = model.scales, case.materials["active"]
        self.volume = observables.capacity_volume  # of the hosts, in primary-material volumes
        self.protocol = Protocol(case, model, observables)
        dt = case.solver.dt
        self.ctrl = StepController(
            initial=dt.initial or 1e-4 * S.time,
            minimum=dt.min or 1e-9 * S.time,
            maximum=dt.max or 0.02 * S.time)
        # SI conversions of whole-body quantities
        self.body_moles = mat.c_max * self.volume * S.length ** 3 * model.domain.body_factor
        # mAh/g of host at θ̄ = 1 (one host: c_max F/(3600 ρ))
        self.capacity_per_soc = mat.c_max * FARADAY * self.volume / (
            3600.0 * observables.host_mass)
        self.one_c_A = FARADAY * self.body_moles / 3600.0  # current of 1C
        self.progress = Progress(progress, outputs.dir / "run.log", model.mesh.comm,
                                 case.protocol.cycles, len(case.protocol.steps),
                                 self.capacity_per_soc)
        self.t, self.increment, self.soc = 0.0, 0, observables.soc()
        self.mode = "flux"
        self.voltage = observables.voltage(self.mode)
        self.current = 0.0  # A, > 0 inserting, mean over the last increment
        self.stats = {"newton_iterations": 0, "ksp_iterations": 0, "rejected_steps": 0,
                      "events": []}
        self._last_field_time = None
        self._bdf2 = case.solver.time_scheme == "bdf2"
        self._previous_dt = None  # last accepted step of the current smooth stretch (BDF2)
        self.cycle_soc = {"in": 0.0, "out": 0.0}  # SOC moved in and out in the open cycle
        self._resume = None  # checkpoint state to continue from (restart)
        # the SEI on the wetted surface (physics.sei_growth) and the species it took (mol)
        spec = case.physics.sei_growth
        self.sei = None
        if spec is not None:
            self.sei = SurfaceSei(spec, observables.point_area0, case.temperature,
                                  model.mesh.comm)
            self.sei.set_potential(0.0, self.voltage)
        self.damage = observables.damage_fractions()  # cracked fractions, per accepted increment
        self._cohesive_area_m2 = observables.cohesive_area() if model.detached else 0.0
        self.inventory_lost, self._sei_moles, self._cycle_lost_from = 0.0, 0.0, 0.0
        area0 = observables.wetted_area * S.length**2 * model.domain.body_factor
        self._wetted_area_m2 = area0
        # ĵ of the sink per mol/s taken over the reference wetted area: j L/(D c_max)
        self._sink_per_mol_s = S.length / (area0 * mat.D * mat.c_max) if area0 else 0.0
        if area0:
            self._update_film()
        self._end = None  # why the last phase ended

    # -- notifications -----------------------------------------------------------------------------
    def _row(self, active, dt, its, kits) -> dict:
        equilibrium = self.obs.equilibrium_voltage()
        row = {"time_s": self.t, "step": active.index if active else 0,
               "cycle": active.cycle if active else 0, "increment": self.increment,
               "soc": self.soc, "capacity_mAh_g": self.soc * self.capacity_per_soc,
               "current_A": self.current, "voltage_V": self.voltage,
               "equilibrium_voltage_V": equilibrium, "overpotential_V": self.voltage - equilibrium,
               "volume_change_pct": self.obs.volume_change_pct(),
               "newton_iterations": its, "ksp_iterations": kits, "dt_s": dt}
        row.update(self.obs.extrema())
        if self.sei is not None:
            here = self.sei.point_thickness(self.t)  # the film formed last at each point
            comm = self.model.mesh.comm
            row.update(sei_thickness_mean_m=self.sei.mean_thickness(self.t),
                       sei_thickness_min_m=comm.allreduce(here.min(initial=np.inf), op=MPI.MIN),
                       sei_thickness_max_m=comm.allreduce(here.max(initial=0.0), op=MPI.MAX),
                       sei_cracked_area_fraction=self.sei.cracked_fraction(),
                       inventory_lost_mol=self.inventory_lost)
        row.update(self.damage)
        return row

    def _fields_and_probes(self) -> None:
        if self._last_field_time != self.t:
            self._store_sei()
            self.out.write_fields(self.t)
            self.out.write_probes(self.t)
            self._last_field_time = self.t

    def _sei_rows(self) -> np.ndarray:
        """The model's sei_state function as rows of POINT_STATE (a view)."""
        return self.model.sei_state.x.array.reshape(-1, len(POINT_STATE))

    def _store_sei(self) -> None:
        """The SEI's points at the present time into sei_state (checkpoint, fields)."""
        if self.sei is None:
            return
        self._sei_rows()[self.obs.surface_points] = self.sei.table(self.t)
        self.model.sei_state.x.scatter_forward()

    def checkpoint(self, active, done: bool) -> None:
        """Last accepted state and where the protocol stands (``done``: the phase is over)."""
        self._store_sei()
        self.out.write_checkpoint({
            "time_s": self.t, "increment": self.increment, "soc": self.soc,
            "cycle": active.cycle if active else 0, "step": active.index if active else 0,
            "phase": active.phase_index if active else 0,
            "step_done": done, "step_t_start": active.t_start if active else 0.0,
            "step_soc_start": active.soc_start if active else self.soc,
            "step_v_start": active.v_start if active else self.voltage,
            "voltage_V": self.voltage, "current_A": self.current, "end": self._end,
            "sei": None if self.sei is None else self.sei.state(),
            "inventory_lost_mol": self.inventory_lost, "cycle_lost_from": self._cycle_lost_from,
            "cycle_soc_in": self.cycle_soc["in"], "cycle_soc_out": self.cycle_soc["out"],
            "dt_s": self.ctrl.dt, "previous_dt_s": self._previous_dt})

    def resume(self, state: dict) -> None:
        """Continue from a checkpoint's position (the model already holds its state)."""
        self.t, self.increment, self.soc = state["time_s"], state["increment"], state["soc"]
        self.voltage, self.current = state["voltage_V"], state["current_A"]
        self._end = state["end"]
        self.inventory_lost = state["inventory_lost_mol"]
        self._cycle_lost_from = state["cycle_lost_from"]
        if self.sei is not None and state["sei"] is not None:
            self.sei.restore(state["sei"])
            self.sei.load(self._sei_rows()[self.obs.surface_points])
        if self._wetted_area_m2:
            self._update_film()
        self.ctrl.dt, self._previous_dt = state["dt_s"], state["previous_dt_s"]
        self.cycle_soc = {"in": state["cycle_soc_in"], "out": state["cycle_soc_out"]}
        self._resume = state

    def _steps(self):
        """(ActiveStep, starting) for the phases still to run, from the resume point; starting
        is False for the phase a checkpoint was taken in, which continues midway."""
        at = self._resume
        resumed = (at["cycle"], at["step"], at["phase"]) if at and at["cycle"] else None
        for cycle, index, step in self.protocol:
            for k, phase in enumerate(phases(step)):
                position = (cycle, index, k)
                if resumed and position <= resumed:
                    if position == resumed and not at["step_done"]:
                        yield ActiveStep(cycle, index, step, at["step_t_start"],
                                         at["step_soc_start"], phase, k,
                                         at["step_v_start"]), False
                    elif position == resumed and self._gitt_over(step, phase, at["step_done"]):
                        break
                    continue
                yield ActiveStep(cycle, index, step, self.t, self.soc, phase, k,
                                 self.voltage), True
                if self._gitt_over(step, phase, True):
                    break

    def _gitt_over(self, step, phase, done: bool) -> bool:
        """A GITT ends when a pulse ends on the step's voltage or SOC limit, not its length."""
        return step.kind == "gitt" and phase.kind != "rest" and done and self._end != "time"

    # -- stepping ------------------------------------------------------------------------------------
    def _try(self, active, dt: float):
        t0 = self.model.scales.time
        self.protocol.prepare(active, self.t + dt)
        if self.sei is not None:
            self._sei_moles = self._sei_uptake(active, dt)
            self.model.j_sink.value = self._sei_moles / dt * self._sink_per_mol_s
        previous = self._previous_dt / t0 if self._bdf2 and self._previous_dt else None
        ok, its, kits = self.model.solve_step(dt / t0, self.mode, previous)
        self.stats["newton_iterations"] += its
        self.stats["ksp_iterations"] += kits
        return ok, its, kits

    def _update_film(self) -> None:
        """The film resistance (static + SEI ρ L_mean) and the mean current density the ohmic
        drop of voltage-controlled steps uses next."""
        if self.model.ocv is None:
            return
        resistance = self.case.electrochemistry.film_resistance
        if self.sei is not None:
            resistance += self.sei.spec.resistivity * self.sei.mean_thickness(self.t)
        self.model.film_resistance.value = resistance
        self.model.lagged_current.value = self.current / self._wetted_area_m2

    def _sei_uptake(self, active, dt: float) -> float:
        """Species (mol) the SEI takes from the particle over the coming step: its growth, and
        what a new film (initial, fresh surface) still lacks, relaxing over the uptake time τ
        (owed (1 − e^{−Δt/τ})) but at most half the cell current, as a side reaction of it."""
        owed = self.sei.content(self.t) - self.inventory_lost
        growth = self.sei.content(self.t + dt) - self.sei.content(self.t)
        phase = active.phase
        current = self.protocol.c_rate(phase.current) * self.one_c_A if phase.current \
            else abs(self.current)
        return growth + min(owed * -math.expm1(-dt / self.sei.spec.uptake_time),
                            0.5 * current * dt / FARADAY)

    def _measure(self, name: str, active) -> float:
        """An event quantity of the state just solved (the current as a magnitude in A)."""
        if name == "soc":
            return self.obs.soc()
        if name == "capacity":
            return abs(self.obs.soc() - active.soc_start) * self.capacity_per_soc
        if name == "voltage":
            return self.obs.voltage(self.mode)
        return abs(self.obs.surface_current())

    def _before(self, name: str, active) -> float:
        """The event quantity at the last accepted state."""
        return {"soc": self.soc, "voltage": self.voltage, "current": abs(self.current),
                "capacity": abs(self.soc - active.soc_start) * self.capacity_per_soc}[name]

    def _advance(self, active) -> bool:
        """One accepted increment of the active phase. False when the phase is over (the
        reason is left in ``_end``)."""
        remaining, limit = self.protocol.remaining(active, self.t, self.soc,
                                                   self.capacity_per_soc)
        landing = self._soc_landing(active)
        if landing is not None and (remaining is None or landing < remaining):
            remaining, limit = landing, "soc"
        if remaining == 0.0:
            self._end = limit
            return False
        dt = self.ctrl.propose(remaining)
        ok, its, kits = self._try(active, dt)
        if not ok:
            self.model.reject()
            self.stats["rejected_steps"] += 1
            self._previous_dt = None
            self.ctrl.rejected(dt)
            self.progress.rejected(active, self.t, dt, its, self.ctrl.dt)
            return True
        event = self._first_crossing(active)
        if event is not None:
            name, target, _, after = event
            if abs(after - target) > _tolerance(name, target):  # else it landed already
                dt, its, kits = self._refine(active, dt, *event)
        soc_before, soc_new = self.soc, self.obs.soc()
        voltage = self.obs.voltage(self.mode)
        self.model.accept()
        self._previous_dt = dt
        self.t += dt
        self.increment += 1
        self.soc, self.voltage = soc_new, voltage
        phase = active.phase
        sei_current = 0.0
        self.damage = self.obs.damage_fractions()  # once per accepted increment
        if self.sei is not None:
            self.inventory_lost += self._sei_moles
            sei_current = FARADAY * self._sei_moles / dt
            if "sei_cracked_area_fraction" not in self.damage:
                self.sei.stretch(self.t, self.obs.point_areas())
            else:  # the phase field cracks the meshed SEI: the film regrows where it opened
                self.sei.expose(self.t, self.obs.point_areas(),
                                self.obs.point_damage() >= self.case.physics.fracture.threshold)
            opened = self.damage.get("interface_delaminated_area_fraction")
            if opened is not None:  # and on delaminated faces
                self.sei.open_surface(self.t, opened * self._cohesive_area_m2)
            self.sei.set_potential(self.t, voltage)
        self.current = phase.sign * self.protocol.c_rate(phase.current) * self.one_c_A \
            if phase.current else FARADAY * self.body_moles * (soc_new - soc_before) / dt \
            + sei_current
        if self.mode == "flux" and not phase.current:
            self.current = 0.0  # a rest: the SEI takes from the particle (self-discharge)
        charge = self.current * dt / (FARADAY * self.body_moles)  # in units of SOC
        self._update_film()
        self.cycle_soc["in" if charge > 0 else "out"] += abs(charge)
        self.ctrl.accepted(its)
        self.obs.update()
        self.out.record_step(self._row(active, dt, its, kits))
        self.progress.accepted(active, self.t, dt, its, self.soc, self.voltage, self.current,
                               None if remaining is None else remaining - dt)
        if self.increment % self.case.output.fields.every == 0:
            self._fields_and_probes()
        if self.increment % self.case.output.checkpoint_every == 0:
            self.checkpoint(active, done=False)
        if event is not None:
            self._end = name
            return False
        return not self._saturated(active)

    def _first_crossing(self, active):
        """(name, target, before, after) of the event the last trial step crossed first."""
        crossed = []
        for name, target in self.protocol.events(active, self.one_c_A).items():
            before, after = self._before(name, active), self._measure(name, active)
            if name == "current" and before <= target:
                continue  # a current cut-off is reached by a falling current only
            if (after - target) * (before - target) <= 0 and after != before:
                crossed.append(((target - before) / (after - before), name, target, before,
                                after))
        return min(crossed)[1:] if crossed else None

    def _refine(self, active, dt, name, target, before, after):
        """Land the step on an event: regula falsi (Illinois) on the measured quantity; for an
        SOC limit under a known current, the root of the charge balance (``_soc_balance``)
        shifted by its misfit at the last trial, as long as that root lies in the bracket."""
        tol = _tolerance(name, target)
        balance = self._soc_balance(active) if name == "soc" else None
        misfit = None if balance is None else after - balance(dt)
        lo, f_lo, hi, f_hi = 0.0, before - target, dt, after - target
        side = 0
        for _ in range(MAX_EVENT_REFINEMENTS):
            trial = hi - f_hi * (hi - lo) / (f_hi - f_lo)
            if balance is not None:
                g_lo, g_hi = (balance(s) + misfit - target for s in (lo, hi))
                if g_lo * g_hi < 0:
                    trial = brentq(lambda s: balance(s) + misfit - target, lo, hi, xtol=1e-12 * hi)
            ok, its, kits = self._try(active, trial)
            if not ok:
                raise SolveFailed(f"the solve failed while locating the {name} limit "
                                  f"{target:g} of step {active.index}")
            f = self._measure(name, active) - target
            if abs(f) <= tol:
                return trial, its, kits
            if balance is not None:
                misfit = f + target - balance(trial)
            if f * f_lo > 0:
                lo, f_lo = trial, f
                f_hi, side = (f_hi / 2, side) if side == -1 else (f_hi, -1)
            else:
                hi, f_hi = trial, f
                f_lo, side = (f_lo / 2, side) if side == 1 else (f_lo, 1)
        raise SolveFailed(f"the {name} limit {target:g} of step {active.index} was not located "
                          f"within {MAX_EVENT_REFINEMENTS} refinements")

    def _soc_landing(self, active) -> float | None:
        """Seconds to the phase's SOC limit by the charge balance (0 when there), when the
        balance is known (an SEI takes part of a set current) and reaches the limit."""
        balance, target = self._soc_balance(active), active.phase.until_soc
        if balance is None or target is None:
            return None
        gap = target - self.soc
        if abs(gap) <= TOLERANCE["soc"]:
            return 0.0
        horizon = 4 * 3600 * abs(gap) / self.protocol.c_rate(active.phase.current)
        if (balance(0.0) - target) * (balance(horizon) - target) >= 0:
            return None  # moving away from it, or the film takes most of the current
        return brentq(lambda s: balance(s) - target, 0.0, horizon, xtol=1e-12 * horizon)

    def _soc_balance(self, active):
        """SOC after a step of s seconds of a current-controlled phase by the charge balance,
        SOC + sign C s/3600 − n_SEI(s)/n_body (what the SEI takes, ``_sei_uptake``); None for
        other phases."""
        phase = active.phase
        if not phase.current or self.sei is None:
            return None
        rate = phase.sign * self.protocol.c_rate(phase.current) / 3600.0
        return lambda s: self.soc + rate * s - self._sei_uptake(active, s) / self.body_moles

    def _saturated(self, active) -> bool:
        """End an insertion/extraction early when θ leaves (0, 1): the diffusion-limited state
        where a cell would hit its voltage cut-off."""
        sign = active.phase.sign
        lo, hi = self.obs.theta_range()
        if (sign > 0 and hi >= 1.0) or (sign < 0 and lo <= 0.0):
            self.stats["events"].append(
                {"time_s": self.t, "cycle": active.cycle, "step": active.index,
                 "event": f"θ reached {'1' if sign > 0 else '0'} on the surface "
                          f"(diffusion-limited); step ended at SOC {self.soc:.4f}"})
            self._end = "saturated"
            return True
        return False

    def run(self) -> None:
        """The protocol from the start or the resume point. SIGTERM stops it between increments
        with a checkpoint of the last accepted state (Terminated)."""
        with SigtermFlag() as self._sigterm:
            self._run()

    def _stop_if_terminated(self) -> None:
        """Raise Terminated once any rank has received SIGTERM (all ranks decide together)."""
        if self.model.mesh.comm.allreduce(self._sigterm.received, op=MPI.LOR):
            raise Terminated(f"stopped by SIGTERM at t = {self.t:.6g} s (increment "
                             f"{self.increment})")

    def _run(self) -> None:
        self.obs.update()
        if self._resume is None:
            self.out.record_step(self._row(None, 0.0, 0, 0))
        self._fields_and_probes()
        active = None
        open_cycle = self._resume["cycle"] if self._resume and self._resume["cycle"] else None
        try:
            for active, starting in self._steps():
                if open_cycle is not None and active.cycle != open_cycle:
                    self._close_cycle(open_cycle)
                open_cycle = active.cycle
                self.mode = self.protocol.apply(active)
                self.progress.step_started(active, self.protocol.events(active, self.one_c_A),
                                           fresh=starting)
                if starting:  # the boundary data jump: restart the multistep scheme
                    self._previous_dt = None
                    self.ctrl.boundary_jump()
                self._end = None
                while self._advance(active):
                    self._stop_if_terminated()
                self.progress.step_ended(active, self.t, self.soc, self.voltage, self._end)
                self._fields_and_probes()
                self.checkpoint(active, done=True)
            if open_cycle is not None:
                self._close_cycle(open_cycle)
        except (SolveFailed, Terminated):
            self._fields_and_probes()
            self.checkpoint(active, done=False)
            raise

    def _close_cycle(self, cycle: int) -> None:
        inserted, extracted = self.cycle_soc["in"], self.cycle_soc["out"]
        self.out.record_cycle({
            "cycle": cycle,
            "insertion_capacity_mAh_g": inserted * self.capacity_per_soc,
            "extraction_capacity_mAh_g": extracted * self.capacity_per_soc,
            "coulombic_efficiency": extracted / inserted if inserted > 0 else None,
            "inventory_lost_mol": None if self.sei is None else
            self.inventory_lost - self._cycle_lost_from,
            **self.damage})  # at the end of the cycle
        self.cycle_soc = {"in": 0.0, "out": 0.0}
        self._cycle_lost_from = self.inventory_lost


def run_case(case, out_dir, petsc_args=(), restart=None, plots=True, comm=None,
             progress: str = "normal") -> dict:
    """Run ``case`` on the ranks of ``comm`` (default COMM_WORLD) and write the results
    directory ``out_dir``. Returns the run record.

    ``restart``: a results directory whose ``checkpoint/`` the run continues from (same mesh,
    any number of ranks); its protocol position, time and increment carry on in ``out_dir``.
    ``progress``: quiet, normal or verbose lines on rank 0 (solver.progress; all in run.log).
    """
    from meshes import build
    from solver.case import dump_case

    comm = MPI.COMM_WORLD if comm is None else comm
    wall0 = time.perf_counter()
    domain = build(case.geometry, comm)
    model = Model(case, domain, petsc_cli=parse_petsc_args(petsc_args))
    obs = Observables(model)
    probes = [RadialProbe(spec, obs) for spec in case.output.probes]
    out = Outputs(out_dir, dump_case(case), model, obs, case.output.fields.names, probes)
    loop = TimeLoop(case, model, obs, out, progress)
    record = {"status": "running", "versions": versions(), "ranks": comm.size,
              "dofs": model.num_dofs, "preset": model.preset}
    if restart is not None:
        state = read_checkpoint(Path(restart) / "checkpoint", state_functions(model))
        model.adopt_state()
        loop.resume(state)
        record["restarted_from"] = str(restart)
    out.write_record(record)
    loop.progress.started(case.name, model.num_dofs, comm.size, model.preset, out_dir, restart)
    setup = time.perf_counter() - wall0
    status, error = "failed", None
    try:
        loop.run()
        status = "completed"
    except BaseException as err:
        status = "terminated" if isinstance(err, Terminated) else "failed"
        error = str(err) if isinstance(err, (SolveFailed, Terminated)) else \
            f"{type(err).__name__}: {err}"
        raise
    finally:
        wall = time.perf_counter() - wall0
        record.update(status=status, time_s=loop.t, increments=loop.increment,
                      final_soc=loop.soc, wall_time_s={"setup": setup, "total": wall},
                      **loop.stats)
        out.write_record(record)
        out.close()
        loop.progress.finished(status, loop.t, loop.increment, loop.stats, wall, error)
    # PETSc objects (MUMPS factors among them) are destroyed collectively: free them on every
    # rank at once, before rank 0 alone plots (a rank collecting them at its own later time
    # left the other spinning in MPI at exit)
    del loop, out, obs, probes, model
    gc.collect()
    comm.barrier()
    if plots and comm.rank == 0:
        from postprocess.plots import plot_results
        plot_results(out_dir)
    return record
