"""Two materials: a core that swells uniformly, bonded to an elastic shell (small strain).

Lamé solution of the composite sphere (derived here, not taken from the code): core
u = A r, σ_rr = σ_θθ = 3K_c(A − ε*); shell u = B r + C/r², σ_rr = 3K_s B − 4G_s C/r³,
σ_θθ = 3K_s B + 2G_s C/r³; u and σ_rr continuous at r = a, σ_rr(b) = 0. The core's eigenstrain
ε* = β Δθ/3 comes from moving its stress-free reference θ_0 (θ itself uniform, so transport is
at rest); the shell (Co, elastic) neither takes species nor swells. The P2 displacement spans
the exact core field and the shell's r + 1/r² only approximately: the core stress radial to
1e-6, the shell hoop stress (a P1 stress of an r⁻³ field, h = 1 nm) to 1e-4; 3-D octant
(faceted interface, h = 12 nm): the mean core stress to 1 %, the hoop stress to 3 %.
"""

import numpy as np
import pytest
from dolfinx import fem
from mpi4py import MPI
from support import CASES, global_max, swell

from solver.case import load_case

A_CORE, T_SHELL, DTHETA = 100e-9, 25e-9, 0.01


def lame(a, b, eps, Ec, nuc, Es, nus):
    Kc, Ks, Gs = Ec / (3 * (1 - 2 * nuc)), Es / (3 * (1 - 2 * nus)), Es / (2 * (1 + nus))
    # unknowns A, B, C
    M = np.array([[a, -a, -1 / a**2],
                  [3 * Kc, -3 * Ks, 4 * Gs / a**3],
                  [0, 3 * Ks, -4 * Gs / b**3]])
    A, B, C = np.linalg.solve(M, [0, 3 * Kc * eps, 0])
    core = 3 * Kc * (A - eps)
    hoop = lambda r: 3 * Ks * B + 2 * Gs * C / r**3  # noqa: E731
    return core, hoop


def integral(form) -> float:
    return MPI.COMM_WORLD.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)


@pytest.mark.parallel
@pytest.mark.parametrize("dimension, size, rel, rel_hoop", [("radial", "1 nm", 1e-6, 1e-4),
                                                            ("3d", "12 nm", 0.01, 0.03)])
def test_swelling_core_in_elastic_shell(dimension, size, rel, rel_hoop):
    case = load_case(CASES / "demo.yaml", [
        f"geometry={{kind: core_shell, core_radius: {A_CORE}, shell_thickness: {T_SHELL}, "
        f"dimension: {dimension}, mesh: {{size: {size}}}}}",
        "materials.shell={from: Co}", "physics.stress_coupling=two_way", "initial.soc=0.5",
        "output.probes=[]"])
    active, shell = case.materials["active"], case.materials["shell"]
    model, obs = swell(case, [0.5 - DTHETA])
    eps = active.expansion * DTHETA / 3
    core, hoop = lame(A_CORE, A_CORE + T_SHELL, eps, active.E, active.nu, shell.E, shell.nu)
    # the core is in uniform hydrostatic compression: its mean σ_h (3-D: the cells along the
    # faceted interface deviate by a few %)
    mean = integral(model.dV_region("active", obs.fields["sigma_h"])) / integral(
        model.dV_region("active"))
    assert mean == pytest.approx(core, rel=rel) and core < 0
    # the outer shell surface carries the Lamé hoop tension
    outer = global_max(obs.extrema()["surface_hoop_max_Pa"] * np.ones(1))
    assert outer == pytest.approx(hoop(A_CORE + T_SHELL), rel=rel_hoop)
    # at the interface: the core's pressure on one side, the shell's tension on the other
    at_interface = obs.extrema()
    assert at_interface["interface_hydrostatic_max_Pa"] > 0
    assert at_interface["interface_von_mises_max_Pa"] > 0.5 * abs(core)


@pytest.mark.parallel
def test_species_cross_a_host_shell(tmp_path):
    """Na enters a Sn core through a hard-carbon shell (both hosts, θ continuous): the SOC
    weighted by c_max moves at exactly C/3600 per second, and after a rest θ is uniform, so the
    concentration jumps at the interface by c_max,HC/c_max,Sn."""
    from postprocess import readers
    from support import run

    case, record = run("demo.yaml", tmp_path, *[
        f"geometry={{kind: core_shell, core_radius: {A_CORE}, shell_thickness: {T_SHELL}, "
        "dimension: radial, mesh: {size: 2 nm}}", "materials.shell={from: HC-Na}",
        "physics.stress_coupling=one_way", "output.probes=[{name: radial, direction: [1, 0, 0],"
        " points: 126}]", "protocol.steps=[{insert: {c_rate: 1}, until: {soc: 0.2}}, "
        "{rest: 2 h}]", "solver.dt.max=30 s"])
    s = readers.summary(tmp_path)
    inserting = s["step"][1:] == 1
    rate = np.diff(s["soc"]) / np.diff(s["time_s"])
    assert np.allclose(rate[inserting], 1 / 3600, rtol=1e-8)
    assert s["soc"][-1] == pytest.approx(0.2, abs=1e-9)  # the rest conserves the species
    profile = readers.profiles(tmp_path)["radial"]
    p = readers.profile_at(profile, profile["time_s"].max())
    assert np.allclose(p["theta"], 0.2, atol=1e-6)
    inside, outside = p["r_m"] < A_CORE - 1e-12, p["r_m"] > A_CORE + 1e-12
    ratio = case.materials["shell"].c_max / case.materials["active"].c_max
    c_max = case.materials["active"].c_max
    assert np.allclose(p["c_mol_m3"][inside], 0.2 * c_max, rtol=1e-5)
    assert np.allclose(p["c_mol_m3"][outside], 0.2 * c_max * ratio, rtol=1e-5)
