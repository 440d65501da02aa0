"""Cohesive delamination (physics.md 1g): a Sn film (100 nm) on a Cu substrate (40 nm),
bonded by a bilinear traction–separation law, is pulled off (axisymmetric disk patch, lateral
rollers: uniaxial strain; the top face lifted by U, the substrate's bottom clamped; no species,
no swelling) until the interface has fully opened.

Energy balance: once the film hangs free the bodies hold no elastic energy, so the work of the
pull, ∫F dU, is the energy the interface dissipated: G_c × area, whatever the bulk compliance.
The uniform opening and the trapezoid rule over 240 load steps make it exact up to the
discretisation of the load path (1e-3; the issue asks 5 %). The opening field gives the
delaminated area: all of it at the end.
"""

import numpy as np
import pytest
from dolfinx import fem
from dolfinx.la import InsertMode
from mpi4py import MPI
from support import CASES

from meshes import build

from solver import solvers
from solver.case import load_case
from solver.model import Model

THICKNESS, WIDTH, SUBSTRATE = 100e-9, 100e-9, 40e-9
STRENGTH, GC = 100e6, 1.0


def global_sum(value) -> float:
    return MPI.COMM_WORLD.allreduce(value, op=MPI.SUM)


@pytest.mark.parallel
def test_pulled_film_dissipates_gc_times_area():
    case = load_case(CASES / "geometries" / "film_sn_cu.yaml", [
        f"geometry={{kind: film, thickness: {THICKNESS}, width: {WIDTH}, substrate_thickness: "
        f"{SUBSTRATE}, dimension: axisymmetric, mesh: {{size: 10 nm, order: 1}}}}",
        "physics.stress_coupling=none",
        f"interfaces=[{{between: [active, substrate], condition: cohesive, strength: "
        f"{STRENGTH}, fracture_energy: {GC}}}]"])
    model = Model(case, build(case.geometry, MPI.COMM_WORLD))
    assert model.detached and not model.two_sides  # Cu takes no species
    E, L = model.scales.stress, model.scales.length
    V = model.W.sub(0).sub(1)  # the film's u_z
    top = model.domain.facet_tags.find(model.domain.facet_ids["top"])
    dofs = fem.locate_dofs_topological(V, 1, top)
    lift = fem.Constant(model.mesh, 0.0)
    options = solvers.petsc_options(case.solver, "direct", {})
    problem = model._problem(model.residual, model.bcs + [fem.dirichletbc(lift, dofs, V)],
                             "cohesive_test_", options)
    residual = fem.form(model.residual)
    n_owned = model.W.dofmap.index_map.size_local * model.W.dofmap.index_map_bs

    def force() -> float:
        """The pull on the top face (non-dimensional, per 2π)."""
        r = fem.assemble_vector(residual)
        r.scatter_reverse(InsertMode.add)
        return global_sum(float(r.array[dofs[dofs < n_owned]].sum()))

    final = 2 * GC / STRENGTH / L
    loads = np.linspace(0.0, 1.2 * final, 241)
    forces = [0.0]
    for U in loads[1:]:
        lift.value = U
        problem.solve()
        assert problem.solver.getConvergedReason() > 0, U
        model.accept()
        forces.append(force())
    forces = np.array(forces)
    area = (WIDTH / 2 / L) ** 2 / 2  # ∫ r dr over the disk, per 2π
    assert np.trapezoid(forces, loads) == pytest.approx(GC / (E * L) * area, rel=1e-3)
    assert forces.max() == pytest.approx(STRENGTH / E * area, rel=1e-2)  # peak: σ_max × area
    assert abs(forces[-1]) < 1e-5 * forces.max()  # the residual stiffness η = 1e-8 of K
    assert model.mesh.comm.allreduce(model.opening_max.x.array.max(initial=0.0),
                                     op=MPI.MAX) >= final
