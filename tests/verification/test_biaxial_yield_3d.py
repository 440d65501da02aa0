"""Viscoplastic flow in 3-D: a swelling film clamped in its plane yields at σ_Y(θ).

A box with rollers on x0, x1, y0, y1, z0 (free top) is swollen uniformly (J_c ramped to 1.03,
linear swelling strain 1 %, about four times the biaxial yield strain σ_Y(1 − ν)/E). The
state is uniform, so every cell carries the same stress, exact on any mesh: σ_xx = σ_yy,
σ_zz = 0. Once the film flows, the equivalent Mandel stress equals the flow stress,

    σ̄(M_e) = J_e σ_vM = σ_Y(θ) [1 + Δε̄/(ε̇_0 Δt)]        (linear overstress law, m = 1),

and with ε̇_0 Δt = 10⁶ per load step the overstress is below 1e-8 σ_Y. σ_Y(θ) is linear
between the host (θ = 0) and the alloyed phase (θ = 1); two compositions check both ends of
the interpolation. At yield the elastic stretches F_e = diag(e, e, e_z) follow from σ_Y alone
(neo-Hookean, σ_zz = 0):

    G (e_z² − e²) = σ_Y,   G (e_z² − 1) + λ ln(e² e_z) = 0,

so J = J_e J_c with J_e = e² e_z checks that the flow is isochoric.
"""

import numpy as np
import pytest
from dolfinx import fem
from scipy.optimize import brentq
from support import CASES, global_max, swell

from solver.case import load_case

E, NU, HOST, ALLOYED = 30e9, 0.3, 0.05e9, 0.15e9


def uniform_value(model, expr) -> float:
    V = fem.functionspace(model.mesh, ("DG", 0))
    f = fem.Function(V)
    f.interpolate(fem.Expression(expr, V.element.interpolation_points))
    values = f.x.array
    assert global_max(np.abs(values - values.mean())) <= 1e-8 * max(abs(values.mean()), 1e-2)
    return float(values.mean())


def yield_state_J_e(sigma_y: float) -> float:
    """J_e = e² e_z of the biaxial film at yield (see the module docstring)."""
    G, lmbda = E / (2 * (1 + NU)), E * NU / ((1 + NU) * (1 - 2 * NU))
    e_z = brentq(lambda z: G * (z**2 - 1) + lmbda * np.log((z**2 - sigma_y / G) * z), 0.9, 1.1)
    return (e_z**2 - sigma_y / G) * e_z


@pytest.mark.parallel
@pytest.mark.parametrize("theta", [0.2, 0.7])
def test_biaxial_film_flows_at_the_yield_stress(theta):
    case = load_case(CASES / "verification/b5_constrained_box.yaml", [
        "geometry.rollers=[x0, x1, y0, y1, z0]", "physics.kinematics=finite",
        "physics.plasticity=viscoplastic", f"initial.soc={theta}",
        f"materials.active.yield_stress={ALLOYED}", f"materials.active.yield_stress_host={HOST}",
        "materials.active.flow_rate=1000", "materials.active.flow_exponent=1"])
    beta = case.materials["active"].expansion
    J_c = 1.03
    # J_c = (1 + βθ)/(1 + βθ_0): move the stress-free θ_0 down
    model, _ = swell(case, [((1 + beta * theta) / J - 1) / beta
                              for J in np.linspace(1, J_c, 21)[1:]])
    sigma = model.stress(model.u, model.theta)
    s_xx, s_yy, s_zz = (uniform_value(model, sigma[i, i]) * E for i in range(3))
    assert s_xx == pytest.approx(s_yy, rel=1e-8) and abs(s_zz) <= 1e-8 * abs(s_xx)
    assert s_xx < 0  # compressed in its plane
    J_e = (1 + uniform_value(model, model.dilatation)) / J_c  # J = det F
    sigma_y = HOST + (ALLOYED - HOST) * theta
    assert J_e * abs(s_xx) == pytest.approx(sigma_y, rel=1e-6)
    assert J_e == pytest.approx(yield_state_J_e(sigma_y), rel=1e-8)  # isochoric flow
    assert uniform_value(model, model.plastic_strain) > 0.005  # it did flow
