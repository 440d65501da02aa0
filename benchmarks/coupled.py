"""One benchmark measurement on MPI.COMM_WORLD, printed as JSON on rank 0.

The coupled demo physics (cases/demo.yaml: two-way small-strain chemo-mechanics, P2 u, P1 θ
and μ_x) on a 3-D octant of a sphere, a few galvanostatic steps at a fixed Δτ, against the
floor of DESIGN §8 measured in the same process on the same mesh: one GAMG elasticity solve
(same displacement degree, rigid-body near-nullspace) plus one GAMG scalar diffusion solve
(P1, as θ), each with its assembly.

    python benchmarks/coupled.py MESH_SIZE_NM STEPS [PRESET]

Memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (kB on Linux), max over ranks, read
right after the imports and right after the time steps (before the floor, which would add its
own matrices to the peak). Nothing is subtracted from ``peak_rss_bytes``.
"""

import json
import resource
import sys
import time

import solver.mpi_env  # noqa: F401
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem.petsc import LinearProblem
from mpi4py import MPI
from petsc4py import PETSc

from meshes import build
from solver.case import load_case
from solver.model import Model
from solver.observables import Observables
from solver.protocol import ActiveStep, Protocol

COMM = MPI.COMM_WORLD
DTAU = 0.01  # non-dimensional step: near the demo's grown steps (its Δτ_max is 0.02)
FLOOR_REPEATS = 3
EVENTS = ("SNESJacobianEval", "SNESFunctionEval", "PCSetUp", "PCApply", "KSPSolve")


def rss_bytes() -> int:
    """Peak resident set size so far of this process (bytes; ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _max(value: float) -> float:
    return COMM.allreduce(value, op=MPI.MAX)


def _event_seconds() -> dict:
    """Time so far inside each of EVENTS (inclusive, max over ranks)."""
    return {name: _max(PETSc.Log.Event(name).getPerfInfo()["time"]) for name in EVENTS}


def _pc_description(snes) -> str:
    pc = snes.getKSP().getPC()
    if pc.getType() != "fieldsplit":
        return f"{snes.getKSP().getType()}+{pc.getType()}"
    subs = [k.getPC().getType() for k in pc.getFieldSplitSubKSP()]
    return f"{snes.getKSP().getType()}+fieldsplit({','.join(subs)})"


def coupled(size_nm: float, steps: int, preset: str) -> dict:
    start = time.perf_counter()
    case = load_case("cases/demo.yaml", [f"geometry.mesh.size={size_nm} nm",
                                         f"solver.preset={preset}"])
    model = Model(case, build(case.geometry, COMM))
    obs = Observables(model)
    step = case.protocol.steps[0]
    mode = Protocol(case, model, obs).apply(ActiveStep(1, 1, step, 0.0, obs.soc(), step))
    setup = _max(time.perf_counter() - start)
    snes = model.problems[mode].solver
    newton, krylov, per_step = 0, 0, []
    before = _event_seconds()
    COMM.barrier()
    start = time.perf_counter()
    for k in range(steps):
        t0 = time.perf_counter()
        ok, its, kits = model.solve_step(DTAU, mode, DTAU if k else None)
        assert ok, "benchmark step failed"
        model.accept()
        newton, krylov = newton + its, krylov + kits
        per_step.append({"newton": its, "krylov": kits, "s": _max(time.perf_counter() - t0)})
    wall = _max(time.perf_counter() - start)
    events = {k: v - before[k] for k, v in _event_seconds().items()}
    return {
        "dofs": model.num_dofs, "preset": model.preset, "solver": _pc_description(snes),
        "steps": steps, "dtau": DTAU, "setup_s": setup, "wall_s": wall,
        "newton_iterations": newton, "krylov_iterations": krylov,
        "krylov_per_newton": krylov / newton, "seconds_per_newton": wall / newton,
        "per_step": per_step,
        "seconds_in": {"jacobian_assembly": events["SNESJacobianEval"],
                       "residual_assembly": events["SNESFunctionEval"],
                       "pc_setup": events["PCSetUp"], "pc_apply": events["PCApply"],
                       "krylov_solve": events["KSPSolve"]},
        "mesh": model.mesh, "order": case.geometry.mesh.order,
    }


def floor(mesh, order: int) -> dict:
    """GAMG elasticity (degree ``order``, rigid-body near-nullspace) + GAMG diffusion (P1),
    each timed with its assembly, preconditioner set-up and solve."""
    gdim = mesh.geometry.dim
    V = fem.functionspace(mesh, ("Lagrange", order, (gdim,)))
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
    a = (c * q + DTAU * ufl.dot(ufl.grad(c), ufl.grad(q))) * ufl.dx  # θ's mass/Δτ + diffusion
    problem = LinearProblem(a, q * ufl.dx, petsc_options_prefix="floor_c_", petsc_options={
        "ksp_type": "cg", "ksp_rtol": 1e-8, "pc_type": "gamg"})
    timings["diffusion_s"] = _timed_solve(problem)
    timings["diffusion_krylov"] = problem.solver.getIterationNumber()
    return timings


def _timed_solve(problem) -> float:
    """Wall time of assembly + preconditioner set-up + solve, max over ranks: the median of
    FLOOR_REPEATS solves after a warm-up one (form compilation not counted; the median keeps a
    short burst of other work on the machine out of this short measurement)."""
    problem.solve()
    assert problem.solver.getConvergedReason() > 0, "floor solve failed"
    samples = []
    for _ in range(FLOOR_REPEATS):
        COMM.barrier()
        start = time.perf_counter()
        problem.solve()
        samples.append(_max(time.perf_counter() - start))
    return float(np.median(samples))


def _modes(V):
    """Rigid-body modes of a vector space in 3-D (translations + rotations), orthonormal."""
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


def main() -> None:
    size, steps = float(sys.argv[1]), int(sys.argv[2])
    preset = sys.argv[3] if len(sys.argv) > 3 else "auto"
    rss_imports = rss_bytes()
    PETSc.Log.begin()
    result = coupled(size, steps, preset)
    peak = rss_bytes()  # before the floor, whose matrices would add to the peak
    result["rss_after_imports_bytes"] = COMM.allreduce(rss_imports, op=MPI.MAX)
    result["peak_rss_bytes"] = COMM.allreduce(peak, op=MPI.MAX)
    result["peak_rss_bytes_all_ranks"] = COMM.allreduce(peak, op=MPI.SUM)
    result["peak_rss_bytes_per_dof"] = result["peak_rss_bytes"] / result["dofs"]
    result["peak_rss_increase_bytes_per_dof"] = (
        COMM.allreduce(peak - rss_imports, op=MPI.MAX) / result["dofs"])
    result.update(floor(result.pop("mesh"), result["order"]))
    result["floor_seconds"] = result["elasticity_s"] + result["diffusion_s"]
    result["per_newton_over_floor"] = result["seconds_per_newton"] / result["floor_seconds"]
    result["ranks"] = COMM.size
    if COMM.rank == 0:
        print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
