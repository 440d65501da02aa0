"""B6c / B6b (physics.md part 3): a finite-strain neo-Hookean shell A < R < B = 1.1 A whose inner
radius is driven to a = λ_a A (a rigid swelling core), outer surface free, in spherical symmetry.
A non-uniform finite-strain state (B4/B5 are uniform), so it checks P = ∂ψ/∂F, the radial
kinematics and the traction-free surface. Reference: the 1-D BVP solved with scipy (B6c table,
tol 1e-10); 1-D P2 FEM, 200 cells → asserted 2e-4 (the table has 6 digits). B6b: ν = 0.499
approaches the incompressible closed form within 0.3 %.
"""

import numpy as np
import pytest
from dolfinx import fem, geometry, mesh as dmesh
from dolfinx.fem.petsc import NonlinearProblem
from mpi4py import MPI
from support import CASES

from meshes.domain import Domain
from solver.case import load_case
from solver.model import Model
from solver.observables import Observables

A, B = 1e-6, 1.1e-6
# ν: λ_a: (σ_rr(a)/μ, σ_θθ(a)/μ, σ_θθ(b)/μ, λ_b)
B6C = {
    0.30: {1.01: (-0.006604, 0.033887, 0.030520, 1.008303),
           1.1: (-0.051302, 0.312366, 0.280781, 1.083382),
           1.5326: (-0.104386, 1.324631, 1.148626, 1.451266)},
    0.45: {1.01: (-0.008705, 0.044924, 0.040498, 1.007759),
           1.1: (-0.064651, 0.416839, 0.377456, 1.078611),
           1.5326: (-0.114314, 1.871650, 1.654164, 1.437970)},
}


def incompressible(lam_a):
    """B6b closed form: (−σ_rr(a), σ_θθ(a), σ_θθ(b))/μ and λ_b."""
    lam_b = (lam_a**3 + (B / A) ** 3 - 1) ** (1 / 3) / (B / A)
    P = 2 / lam_b + 1 / (2 * lam_b**4) - 2 / lam_a - 1 / (2 * lam_a**4)
    return P, -P + lam_a**2 - lam_a**-4, lam_b**2 - lam_b**-4, lam_b


def shell(nu, stretches, *overrides, full=False):
    """Drive the inner radius through ``stretches``; returns σ_rr(a), σ_θθ(a), σ_θθ(b) (Pa) and
    λ_b after the last one, the shear modulus (Pa) and, with ``full``, the model."""
    case = load_case(CASES / "verification/b1_galvanostatic.yaml", [
        "physics.kinematics=finite", "physics.stress_coupling=one_way", f"materials.active.nu={nu}",
        *overrides])
    m = dmesh.create_interval(MPI.COMM_WORLD, 200, [A, B])
    outer = dmesh.locate_entities_boundary(m, 0, lambda x: np.isclose(x[0], B))
    inner = dmesh.locate_entities_boundary(m, 0, lambda x: np.isclose(x[0], A))
    facets = np.concatenate([outer, inner]).astype(np.int32)
    values = np.concatenate([np.full(len(outer), 1), np.full(len(inner), 2)]).astype(np.int32)
    order = np.argsort(facets)
    tags = dmesh.meshtags(m, 0, facets[order], values[order])
    domain = Domain(mesh=m, cell_tags=None, facet_tags=tags, dimension="radial",
                    facet_ids={"surface": 1, "inner": 2}, wetted=(), rollers=(), length=A,
                    body_factor=4 * np.pi)
    model = Model(case, domain)
    model.beta.value = 0.0  # the shell does not swell: it is driven by its inner radius
    model.dtau.value = 1.0
    V, _ = model.W.sub(0).collapse()
    u_inner = fem.Function(V)
    dofs = fem.locate_dofs_topological((model.W.sub(0), V), 0, tags.find(2))
    bc = fem.dirichletbc(u_inner, dofs, model.W.sub(0))
    problem = NonlinearProblem(model.residual, model.w, bcs=[bc], petsc_options_prefix="b6_",
                               petsc_options={"snes_rtol": 1e-12, "snes_atol": 1e-13,
                                              "ksp_type": "preonly", "pc_type": "lu"})
    for lam in stretches:
        u_inner.x.array[:] = lam - 1  # u/A on the inner surface (non-dimensional)
        problem.solve()
        assert problem.solver.getConvergedReason() > 0, lam
        model.accept()
    obs = Observables(model)
    obs.update()
    points = np.array([[1.0, 0, 0], [B / A, 0, 0]])
    cells = _cells_at(model.mesh, points)
    f = obs.fields
    s_rr_a, s_tt_a = (f[k].eval(points[:1], [cells[0]])[0] for k in ("sigma_rr", "sigma_tt"))
    s_tt_b = f["sigma_tt"].eval(points[1:], [cells[1]])[0]
    lam_b = 1 + f["u_r"].eval(points[1:], [cells[1]])[0] / B
    E = case.materials["active"].E
    result = (s_rr_a, s_tt_a, s_tt_b, lam_b), E / (2 * (1 + nu))
    return (*result, model) if full else result


def _cells_at(m, points):
    """A cell containing each point (serial)."""
    tree = geometry.bb_tree(m, m.topology.dim)
    hits = geometry.compute_colliding_cells(m, geometry.compute_collisions_points(tree, points),
                                            points)
    return [hits.links(i)[0] for i in range(len(points))]


@pytest.mark.parametrize("nu", sorted(B6C))
def test_b6c_compressible_shell(nu, verification_record):
    for lam_a, expected in B6C[nu].items():
        ramp = np.linspace(1, lam_a, 6)[1:]
        (s_rr, s_tt_a, s_tt_b, lam_b), G = shell(nu, ramp)
        got = (s_rr / G, s_tt_a / G, s_tt_b / G, lam_b)
        assert got == pytest.approx(expected, rel=2e-4, abs=2e-6), (nu, lam_a)
        verification_record(f"B6c finite-strain shell on an expanding core, ν = {nu}",
                            f"σ_rr(a), σ_θθ(a), σ_θθ(b) / μ and λ_b at λ_a = {lam_a} (rel.)",
                            verification_record.relative(got, expected, 1e-2), 2e-4)


@pytest.mark.parametrize("lam_a", [1.1, 1.5326])
def test_b6b_nearly_incompressible_shell(lam_a, verification_record):
    (s_rr, s_tt_a, s_tt_b, lam_b), G = shell(0.499, np.linspace(1, lam_a, 11)[1:])
    P, tt_a, tt_b, lb = incompressible(lam_a)
    assert (-s_rr / G, s_tt_a / G, s_tt_b / G) == pytest.approx((P, tt_a, tt_b), rel=3e-3)
    verification_record("B6b ν = 0.499 shell vs incompressible closed form",
                        f"−σ_rr(a), σ_θθ(a), σ_θθ(b) / μ at λ_a = {lam_a} (rel.)",
                        verification_record.relative((-s_rr / G, s_tt_a / G, s_tt_b / G),
                                                     (P, tt_a, tt_b)), 3e-3)
    assert lam_b == pytest.approx(lb, rel=1e-4)

