"""Adaptive time-step controller driven by Newton iterations, with cut-back on failure."""

from solver.errors import SolveFailed


class StepController:
    """Proposes Δt (s). Grows after easy steps, shrinks after hard ones, halves on failure.

    ``propose(remaining)`` clips the step so that a protocol limit ``remaining`` seconds away is
    hit exactly, without shrinking the controller's own Δt (the next step resumes it), and
    avoids leaving a sliver: a remainder shorter than 2 Δt is split in two equal steps.
    """

    GROW, SHRINK, CUT = 1.5, 0.7, 0.5

    def __init__(self, initial: float, minimum: float, maximum: float, easy: int = 3,
                 hard: int = 8):
        self.dt, self.minimum, self.maximum = initial, minimum, maximum
        self.initial, self.easy, self.hard = initial, easy, hard

    def boundary_jump(self) -> None:
        """The boundary data jump (a new protocol step): start again from the initial Δt, as
        after t = 0, instead of meeting the jump with the Δt grown over a smooth stretch."""
        self.dt = min(self.dt, self.initial)

    def propose(self, remaining: float | None) -> float:
        dt = min(self.dt, self.maximum)
        if remaining is None or remaining > 2 * dt:
            return dt
        return remaining if remaining <= dt * (1 + 1e-9) else 0.5 * remaining

    def accepted(self, newton_iterations: int) -> None:
        if newton_iterations <= self.easy:
            self.dt = min(self.dt * self.GROW, self.maximum)
        elif newton_iterations >= self.hard:
            self.dt = max(self.dt * self.SHRINK, self.minimum)

    def rejected(self, tried: float) -> None:
        """Cut back after a failed step of size ``tried``; give up below the minimum."""
        self.dt = tried * self.CUT
        if self.dt < self.minimum:
            raise SolveFailed(
                f"the solve failed with Δt = {tried:.3g} s and the next cut-back would go below "
                f"the minimum step solver.dt.min = {self.minimum:.3g} s")
