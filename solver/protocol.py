"""The cycling protocol: which boundary condition each step applies and when it ends.

Galvanostatic steps (physics.md 1f): a C-rate fills the body from θ = 0 to 1 in 1/C hours,
I = C F c_max V/3600, spread uniformly over the wetted reference area, so the SOC changes at
exactly ±C/3600 per second and a SOC limit is reached at a time known in advance.
A potentiostatic hold fixes θ on the wetted surface; its SOC limit is found by secant
refinement of the last step (``Protocol.crossing``).
"""

from dataclasses import dataclass

SOC_TOL = 1e-9


@dataclass
class ActiveStep:
    """A protocol step being run: its position and where it started."""

    cycle: int  # 1-based
    index: int  # 1-based within the cycle
    step: object  # solver.case.Step
    t_start: float  # s
    soc_start: float


class Protocol:
    """Iterates over the steps of all cycles and applies each one to the model."""

    def __init__(self, case, model, volume: float, wetted_area: float):
        self.case, self.model = case, model
        # non-dimensional flux per unit C-rate: ĵ = (C/3600) t0 V/A  (mass-exact SOC rate)
        self.flux_per_c_rate = model.scales.time / 3600.0 * volume / wetted_area \
            if wetted_area > 0 else 0.0

    def __iter__(self):
        for cycle in range(1, self.case.protocol.cycles + 1):
            for index, step in enumerate(self.case.protocol.steps, start=1):
                yield cycle, index, step

    def apply(self, step) -> bool:
        """Set the surface condition of ``step``; returns True for a potentiostatic hold."""
        sign = {"insert": 1.0, "extract": -1.0}.get(step.kind, 0.0)
        self.model.j_in.value = sign * (step.c_rate or 0.0) * self.flux_per_c_rate
        if step.kind == "hold":
            self.model.theta_hold.value = step.theta
        return step.kind == "hold"

    @staticmethod
    def soc_rate(step) -> float | None:
        """dSOC/dt (1/s) of a galvanostatic step, None when not known in advance."""
        if step.kind in ("insert", "extract"):
            return (1 if step.kind == "insert" else -1) * step.c_rate / 3600.0
        if step.kind == "rest":
            return 0.0
        return None

    def remaining(self, active: ActiveStep, t: float, soc: float) -> float | None:
        """Seconds left until the step's limit when predictable (0 = done), else None."""
        step = active.step
        left = []
        if step.until_time is not None:
            left.append(active.t_start + step.until_time - t)
        rate = self.soc_rate(step)
        if step.until_soc is not None and rate:
            gap = step.until_soc - soc
            left.append(0.0 if gap * rate <= SOC_TOL * abs(rate) * 3600 else gap / rate)
        if not left:
            return None
        return max(min(left), 0.0)

    @staticmethod
    def crossing(active: ActiveStep, soc_before: float, soc_after: float) -> float | None:
        """For a SOC limit not predictable in advance: the fraction of the last step at which
        the SOC reaches the limit (secant), or None if it was not crossed."""
        target = active.step.until_soc
        if target is None or Protocol.soc_rate(active.step) is not None:
            return None
        start = active.soc_start - target
        if (soc_after - target) * start > 0 or soc_after == soc_before:
            return None
        return (target - soc_before) / (soc_after - soc_before)

    @staticmethod
    def reached(active: ActiveStep, soc: float) -> bool:
        target = active.step.until_soc
        return target is not None and abs(soc - target) <= SOC_TOL
