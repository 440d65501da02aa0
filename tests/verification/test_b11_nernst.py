"""B11 (physics.md part 3): stress–chemistry equilibrium under external pressure.

A free particle under hydrostatic pressure p (traction −p n on the current surface) exchanges
species through its surface until equilibrium, in two ways: with a reservoir at the potential of
the ideal-solution OCV's U_0 (a stiff surface reaction ĵ = k (μ_res − μ(θ_s)), μ_res = 0), and
through the model's Butler–Volmer condition held at V = U_0 with the ideal-solution OCV
U = U_0 − (R_gT/F) ln(θ/(1−θ)) (a one-plateau staircase with log_slope 1), where the current
vanishes when U_eq = U_ocv(θ_s) + stress shift = V. At equilibrium μ_id(θ) + μ_mech = 0
everywhere:
    small strain θ = 1/(1 + exp(Ωp/R_gT));  finite strain θ = 1/(1 + exp(Ω(J_e p + W_e)/R_gT)).
T = 298.15 K, Ω = 9.55e-6 m³/mol, E = 30 GPa, ν = 0.3. Uniform state: asserted to 1e-6.
"""

import numpy as np
import pytest
import ufl
from dolfinx.fem.petsc import NonlinearProblem
from mpi4py import MPI
from support import CASES

from meshes import build
from solver.case import load_case
from solver.model import Model
from solver.observables import Observables
from solver.physics import kinematics, transport

OMEGA, T, R_GAS = 9.55e-6, 298.15, 8.314462618
TABLE = {  # p: (small strain θ_eq, finite strain θ_eq or None)
    100e6: (0.404863, 0.405048),
    500e6: (0.127170, None),
    1e9: (0.020787, 0.022355),
}


U0 = 0.4  # V


def equilibrium(kinematics_name, p, surface="reservoir"):
    case = load_case(CASES / "verification/b1_galvanostatic.yaml", [
        f"physics.kinematics={kinematics_name}", "physics.stress_coupling=two_way",
        "physics.mobility=lattice_gas", "geometry.mesh.size=100 nm", f"temperature={T}",
        f"materials.active.expansion={OMEGA * 2.7e5!r}", "initial.soc=0.5",
        f"materials.active.ocv={{insertion: {{plateaus: [[1, {U0}]], log_slope: 1}}}}",
        "materials.active.exchange_current=1 A/m^2"])
    model = Model(case, build(case.geometry, MPI.COMM_WORLD))
    model.theta0.value = 0.0  # stress-free reference: the unfilled host
    dim, x, u = "radial", model.x, model.u
    p_hat = p / case.materials["active"].E
    v, q, _ = ufl.TestFunctions(model.W)
    n = ufl.as_vector([1, 0, 0])  # outward normal of the sphere in the radial basis
    if model.finite:  # −p on the current surface: reference traction −p J F⁻ᵀ N
        F = kinematics.deformation_gradient(u, dim, x)
        traction = -p_hat * ufl.det(F) * ufl.dot(ufl.inv(F).T, n)
    else:
        traction = -p_hat * n
    v3 = ufl.as_vector([v, 0, 0])
    if surface == "reservoir":
        mu_surface = transport.ideal_potential(model.theta, "lattice_gas") + model.mu_x
        k = 100.0  # stiff surface exchange (non-dimensional)
        F_res = model.residual - model.dA(ufl.dot(traction, v3)) + model.dA(k * mu_surface * q)
    else:  # from the swollen, loaded body at θ = 0.5 (the BV current is exponential in the
        # stress, so not from the unswollen one)
        model.applied_voltage.value = U0
        F_res = model.potentiostatic_residual - model.dA(ufl.dot(traction, v3))
        _solve(model, model.residual - model.dA(ufl.dot(traction, v3)), "b11_load_")
        model.accept()
    problem = _problem(model, F_res, "b11_")
    obs = Observables(model)
    theta_old = -1.0
    for i in range(200):
        # start gently (θ moves far at 1 GPa); the BV exchange (i_0 = 1 A/m²) is slow
        model.dtau.value = min(0.05 if surface == "reservoir" else 1e4, 1e-3 * 2**i)
        problem.solve()
        assert problem.solver.getConvergedReason() > 0
        model.accept()
        theta = obs.soc()
        if abs(theta - theta_old) < 1e-12:
            break
        theta_old = theta
    lo, hi = obs.theta_range()
    assert hi - lo < 1e-9  # uniform
    return theta


def _problem(model, F_res, prefix):
    return NonlinearProblem(F_res, model.w, bcs=model.bcs, petsc_options_prefix=prefix,
                            petsc_options={"snes_rtol": 1e-12, "snes_atol": 1e-13,
                                           "ksp_type": "preonly", "pc_type": "lu"})


def _solve(model, F_res, prefix):
    problem = _problem(model, F_res, prefix)
    problem.solve()
    assert problem.solver.getConvergedReason() > 0


@pytest.mark.parametrize("surface", ["reservoir", "butler_volmer"])
@pytest.mark.parametrize("p", sorted(TABLE))
def test_b11_small_strain(p, surface, verification_record):
    theta = equilibrium("small", p, surface)
    assert theta == pytest.approx(1 / (1 + np.exp(OMEGA * p / (R_GAS * T))), rel=1e-6)
    verification_record(f"B11 Nernst shift under pressure, small strain, {surface}",
                        f"θ_eq at p = {p:.3g} Pa (rel.)", verification_record.relative(
                            theta, 1 / (1 + np.exp(OMEGA * p / (R_GAS * T)))), 1e-6)
    assert theta == pytest.approx(TABLE[p][0], abs=1e-6)


@pytest.mark.parametrize("surface", ["reservoir", "butler_volmer"])
@pytest.mark.parametrize("p", [p for p in sorted(TABLE) if TABLE[p][1] is not None])
def test_b11_finite_strain(p, surface, verification_record):
    theta = equilibrium("finite", p, surface)
    assert theta == pytest.approx(TABLE[p][1], abs=2e-6)
    verification_record(f"B11 Nernst shift under pressure, finite strain, {surface}",
                        f"θ_eq at p = {p:.3g} Pa (abs.)", abs(theta - TABLE[p][1]), 2e-6)
