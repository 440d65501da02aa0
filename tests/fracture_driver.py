"""Staggered drivers for the phase-field benchmarks B8a and B8c (physics.md part 3).

Each solves the mechanics at frozen damage, then the damage at frozen displacement
(``solver.physics.fracture.PhaseField``), until the damage changes by less than a tolerance,
and accepts the step (history / irreversibility); the mechanics uses the degradation of the
phase field on ψ⁺ of the split.
"""

from dataclasses import dataclass

import numpy as np
import ufl
from dolfinx import fem, mesh
from dolfinx.fem.petsc import NonlinearProblem
from mpi4py import MPI

from solver.physics import fracture

MECHANICS = {"snes_type": "newtonls", "snes_linesearch_type": "basic", "snes_rtol": 1e-10,
             "snes_atol": 1e-12, "snes_stol": 0.0, "snes_max_it": 20, "ksp_type": "preonly",
             "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}


def staggered(mechanics: NonlinearProblem, phase: fracture.PhaseField, tol: float,
              max_it: int) -> int:
    """Alternate mechanics and damage until max |Δd| < ``tol``; returns the iterations."""
    for it in range(1, max_it + 1):
        mechanics.solve()
        assert mechanics.solver.getConvergedReason() > 0, "mechanics did not converge"
        ok, _, change = phase.solve()
        assert ok, "damage did not converge"
        if change < tol:
            return it
    raise AssertionError(f"staggered iterations did not converge in {max_it}: Δd = {change}")


def stress_and_energies(eps, lam, mu, split, phase):
    """σ = g ∂ψ⁺/∂ε + ∂ψ⁻/∂ε of the strain expression ``eps`` (UFL derivatives)."""
    eps = ufl.variable(eps)
    psi_plus, psi_minus = fracture.split_energy(eps, lam, mu, split)
    return ufl.diff(phase.degradation * psi_plus + psi_minus, eps)


def homogeneous_bar(model: str, E: float, Gc: float, length: float, strains, tol=1e-12,
                    comm=MPI.COMM_WORLD):
    """B8a: a bar of 8 cells on [0, 10 l] in uniaxial stress (ν = 0: λ = 0, μ = E/2), end
    displacements 0 and ε·10 l, loaded through ``strains`` in order (each step converged and
    accepted). Returns (d, σ) per strain, both uniform, σ = ∫σ_xx dx / L."""
    L = 10 * length
    domain = mesh.create_interval(comm, 8, [0.0, L])
    V = fem.functionspace(domain, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)

    def strain(w):
        return ufl.as_tensor([[w.dx(0), 0, 0], [0, 0, 0], [0, 0, 0]])

    psi_plus, _ = fracture.split_energy(strain(u), 0.0, E / 2, "none")
    phase = fracture.PhaseField(domain, psi_plus, Gc, length, model,
                                prefix=f"b8a_{model}_d_")
    sigma = stress_and_energies(strain(u), 0.0, E / 2, "none", phase)
    end = fem.Constant(domain, 0.0)
    facets = mesh.locate_entities_boundary(domain, 0, lambda x: np.isclose(x[0], L))
    origin = mesh.locate_entities_boundary(domain, 0, lambda x: np.isclose(x[0], 0.0))
    bcs = [fem.dirichletbc(0.0, fem.locate_dofs_topological(V, 0, origin), V),
           fem.dirichletbc(end, fem.locate_dofs_topological(V, 0, facets), V)]
    mechanics = NonlinearProblem(ufl.inner(sigma, strain(v)) * ufl.dx, u, bcs=bcs,
                                 petsc_options_prefix=f"b8a_{model}_u_",
                                 petsc_options=dict(MECHANICS, snes_atol=1e-12 * E))
    mean_stress = fem.form(sigma[0, 0] / L * ufl.dx)
    mean_damage = fem.form(phase.d / L * ufl.dx)
    out = []
    for eps in strains:
        end.value = eps * L
        staggered(mechanics, phase, tol, 20)
        phase.accept()
        out.append([comm.allreduce(fem.assemble_scalar(f), op=MPI.SUM)
                    for f in (mean_damage, mean_stress)])
        d = phase.d.x.array
        assert np.ptp(comm.allgather((d.min(), d.max()))) <= tol + 1e-12, "d not uniform"
    return np.array(out)


@dataclass
class SentResult:
    """Load–displacement curve of B8c and the final damage."""

    U: np.ndarray  # mm, top displacement of each accepted step
    F: np.ndarray  # kN, vertical reaction on the top edge (unit thickness)
    iterations: list  # staggered iterations per step
    damaged: np.ndarray  # (x, y) of cells with mean d > 0.9, all ranks
    cells: int


def notched_square(h_band: float, h_out: float = 0.02, band=0.06, comm=MPI.COMM_WORLD):
    """B8c geometry (mm): unit square with a V notch from (0, 0.5 ± 0.001) to (0.5, 0.5);
    element size ``h_band`` in x > 0.45, |y − 0.5| < ``band``, ``h_out`` elsewhere.
    Facet tags 1 bottom, 2 top."""
    from meshes.gmsh_session import gmsh_model, to_dolfinx

    with gmsh_model("sent", comm) as gmsh:
        if gmsh is not None:
            geo = gmsh.model.geo
            pts = [geo.addPoint(*p, 0.0) for p in
                   [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0.501), (0.5, 0.5), (0, 0.499)]]
            lines = [geo.addLine(pts[i], pts[(i + 1) % 7]) for i in range(7)]
            surface = geo.addPlaneSurface([geo.addCurveLoop(lines)])
            geo.synchronize()
            gmsh.model.addPhysicalGroup(2, [surface], 1)
            gmsh.model.addPhysicalGroup(1, [lines[0]], 1)
            gmsh.model.addPhysicalGroup(1, [lines[2]], 2)
            box = gmsh.model.mesh.field.add("Box")
            for key, value in {"VIn": h_band, "VOut": h_out, "XMin": 0.45, "XMax": 1.0,
                               "YMin": 0.5 - band, "YMax": 0.5 + band,
                               "Thickness": band}.items():
                gmsh.model.mesh.field.setNumber(box, key, value)
            gmsh.model.mesh.field.setAsBackgroundMesh(box)
            gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
            gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
            gmsh.option.setNumber("General.NumThreads", 1)
            gmsh.option.setNumber("Mesh.RandomSeed", 1)
            gmsh.model.mesh.generate(2)
        data = to_dolfinx(gmsh, comm, 2, 1.0)
    return data.mesh, data.facet_tags


