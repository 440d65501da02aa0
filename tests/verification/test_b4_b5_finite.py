"""B4 and B5 at finite strain (physics.md part 3): neo-Hookean and Hencky with F_c = J_c^{1/3} I.

The swelling J_c is imposed uniformly by moving the stress-free reference θ_0 (θ stays uniform,
the transport equation holds exactly) and ramped in ten load steps; the elastic state is
uniform, so it is reproduced to solver tolerance on any mesh (1e-8 relative).
"""

import numpy as np
import pytest
from scipy.optimize import brentq
from dolfinx import fem
from support import CASES, global_max, swell

from solver.case import load_case

E, NU = 30e9, 0.3


def swell_to(case, J_c, ramp=10):
    """Uniform swelling to J_c = (1 + βθ)/(1 + βθ_0), ramped in ``ramp`` load steps."""
    beta, theta = case.materials["active"].expansion, case.initial.soc
    return swell(case, [((1 + beta * theta) / J - 1) / beta
                        for J in np.linspace(1, J_c, ramp + 1)[1:]])


@pytest.mark.parallel
@pytest.mark.parametrize("J_c", [3.6, 5.2])
@pytest.mark.parametrize("dimension", ["radial", "axisymmetric", "3d"])
def test_b4_finite_free_swelling(dimension, J_c, verification_record):
    case = load_case(CASES / "verification/b1_galvanostatic.yaml",
                     [f"geometry.dimension={dimension}", "geometry.mesh.size=250 nm",
                      "physics.kinematics=finite", "physics.stress_coupling=two_way",
                      "materials.active.expansion=5.0"])
    model, obs = swell_to(case, J_c)
    for name in ("von_mises", "sigma_h", "sigma_rr", "sigma_tt"):
        assert global_max(np.abs(obs.fields[name].x.array)) <= 1e-8 * E, name
    expected = (J_c ** (1 / 3) - 1) * case.geometry.radius  # 50 nm → 76.49 / 86.62 nm for
    assert global_max(obs.fields["u_r"].x.array) == pytest.approx(expected, rel=1e-8)  # Li / Na
    verification_record(f"B4 free swelling, finite strain, {dimension}, J_c = {J_c}",
                        "surface u_r vs (J_c^{1/3} − 1) R (rel.)", verification_record.relative(
                            global_max(obs.fields["u_r"].x.array), expected), 1e-8)
    xi = model.chem_scale.value * model.beta.value  # Ξ = ΩE/(R_g T)
    assert global_max(np.abs(model.w.sub(2).collapse().x.array)) <= 1e-8 * xi
    assert obs.volume_change_pct() == pytest.approx(100 * (J_c - 1), rel=1e-8)


def box(rollers, law="neo_hookean"):
    return load_case(CASES / "verification/b5_constrained_box.yaml",
                     [f"geometry.rollers={rollers}", "physics.kinematics=finite",
                      f"physics.elastic_law={law}", "materials.active.expansion=5.0"])


def component(model, expr):
    V = fem.functionspace(model.mesh, ("DG", 1))
    f = fem.Function(V)
    f.interpolate(fem.Expression(expr, V.element.interpolation_points))
    return f.x.array


def neo_hookean_cauchy(stretches, J_c):
    """Cauchy stress (principal, Pa) of F = diag(stretches) with F_c = J_c^{1/3} I (closed form:
    σ = [G(b_e − I) + λ ln J_e I]/J_e, b_e = F_e F_eᵀ, F_e = J_c^{-1/3} F)."""
    G, lmbda = E / (2 * (1 + NU)), E * NU / ((1 + NU) * (1 - 2 * NU))
    f_e = np.asarray(stretches) * J_c ** (-1 / 3)
    J_e = np.prod(f_e)
    return (G * (f_e**2 - 1) + lmbda * np.log(J_e)) / J_e


def hencky_cauchy(stretches, J_c):
    """Cauchy stress (principal, Pa) of F = diag(stretches), Hencky: σ = [2G dev e + K tr e I]/J_e,
    e = ln f_e (principal logarithmic elastic strains), K = λ + 2G/3."""
    G, K = E / (2 * (1 + NU)), E / (3 * (1 - 2 * NU))
    e = np.log(np.asarray(stretches) * J_c ** (-1 / 3))
    return (2 * G * (e - e.sum() / 3) + K * e.sum()) / np.exp(e.sum())


CAUCHY = {"neo_hookean": neo_hookean_cauchy, "hencky": hencky_cauchy}


def free_stretch(J_c, free_axes, law="neo_hookean"):
    """Stretch of the free (traction-free) axes, the others held at 1 (brentq)."""
    def sigma_free(a):
        return CAUCHY[law]([a if i in free_axes else 1.0 for i in range(3)], J_c)[
            free_axes[0]]
    return brentq(sigma_free, 0.5, 3.0, xtol=1e-15)


