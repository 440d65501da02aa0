"""Measured E(θ), ν(θ) tables (physics.moduli: interpolated with E_curve, nu_curve): B5.

The clamped cube of B5 (small strain, ε* = βΔθ/3 = 0.01) carries σ = −E(θ)ε*/(1 − 2ν(θ)) in
every direction, and the uniaxially held one σ_xx = −E(θ)ε*, both uniform and exact on any
mesh; θ = 0.45 and 0.8 lie in different segments of the tables. (Not on a knot: there
∂E/∂θ, hence the chemical potential, jumps, and round-off in θ would pick either side.)
"""

import numpy as np
import pytest
from dolfinx import fem
from support import CASES, global_max, swell

from solver.case import load_case

E_CURVE = [(0.0, 30e9), (0.3, 24e9), (0.6, 15e9), (1.0, 12e9)]
NU_CURVE = [(0.0, 0.3), (0.6, 0.36), (1.0, 0.25)]
EPS_STAR = 0.01


def sigma_xx(model, case) -> np.ndarray:
    """σ_xx (Pa) at the DG1 nodes."""
    V = fem.functionspace(model.mesh, ("DG", 1))
    f = fem.Function(V)
    sigma = model.stress(model.u, model.theta)
    f.interpolate(fem.Expression(case.materials["active"].E * sigma[0, 0],
                                 V.element.interpolation_points))
    return f.x.array


def table(curve):
    return "[" + ", ".join(f"[{t}, {v}]" for t, v in curve) + "]"


@pytest.mark.parallel
@pytest.mark.parametrize("theta", [0.45, 0.8])
@pytest.mark.parametrize("rollers, uniaxial", [("[x0, x1, y0, y1, z0, z1]", False),
                                               ("[x0, x1, y0, z0]", True)])
def test_constrained_cube_with_measured_moduli(theta, rollers, uniaxial):
    case = load_case(CASES / "verification/b5_constrained_box.yaml", [
        f"geometry.rollers={rollers}", "physics.moduli=interpolated", f"initial.soc={theta}",
        f"materials.active.E_curve={table(E_CURVE)}",
        f"materials.active.nu_curve={table(NU_CURVE)}"])
    beta = case.materials["active"].expansion
    model, _ = swell(case, [theta - 3 * EPS_STAR / beta])
    E = np.interp(theta, *zip(*E_CURVE))
    nu = np.interp(theta, *zip(*NU_CURVE))
    expected = -E * EPS_STAR if uniaxial else -E * EPS_STAR / (1 - 2 * nu)
    assert global_max(np.abs(sigma_xx(model, case) - expected)) <= 1e-8 * abs(expected)


@pytest.mark.parallel
@pytest.mark.parametrize("theta", [0.2, 0.7])
@pytest.mark.parametrize("rollers, uniaxial", [("[x0, x1, y0, y1, z0, z1]", False),
                                               ("[x0, x1, y0, z0]", True)])
def test_constrained_cube_with_formula_moduli(theta, rollers, uniaxial):
    """E and ν as case-file formulas (nonlinear in θ): the same closed forms."""
    case = load_case(CASES / "verification/b5_constrained_box.yaml", [
        f"geometry.rollers={rollers}", f"initial.soc={theta}",
        "materials.active.E=30 GPa * exp(-0.9*theta)",
        "materials.active.nu=0.3 + 0.05*theta^2"])
    assert case.materials["active"].E == 30e9  # the reference: the value at θ = 0
    beta = case.materials["active"].expansion
    model, _ = swell(case, [theta - 3 * EPS_STAR / beta])
    E, nu = 30e9 * np.exp(-0.9 * theta), 0.3 + 0.05 * theta**2
    expected = -E * EPS_STAR if uniaxial else -E * EPS_STAR / (1 - 2 * nu)
    assert global_max(np.abs(sigma_xx(model, case) - expected)) <= 1e-8 * abs(expected)