def single_edge_notched_tension(h_band: float, steps, tol: float = 1e-4,
                                max_it: int = 2000, stop_fraction: float = 0.05,
                                comm=MPI.COMM_WORLD) -> SentResult:
    """B8c: plane strain, AT2 without split, bottom clamped, top u_y = U with u_x free,
    λ = 121.15, μ = 80.77 kN/mm², G_c = 2.7e-3 kN/mm, l = 0.015 mm, k = 1e-9. Loads through
    ``steps`` (U in mm) until F falls below ``stop_fraction`` of its maximum."""
    lam, mu = 121.15, 80.77
    domain, facets = notched_square(h_band, comm=comm)
    V = fem.functionspace(domain, ("Lagrange", 1, (2,)))
    u, v = fem.Function(V), ufl.TestFunction(V)
    psi_plus, _ = fracture.split_energy(ufl.sym(ufl.grad(u)), lam, mu, "none")
    phase = fracture.PhaseField(domain, psi_plus, 2.7e-3, 0.015, "AT2", prefix="b8c_d_")
    sigma = stress_and_energies(ufl.sym(ufl.grad(u)), lam, mu, "none", phase)
    fdim = domain.topology.dim - 1
    bottom, top = (facets.find(t) for t in (1, 2))
    U = fem.Constant(domain, 0.0)
    Vy = V.sub(1)
    top_y = fem.locate_dofs_topological(Vy, fdim, top)
    bcs = [fem.dirichletbc(np.zeros(2), fem.locate_dofs_topological(V, fdim, bottom), V),
           fem.dirichletbc(U, top_y, Vy)]
    mechanics = NonlinearProblem(ufl.inner(sigma, ufl.sym(ufl.grad(v))) * ufl.dx, u, bcs=bcs,
                                 petsc_options_prefix="b8c_u_",
                                 petsc_options=dict(MECHANICS, snes_atol=1e-12 * lam * 1e-3))
    # reaction = residual tested with the unit vertical field of the top dofs
    lift = fem.Function(V)
    fem.dirichletbc(fem.Constant(domain, 1.0), top_y, Vy).set(lift.x.array)
    reaction = fem.form(ufl.inner(sigma, ufl.sym(ufl.grad(lift))) * ufl.dx)
    Us, Fs, iterations = [], [], []
    for value in steps:
        U.value = value
        iterations.append(staggered(mechanics, phase, tol, max_it))
        phase.accept()
        Us.append(value)
        Fs.append(comm.allreduce(fem.assemble_scalar(reaction), op=MPI.SUM))
        if Fs[-1] < stop_fraction * max(Fs):
            break
    return SentResult(np.array(Us), np.array(Fs), iterations,
                      _damaged_cells(domain, phase.d, 0.9),
                      domain.topology.index_map(2).size_global)


def _damaged_cells(domain, d, threshold: float) -> np.ndarray:
    """Midpoints (x, y) of the cells whose mean nodal d exceeds ``threshold``, all ranks."""
    n = domain.topology.index_map(domain.topology.dim).size_local
    dofs = d.function_space.dofmap.list[:n]
    mean = d.x.array[dofs].mean(axis=1)
    cells = np.flatnonzero(mean > threshold).astype(np.int32)
    mid = mesh.compute_midpoints(domain, domain.topology.dim, cells)[:, :2]
    return np.concatenate(domain.comm.allgather(mid))