# J_c: (clamped σ, uniaxial lateral stretch, uniaxial σ_xx, biaxial λ_z, biaxial σ_xx), GPa
TABLE = {
    1.03: (-0.75885, 1.012888, -0.29464, 1.018425, -0.42553),
    1.3: (-8.31020, 1.120099, -2.55571, 1.172711, -4.02959),
    3.6: (-103.666, 1.730897, -11.7815, 2.072363, -28.1145),
    5.2: (-188.389, 2.021495, -15.0983, 2.507165, -42.1454),
}


@pytest.mark.parallel
@pytest.mark.parametrize("J_c", sorted(TABLE))
def test_b5_finite_constrained_cube(J_c, verification_record):
    clamped, lateral, uniaxial, lam_z, biaxial = TABLE[J_c]
    G, lmbda = E / (2 * (1 + NU)), E * NU / ((1 + NU) * (1 - 2 * NU))
    s = J_c ** (-1 / 3)  # exact clamped stress; the table has 6 digits
    exact = (G * (s**2 - 1) + 3 * lmbda * np.log(s)) / s**3
    assert exact / 1e9 == pytest.approx(clamped, abs=1e-3)

    model, _ = swell_to(box("[x0, x1, y0, y1, z0, z1]"), J_c)
    sigma = model.stress(model.u, model.theta)
    for i in range(3):
        assert np.allclose(component(model, E * sigma[i, i]), exact, rtol=1e-8, atol=0)
    verification_record(f"B5 constrained cube, finite strain (neo-Hookean), J_c = {J_c}",
                        "clamped σ_xx vs closed form (rel.)",
                        global_max(np.abs(component(model, E * sigma[0, 0]) / exact - 1)), 1e-8)

    # uniaxial (x held, y and z free) and biaxial (x, y held, z free): closed form by brentq,
    # checked against the table (6 digits), then the FEM against the closed form (1e-8)
    for rollers, free, table_stretch, table_sigma in (
            ("[x0, x1, y0, z0]", (1, 2), lateral, uniaxial),
            ("[x0, x1, y0, y1, z0]", (2,), lam_z, biaxial)):
        a = free_stretch(J_c, free)
        stretches = [a if i in free else 1.0 for i in range(3)]
        sigma_xx = neo_hookean_cauchy(stretches, J_c)[0]
        assert a == pytest.approx(table_stretch, rel=1e-6)
        assert sigma_xx / 1e9 == pytest.approx(table_sigma, rel=5e-5)
        model, _ = swell_to(box(rollers), J_c)
        sigma = model.stress(model.u, model.theta)
        assert np.allclose(component(model, 1 + model.eps[free[0], free[0]]), a, rtol=1e-8)
        assert np.allclose(component(model, E * sigma[0, 0]), sigma_xx, rtol=1e-8, atol=0)
        assert np.allclose(component(model, E * sigma[free[0], free[0]]), 0, atol=1e-8 * E)


@pytest.mark.slow  # its forms take ~2 min to compile on a fresh cache (the law itself is
@pytest.mark.parallel  # checked in tests/unit/test_hencky.py in make test)
@pytest.mark.parametrize("J_c", [1.3, 2.0])
def test_b5_finite_hencky(J_c):
    """Hencky: clamped σ = K ln J_e/J_e = −K ln(J_c) J_c (C̄ = I: the log series is exact);
    uniaxial and biaxial by brentq on the closed-form principal stresses. Up to J_c = 2 the
    unimodular elastic stretches keep |z| ≤ 0.28 and the stress, the derivative of the truncated
    series, is off by at most 2H'_9 z^17/(1 − z²) = 1.6e-9: 1e-8. (Purely elastic swelling to
    J_c = 5.2 would reach |z| = 0.59, where 8 terms are off by 1e-3: the law is meant for the
    elastic strains of metals, far smaller.)"""
    K = E / (3 * (1 - 2 * NU))
    model, _ = swell_to(box("[x0, x1, y0, y1, z0, z1]", "hencky"), J_c)
    sigma = model.stress(model.u, model.theta)
    for i in range(3):
        assert np.allclose(component(model, E * sigma[i, i]), -K * np.log(J_c) * J_c,
                           rtol=1e-8, atol=0)
    for rollers, free in (("[x0, x1, y0, z0]", (1, 2)), ("[x0, x1, y0, y1, z0]", (2,))):
        a = free_stretch(J_c, free, "hencky")
        sigma_xx = hencky_cauchy([a if i in free else 1.0 for i in range(3)], J_c)[0]
        model, _ = swell_to(box(rollers, "hencky"), J_c)
        sigma = model.stress(model.u, model.theta)
        assert np.allclose(component(model, 1 + model.eps[free[0], free[0]]), a, rtol=1e-8)
        assert np.allclose(component(model, E * sigma[0, 0]), sigma_xx, rtol=1e-8, atol=0)
        assert np.allclose(component(model, E * sigma[free[0], free[0]]), 0, atol=1e-8 * E)
