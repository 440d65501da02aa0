"""Species conditions at a heterointerface (physics.md 1g): a Sn core (a = 100 nm) in a
hard-carbon shell (to b = 125 nm), radial, transport only (no stress coupling, dilute mobility:
the problem is linear). Closed forms, non-dimensional (lengths / b, time / (b²/D_Sn), c / c_max,Sn,
volumes V = ∫ r² dr):

* bonded with partition coefficient K: after inflow and a rest the two hosts are in equilibrium,
  c_shell = K c_core, with the moles conserved: c_core = N/(V_core + K V_shell);
* resistance R (g = b/(D R)): under a constant inflow ĵ through the outer surface the solution
  becomes pseudo-steady, c rising at a in the core and K a in the shell, a = ĵ/(V_core + K
  V_shell); all the core takes crosses the interface, so the jump is
  c_core − c_shell/K = −a V_core/(g a²) = −a a/(3g) (exact for the discrete scheme too: testing
  the core's balance with 1 gives this identity, and backward Euler integrates linear growth
  exactly), reached once the transient has decayed;
* blocking: the core keeps its moles exactly and the shell takes all the inflow.
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem
from mpi4py import MPI
from support import CASES

from meshes import build
from solver.case import load_case
from solver.model import Model

A_CORE, T_SHELL = 100e-9, 25e-9


def model_with(interface: str) -> Model:
    case = load_case(CASES / "demo.yaml", [
        f"geometry={{kind: core_shell, core_radius: {A_CORE}, shell_thickness: {T_SHELL}, "
        "dimension: radial, mesh: {size: 2.5 nm, order: 1}}", "materials.shell={from: HC-Na}",
        "physics.stress_coupling=none", "physics.mobility=dilute", "initial.soc=0.1",
        f"interfaces=[{interface}]", "output.probes=[]"])
    return Model(case, build(case.geometry, MPI.COMM_WORLD))


def total(form) -> float:
    return MPI.COMM_WORLD.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)


def moles(model, role: str) -> float:
    """∫ c/c_max r² dr over one region (non-dimensional)."""
    return total(model.dV_region(role, model.regions.scale * model.theta))


def advance(model, j: float, dtau: float, steps: int) -> None:
    model.j_in.value = j
    for _ in range(steps):
        ok, _, _ = model.solve_step(dtau, "flux")
        assert ok
        model.accept()


def interface_jump(model, partition: float) -> float:
    """c_core − c_shell/K on the interface (non-dimensional), from the two sides' unknowns."""
    parts = ufl.split(model.w)
    s_shell = model.case.materials["shell"].c_max / model.case.materials["active"].c_max
    tag = model.domain.facet_ids["interface:active:shell"]
    dS = ufl.Measure("dS", model.mesh, subdomain_data=model.domain.facet_tags)(tag)
    jump = (parts[1]("+") - s_shell * parts[-2]("+") / partition) * dS
    return total(jump) / total(fem.Constant(model.mesh, 1.0) * dS)


def volumes(model) -> tuple[float, float]:
    return total(model.dV_region("active")), total(model.dV_region("shell"))


@pytest.mark.parallel
def test_partition_coefficient_sets_the_equilibrium_jump():
    K = 0.3
    model = model_with(f"{{between: [active, shell], partition: {K}}}")
    V_core, V_shell = volumes(model)
    n0 = moles(model, "active") + moles(model, "shell")
    j = 0.05
    advance(model, j, 0.05, 20)  # inflow over τ = 1 (outer area weight b² = 1)
    advance(model, 0.0, 1.0, 30)  # rest: equilibrate
    n = n0 + j * 1.0
    c_core = n / (V_core + K * V_shell)
    assert moles(model, "active") + moles(model, "shell") == pytest.approx(n, rel=1e-10)
    assert moles(model, "active") / V_core == pytest.approx(c_core, rel=1e-6)
    assert moles(model, "shell") / V_shell == pytest.approx(K * c_core, rel=1e-6)


@pytest.mark.parallel
@pytest.mark.parametrize("partition", [None, 0.3])
def test_interface_resistance_gives_the_exact_steady_jump(partition):
    case_K = "" if partition is None else f", partition: {partition}"
    probe = model_with("{between: [active, shell], condition: resistance, resistance: 1 s/m}")
    b, D = probe.scales.length, probe.case.materials["active"].D
    g = 2.0  # R = b/(D g)
    model = model_with(f"{{between: [active, shell], condition: resistance, "
                       f"resistance: {b / (D * g)}{case_K}}}")
    mats = model.case.materials
    K = partition or mats["shell"].c_max / mats["active"].c_max
    assert model.two_sides
    V_core, V_shell = volumes(model)
    j = 0.02
    advance(model, j, 0.1, 60)  # τ = 6: the slowest transient decays as exp(−τ/τ₁), τ₁ ≲ 0.5
    a = A_CORE / b
    rate = j / (V_core + K * V_shell)
    expected = -rate * a / (3 * g)
    assert interface_jump(model, K) == pytest.approx(expected, rel=1e-6)
    # both sides rise at the pseudo-steady rates
    before = moles(model, "active"), moles(model, "shell")
    advance(model, j, 0.1, 1)
    assert (moles(model, "active") - before[0]) / 0.1 == pytest.approx(rate * V_core, rel=1e-6)
    assert (moles(model, "shell") - before[1]) / 0.1 == pytest.approx(K * rate * V_shell,
                                                                       rel=1e-6)


@pytest.mark.parallel
def test_blocking_interface_conserves_each_region():
    model = model_with("{between: [active, shell], condition: blocking}")
    core0, shell0 = moles(model, "active"), moles(model, "shell")
    j = 0.02
    advance(model, j, 0.1, 10)
    assert moles(model, "active") == pytest.approx(core0, rel=1e-12)
    assert moles(model, "shell") == pytest.approx(shell0 + j * 1.0, rel=1e-10)
