"""B7 (physics.md part 3): a viscoplastic shell pushed out by an expanding rigid core.

Rigid–perfectly-plastic limit: the whole shell a < r < b yields with σ_θ − σ_r = +σ_Y, so
    σ_r(r) = −2σ_Y ln(b/r),  σ_θ(r) = σ_Y[1 − 2 ln(b/r)],  core pressure 2σ_Y ln(b/a),
with a, b the current radii. The finite-strain viscoplastic model (E/σ_Y = 1000, linear
overstress law, ε̇_0Δt = 1000 per load step: overstress < 1e-4 σ_Y) on the shell A < R < 1.1 A
of the B6 set-up, its inner radius driven to λ_a A. Stresses are per cell (the plastic state is
per cell); asserted within 1 % of the closed form in every cell and at the surface.
"""

import numpy as np
import pytest
from dolfinx import fem
from test_b6_finite_shell import A, B, shell

SIGMA_Y, E = 0.1e9, 100e9


@pytest.mark.parametrize("lam_a", [1.05, 1.2])
def test_b7_plastic_shell(lam_a, verification_record):
    (s_rr_a, _, s_tt_b, lam_b), _, model = shell(
        0.3, np.linspace(1, lam_a, 21)[1:], "physics.plasticity=viscoplastic",
        f"materials.active.E={E}", f"materials.active.yield_stress={SIGMA_Y}",
        "materials.active.flow_rate=1", "materials.active.flow_exponent=1", full=True)
    b = lam_b * B / A  # current radii / A
    assert b / lam_a > 1.02  # the shell was stretched well past yield
    # cell values against the closed form at each cell's current radius
    Q = fem.functionspace(model.mesh, ("DG", 0))
    values = {}
    sigma = model.stress(model.u, model.theta)
    for name, expr in (("rr", sigma[0, 0]), ("tt", sigma[1, 1]), ("u", model.u)):
        f = fem.Function(Q)
        f.interpolate(fem.Expression(expr, Q.element.interpolation_points))
        values[name] = f.x.array
    r = Q.tabulate_dof_coordinates()[:, 0] + values["u"]
    scale = E / SIGMA_Y
    assert np.allclose(values["rr"] * scale, -2 * np.log(b / r), atol=1e-2)
    assert np.allclose(values["tt"] * scale, 1 - 2 * np.log(b / r), atol=1e-2)
    verification_record("B7 viscoplastic shell on a rigid core, E/σ_Y = 1000",
                        f"σ_rr, σ_θθ per cell, λ_a = {lam_a} (units of σ_Y)",
                        max(np.abs(values["rr"] * scale + 2 * np.log(b / r)).max(),
                            np.abs(values["tt"] * scale - 1 + 2 * np.log(b / r)).max()), 1e-2)
    assert s_tt_b / SIGMA_Y == pytest.approx(1.0, abs=1e-2)  # tensile hoop stress +σ_Y at b
    assert -s_rr_a / SIGMA_Y == pytest.approx(2 * np.log(b / lam_a), rel=1e-2)  # core pressure
