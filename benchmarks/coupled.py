"""One benchmark measurement on MPI.COMM_WORLD, printed as JSON on rank 0.

The coupled demo physics (two-way small-strain chemo-mechanics, P2 u, P1 θ and μ_x) on a 3-D
octant of a sphere, a few galvanostatic steps at a fixed Δt, against the floor: one GAMG
elasticity solve (P2, rigid-body near-nullspace) plus one GAMG scalar diffusion solve (P1),
each with its assembly, on the same mesh.

    python benchmarks/coupled.py MESH_SIZE_NM STEPS [PRESET]
"""

import json
import sys
import time

import solver.mpi_env  # noqa: F401
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem.petsc import LinearProblem
from mpi4py import MPI

from meshes import build
from solver.case import load_case
from solver.model import Model
from solver.protocol import ActiveStep, Protocol
from solver.observables import Observables


def coupled(size_nm: float, steps: int, preset: str) -> dict:
    case = load_case("cases/demo.yaml", [f"geometry.mesh.size={size_nm} nm",
                                         f"solver.preset={preset}"])
    model = Model(case, build(case.geometry, MPI.COMM_WORLD))
    obs = Observables(model)
    step = case.protocol.steps[0]
    mode = Protocol(case, model, obs).apply(ActiveStep(1, 1, step, 0.0, obs.soc(), step))
    dtau = 0.01
    newton = krylov = 0
    MPI.COMM_WORLD.barrier()
    start = time.perf_counter()
    for k in range(steps):
        ok, its, kits = model.solve_step(dtau, mode, dtau if k else None)
        assert ok, "benchmark step failed"
        model.accept()
        newton, krylov = newton + its, krylov + kits
    wall = MPI.COMM_WORLD.allreduce(time.perf_counter() - start, op=MPI.MAX)
    return {"dofs": model.num_dofs, "preset": model.preset, "steps": steps,
            "newton_iterations": newton, "krylov_iterations": krylov, "wall_s": wall,
            "time_per_newton_s": wall / newton, "mesh": model.mesh, "order": 2}


def floor(mesh) -> dict:
    """GAMG elasticity (P2, near-nullspace) + GAMG diffusion (P1), assembly included."""
    gdim = mesh.geometry.dim
    V = fem.functionspace(mesh, ("Lagrange", 2, (gdim,)))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    eps = lambda w: ufl.sym(ufl.grad(w))  # noqa: E731
    lmbda, G = 1.0, 0.5
    a = (lmbda * ufl.tr(eps(u)) * ufl.tr(eps(v)) + 2 * G * ufl.inner(eps(u), eps(v))) * ufl.dx
    L = ufl.dot(ufl.as_vector([1.0] * gdim), v) * ufl.dx
    dofs = fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 0.0))
    bc = fem.dirichletbc(np.zeros(gdim), dofs, V)
    timings = {}
    problem = LinearProblem(a, L, bcs=[bc], petsc_options_prefix="floor_u_", petsc_options={
        "ksp_type": "cg", "ksp_rtol": 1e-8, "pc_type": "gamg"})
    problem.A.setNearNullSpace(_modes(V))
    timings["elasticity_s"] = _timed_solve(problem)
    timings["elasticity_krylov"] = problem.solver.getIterationNumber()
    Q = fem.functionspace(mesh, ("Lagrange", 1))
    c, q = ufl.TrialFunction(Q), ufl.TestFunction(Q)
    a = (c * q + 0.01 * ufl.dot(ufl.grad(c), ufl.grad(q))) * ufl.dx
    problem = LinearProblem(a, q * ufl.dx, petsc_options_prefix="floor_c_", petsc_options={
        "ksp_type": "cg", "ksp_rtol": 1e-8, "pc_type": "gamg"})
    timings["diffusion_s"] = _timed_solve(problem)
    timings["diffusion_krylov"] = problem.solver.getIterationNumber()
    comm = mesh.comm
    return {k: comm.allreduce(v, op=MPI.MAX) for k, v in timings.items()}


def _timed_solve(problem) -> float:
    """Wall time of assembly + preconditioner set-up + solve (after a warm-up solve)."""
    problem.solve()
    MPI.COMM_WORLD.barrier()
    start = time.perf_counter()
    problem.solve()
    return time.perf_counter() - start


def _modes(V):
    """Rigid-body modes of a vector P2 space (translations + rotations)."""
    from petsc4py import PETSc
    x = V.tabulate_dof_coordinates()
    n = V.dofmap.index_map.size_local
    bs = V.dofmap.index_map_bs
    vecs = []
    for k in range(6):
        arr = np.zeros((n, bs))
        if k < 3:
            arr[:, k] = 1.0
        else:
            a, b = ((0, 1), (1, 2), (2, 0))[k - 3]
            arr[:, a], arr[:, b] = -x[:n, b], x[:n, a]
        vec = PETSc.Vec().createMPI((n * bs, PETSc.DETERMINE), comm=V.mesh.comm)
        vec.setArray(arr.ravel())
        vecs.append(vec)
    for i, vec in enumerate(vecs):
        for w in vecs[:i]:
            vec.axpy(-vec.dot(w), w)
        vec.normalize()
    return PETSc.NullSpace().create(vectors=vecs, comm=V.mesh.comm)


if __name__ == "__main__":
    size, steps = float(sys.argv[1]), int(sys.argv[2])
    preset = sys.argv[3] if len(sys.argv) > 3 else "auto"
    result = coupled(size, steps, preset)
    result.update(floor(result.pop("mesh")))
    result["floor_s"] = result["elasticity_s"] + result["diffusion_s"]
    result["newton_over_floor"] = result["time_per_newton_s"] / result["floor_s"]
    result["ranks"] = MPI.COMM_WORLD.size
    if MPI.COMM_WORLD.rank == 0:
        print("RESULT " + json.dumps(result))
