"""The compiled Jacobian is the derivative of the compiled residual (viscoplastic, finite strain).

Guards the form compilation: a one-point flow rule sharing a kernel with the other integrals on
tetrahedra once corrupted the residual rows of θ and μ_x (FFCx 0.11, 34 % off). Central
differences of the residual along random directions in (u, θ, μ_x) at a perturbed state are
compared with J·d on the u, θ and μ_x rows (truncation O(h²) ≈ 1e-10, round-off ≈ 1e-9).
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from support import CASES

from meshes import build
from solver.case import load_case
from solver.model import Model
from solver.solvers import collapsed_dofs


@pytest.mark.parametrize("dimension, size", [("radial", "25 nm"), ("axisymmetric", "125 nm"),
                                             ("3d", "250 nm")])
def test_jacobian_matches_residual(dimension, size):
    case = load_case(CASES / "sn_na_particle_finite.yaml", [
        f"geometry.dimension={dimension}", f"geometry.mesh.size={size}",
        "physics.plasticity=viscoplastic"])
    model = Model(case, build(case.geometry, MPI.COMM_SELF))
    model.j_in.value, model.dtau.value = 0.05, 1e-3
    rng = np.random.default_rng(0)
    fields = [collapsed_dofs(model.W, i)[1] for i in range(3)]  # u, θ, μ_x
    state = model.w.x.array
    for dofs in fields:
        state[dofs] += 1e-3 * rng.standard_normal(dofs.size)
    residual = fem.form(model.residual)
    J = fem_petsc.assemble_matrix(fem.form(ufl.derivative(model.residual, model.w)))
    J.assemble()
    w0, h = state.copy(), 1e-6
    for _ in range(2):
        d = np.zeros_like(w0)
        for dofs in fields:
            d[dofs] = rng.standard_normal(dofs.size)
        direction, Jd = J.createVecs()
        direction.array[:] = d
        J.mult(direction, Jd)
        values = []
        for sign in (1, -1):
            model.w.x.array[:] = w0 + sign * h * d
            values.append(fem_petsc.assemble_vector(residual).array.copy())
        model.w.x.array[:] = w0
        fd = (values[0] - values[1]) / (2 * h)
        for name, dofs in zip(("u", "theta", "mu_x"), fields):
            err = np.linalg.norm(fd[dofs] - Jd.array[dofs]) / np.linalg.norm(fd[dofs])
            assert err < 1e-6, (name, err)
