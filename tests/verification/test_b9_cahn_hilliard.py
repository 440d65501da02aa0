"""B9 (physics.md part 3): a regular solution with gradient energy separates into the binodal
compositions, conserving mass.

A bar 4 µm long, one element across (a 1-D problem), starts as a step θ = 0.1 | 0.9 and
relaxes without flux through its faces and without mechanics (χ = 3, λ = 100 nm). In 1-D the
interface is flat, so the far-field plateaus are the common-tangent (binodal) compositions,
ln(θ/(1−θ)) = χ(2θ − 1): 0.070720 / 0.929280 (physics.md table); 20 λ from the interface its
tails are negligible and the backward-Euler steady state carries no time error. What remains
is the discretisation error of the flux across the interface (the ideal part of μ is taken
analytically, m(θ) is averaged over each cell): second order, measured 1.34e-4 and 3.35e-5 at
h = λ/10 and λ/20, so the plateaus are asserted within 5e-5 at h = λ/20 and the error ratio
within 4 ± 0.4. ∫θ dV stays at its initial value to 1e-12.

The bar's cross-section is 1e-4 of the non-dimensional reference, so the residual is small in
absolute terms: the Newton atol is lowered to 1e-15 (the default 1e-10 stops it early).
"""

import numpy as np
import pytest
from dolfinx import fem
from mpi4py import MPI
from scipy.optimize import brentq
from support import CASES

from meshes import build
from solver.case import load_case
from solver.model import Model

CHI = 3.0


def binodal(chi):
    return brentq(lambda t: np.log(t / (1 - t)) - chi * (2 * t - 1), 1e-9, 0.5 - 1e-9)


def relaxed_plateaus(h_nm: int):
    """(θ at x = 0, θ at x = 4 µm) after relaxing the step; asserts mass conservation."""
    case = load_case(CASES / "verification/b5_constrained_box.yaml", [
        f"geometry.size=[4 um, {h_nm} nm, {h_nm} nm]", "geometry.rollers=[x0, y0, z0]",
        f"geometry.mesh={{size: {h_nm} nm, order: 1}}", "physics.stress_coupling=none",
        "physics.phase_separation=cahn_hilliard", f"materials.active.interaction={CHI}",
        "materials.active.gradient_length=100 nm", "solver.newton.atol=1e-15"])
    model = Model(case, build(case.geometry, MPI.COMM_WORLD))
    middle = 2e-6 / model.domain.length  # x = 2 µm, non-dimensional
    model.w.sub(1).interpolate(lambda X: np.where(X[0] < middle, 0.1, 0.9))
    model.w.x.scatter_forward()
    model.w_n.x.array[:] = model.w.x.array
    amount = fem.form(model.theta * model.dx)

    def total():
        return model.mesh.comm.allreduce(fem.assemble_scalar(amount), op=MPI.SUM)

    initial = total()
    for dtau in np.geomspace(1e-4, 1e4, 33):
        ok, _, _ = model.solve_step(dtau, "flux")
        assert ok, dtau
        model.accept()
        assert total() == pytest.approx(initial, rel=1e-12)
    V = fem.functionspace(model.mesh, ("Lagrange", 1))
    theta = fem.Function(V)
    theta.interpolate(fem.Expression(model.theta, V.element.interpolation_points))
    x = V.tabulate_dof_coordinates()[:, 0] * model.domain.length
    comm = model.mesh.comm
    ends = []
    for side in (x < 1e-12, x > 4e-6 - 1e-12):
        values = comm.allgather(theta.x.array[side].tolist())
        ends.append(float(np.mean(sum(values, []))))
    return np.array(ends)


@pytest.mark.parallel
def test_binodal_compositions_and_mass_conservation(verification_record):
    assert binodal(CHI) == pytest.approx(0.070720, abs=1e-6)  # the table's value
    exact = np.array([binodal(CHI), 1 - binodal(CHI)])
    coarse, fine = (np.abs(relaxed_plateaus(h) - exact) for h in (10, 5))
    assert np.all(fine < 5e-5), fine
    verification_record("B9 Cahn–Hilliard, χ = 3, h = λ/20", "binodal plateaus θ (abs.)",
                        fine.max(), 5e-5)
    assert np.all(np.abs(coarse / fine - 4) < 0.4), coarse / fine
