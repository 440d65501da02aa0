"""The cycling protocol: which surface condition each step applies and when it ends.

Current-controlled steps (physics.md 1f): a C-rate fills the body from θ = 0 to 1 in 1/C hours,
I = C F c_max V/3600, spread uniformly over the wetted reference area, so the SOC changes at
exactly ±C/3600 per second and SOC, capacity and time limits are reached at times known in
advance. A current in A/kg (of active host) or A/m² (of wetted reference area) is converted to
its C-rate. Voltage-controlled steps (hold at a voltage, sweep, the CV part of CCCV) impose the
Butler–Volmer current at the applied potential; a hold of θ fixes θ on the wetted surface.
Limits that are not predictable (voltage under current control, current under voltage control,
SOC or capacity under voltage control) are events located by secant refinement of the last step.

Composite steps run as phases: ``cccv`` = constant current until the voltage, then a hold at
that voltage until its ``until``; ``gitt`` = pulses and rests until a pulse ends on the step's
voltage or SOC limit.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from solver.case import CaseError
from solver.model import FARADAY
from solver.schema import Step

# event tolerances: SOC (absolute), voltage (V), current (relative), capacity (mAh/g)
TOLERANCE = {"soc": 1e-9, "voltage": 1e-6, "current": 1e-6, "capacity": 1e-7}


@dataclass
class ActiveStep:
    """A protocol step being run: its position, the phase being applied and where it started."""

    cycle: int  # 1-based
    index: int  # 1-based within the cycle
    step: Step  # as written in the case
    t_start: float  # s, start of the phase
    soc_start: float
    phase: Step  # the simple step applied now (= step unless cccv or gitt)
    phase_index: int = 0
    v_start: float = float("nan")  # V at the start of the phase (sweeps start there)


def phases(step: Step) -> Iterator[Step]:
    """The simple steps a protocol step runs, in order (gitt: without end)."""
    if step.kind == "cccv":
        yield Step(kind=step.direction, current=step.current, until_voltage=step.voltage)
        yield Step(kind="hold", voltage=step.voltage, until_current=step.until_current,
                   until_time=step.until_time, until_soc=step.until_soc,
                   until_capacity=step.until_capacity)
    elif step.kind == "gitt":
        while True:
            yield Step(kind=step.direction, current=step.current, until_time=step.pulse,
                       until_voltage=step.until_voltage, until_soc=step.until_soc)
            yield Step(kind="rest", until_time=step.rest)
    else:
        yield step


def mode(phase: Step) -> str:
    """The surface condition of a simple step: 'flux', 'theta' or 'voltage'."""
    if phase.kind == "hold":
        return "theta" if phase.theta is not None else "voltage"
    return "voltage" if phase.kind == "sweep" else "flux"


class Protocol:
    """Iterates over the steps of all cycles and applies each phase to the model."""

    def __init__(self, case, model, observables):
        self.case, self.model = case, model
        mat, L = case.materials["active"], model.scales.length
        # V: host capacity in primary-material volumes, A: wetted area (non-dimensional)
        volume, area = observables.capacity_volume, observables.wetted_area
        if area == 0 and any(s.kind != "rest" for s in case.protocol.steps):
            raise CaseError("no wetted surface leads into a material that takes the species "
                            "(the wetted faces belong to elastic regions): give such a region a "
                            "host material (e.g. shell: {from: HC-Na}) or wet other faces")
        # non-dimensional flux per unit C-rate: ĵ = (C/3600) t0 V/A  (mass-exact SOC rate)
        self.flux_per_c_rate = model.scales.time / 3600.0 * volume / area if area > 0 else 0.0
        charge = FARADAY * mat.c_max * volume  # C at θ̄ = 1, per non-dimensional volume
        self.c_rate_per_unit = {
            "C": 1.0,
            "A/kg": 3600.0 * observables.host_mass / charge,
            "A/m^2": 3600.0 * area / (L * charge) if volume > 0 else 0.0}

    def __iter__(self):
        for cycle in range(1, self.case.protocol.cycles + 1):
            for index, step in enumerate(self.case.protocol.steps, start=1):
                yield cycle, index, step

    def c_rate(self, current: tuple[float, str]) -> float:
        """The C-rate of a current (value, unit)."""
        return current[0] * self.c_rate_per_unit[current[1]]

    def apply(self, active: ActiveStep) -> str:
        """Set the surface condition of the active phase; returns its mode."""
        phase, m = active.phase, self.model
        m.j_in.value = phase.sign * self.c_rate(phase.current) * self.flux_per_c_rate \
            if phase.current else 0.0
        if phase.kind == "hold" and phase.theta is not None:
            m.theta_hold.value = phase.theta
        target = phase.voltage if phase.kind == "hold" else phase.to
        if m.ocv is not None:  # the OCV branch follows the direction of the current
            inserting = phase.sign > 0 if phase.sign else (
                None if target is None else target < active.v_start)
            if inserting is not None:
                m.branch.value = 0.0 if inserting else 1.0
            if target is not None:
                m.applied_voltage.value = target if phase.kind == "hold" else active.v_start
        return mode(phase)

    def prepare(self, active: ActiveStep, t_end: float) -> None:
        """Time-dependent data at the end of the coming increment (the sweep's potential)."""
        phase = active.phase
        if phase.kind == "sweep":
            direction = 1.0 if phase.to > active.v_start else -1.0
            self.model.applied_voltage.value = \
                active.v_start + direction * phase.rate * (t_end - active.t_start)

    def soc_rate(self, phase: Step) -> float | None:
        """dSOC/dt (1/s) of a current-controlled phase, None when not known in advance (also
        when an SEI takes part of the current)."""
        if phase.kind in ("insert", "extract") and not self.case.physics.sei_growth:
            return phase.sign * self.c_rate(phase.current) / 3600.0
        return 0.0 if phase.kind == "rest" else None

    def remaining(self, active: ActiveStep, t: float, soc: float,
                  capacity_per_soc: float) -> tuple[float | None, str | None]:
        """(seconds left, name) of the phase's nearest predictable limit (0 = reached), or
        (None, None) when it has none."""
        phase, left = active.phase, []
        if phase.until_time is not None:
            left.append((active.t_start + phase.until_time - t, "time"))
        if phase.kind == "sweep":
            left.append((active.t_start + abs(phase.to - active.v_start) / phase.rate - t,
                         "voltage"))
        rate = self.soc_rate(phase)
        if rate:
            if phase.until_soc is not None:
                gap = phase.until_soc - soc
                left.append((0.0 if gap * rate <= TOLERANCE["soc"] * abs(rate) * 3600
                             else gap / rate, "soc"))
            if phase.until_capacity is not None:
                gap = phase.until_capacity - abs(soc - active.soc_start) * capacity_per_soc
                left.append((0.0 if gap <= TOLERANCE["capacity"] else
                             gap / (abs(rate) * capacity_per_soc), "capacity"))
        if not left:
            return None, None
        seconds, name = min(left)
        return max(seconds, 0.0), name

    def events(self, active: ActiveStep, current_unit_A: float) -> dict[str, float]:
        """Limits of the active phase to be located as events: name -> target value (the
        current as a magnitude in A; ``current_unit_A`` is the current of 1C)."""
        phase, m = active.phase, mode(active.phase)
        targets = {}
        if phase.until_voltage is not None and m != "voltage":
            targets["voltage"] = phase.until_voltage
        if self.soc_rate(phase) is None:
            if phase.until_soc is not None:
                targets["soc"] = phase.until_soc
            if phase.until_capacity is not None:
                targets["capacity"] = phase.until_capacity
        if phase.until_current is not None and m == "voltage":
            targets["current"] = self.c_rate(phase.until_current) * current_unit_A
        return targets
