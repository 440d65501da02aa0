"""B10 (physics.md part 3): SEI growth and the species the SEI takes.

Growth: solvent-diffusion limited, L² = L_0² + k t, k = 2 V̄ D_sol c_sol / z with PyBaMM's set
(V̄ = 9.585e-5 m³/mol, z = 2, D_sol = 2.5e-22 m²/s, c_sol = 2636 mol/m³, L_0 = 5 nm): the table's
thicknesses (to its 0.01 nm) and the 8.331e-4 mol/m² taken after a year.

Fresh surface: a particle that swells uniformly (D large, so θ is uniform and the body stress
free, λ = J_c^{1/3}) from θ_0 = 0.02 to 0.98 and back at 1C, with ε_c = 0 and h_new = 1 nm and no
growth, cracks its SEI over A_0(λ² − 1) and covers it with new SEI: z A_0 (λ² − 1) h_new / V̄ mol
(physics.md 1d (v)); the cycle's coulombic efficiency is then Q_out/Q_in = 1/(1 + Q_SEI/Q_particle)
with Q_SEI/Q_particle = 3 z h_new (λ² − 1)/(V̄ c_max R Δθ), up to the one-increment lag of the
SEI's uptake.
"""

import math

import numpy as np
import pytest
from support import run

from postprocess import readers
from solver.schema import SeiGrowth
from solver.sei import SurfaceSei

DAY = 86400.0
YEAR = 365.25 * DAY  # the table's year (365 days would give 44.91 nm)


@pytest.mark.parametrize("t, L_nm", [(3600.0, 5.02), (DAY, 5.52), (30 * DAY, 13.74),
                                     (YEAR, 44.93)])
def test_b10_growth_law(t, L_nm, verification_record):
    sei = SurfaceSei(SeiGrowth(), area0=1.0)
    assert sei.thickness(t)[0] * 1e9 == pytest.approx(L_nm, abs=0.005)
    verification_record("B10 SEI growth, solvent-diffusion limited",
                        f"thickness after {t:g} s (nm)", abs(sei.thickness(t)[0] * 1e9 - L_nm),
                        0.005)


def test_b10_species_taken_in_a_year():
    sei = SurfaceSei(SeiGrowth(), area0=1.0)  # 1 m² of SEI
    assert sei.content(YEAR) == pytest.approx(8.331e-4, rel=2e-4)


def test_fresh_surface_and_coulombic_efficiency(tmp_path):
    R, c_max, beta, z, h_new, V = 50e-9, 2.70e5, 2.5802, 2.0, 1e-9, 9.585e-5
    case, record = run("demo.yaml", tmp_path, *[
        f"geometry={{kind: sphere, radius: {R}, dimension: radial, mesh: {{size: 2 nm}}}}",
        "chemistry=Li", f"materials.active={{from: Sn-Li, c_max: {c_max}, expansion: {beta}, "
        "D: 1e-12}", "initial.soc=0.02", "physics.kinematics=finite",
        "physics.stress_coupling=two_way", "output.probes=[]",
        "physics.sei_growth={solvent_diffusivity: 0, critical_strain: 0, fresh_thickness: 1 nm}",
        "protocol.steps=[{insert: {c_rate: 1}, until: {soc: 0.98}}, "
        "{extract: {c_rate: 1}, until: {soc: 0.02}}]", "solver.dt.max=30 s"])
    cycle = readers.cycles(tmp_path)
    lam2 = ((1 + beta * 0.98) / (1 + beta * 0.02)) ** (2 / 3)
    area0 = 4 * math.pi * R**2
    lost = z * area0 * (lam2 - 1) * h_new / V
    assert cycle["inventory_lost_mol"][0] == pytest.approx(lost, rel=1e-6)
    # the species for an increment's fresh surface are taken in the next increment (explicit):
    # the last insertion increment's share (≈ 0.6 % of Q_SEI here) falls into the extraction
    # and moves the efficiency by ≈ 3e-5
    ratio = 3 * z * h_new * (lam2 - 1) / (V * c_max * R * 0.96)
    assert cycle["coulombic_efficiency"][0] == pytest.approx(1 / (1 + ratio), abs=5e-5)
    s = readers.summary(tmp_path)
    assert s["soc"][-1] == pytest.approx(0.02, abs=1e-9)  # SOC limits still hit exactly
    assert np.nanmax(s["soc"]) == pytest.approx(0.98, abs=1e-9)
    # ... aimed at by the charge balance (set current less the film's uptake), without trial
    # solves: every Newton iteration of the run belongs to an accepted increment
    assert record["rejected_steps"] == 0
    assert record["newton_iterations"] == np.nansum(s["newton_iterations"])
    assert np.nanmax(s["sei_cracked_area_fraction"]) == pytest.approx(1 - 1 / lam2, rel=1e-6)


def test_fracture_opened_surface_gets_fresh_sei_once():
    """Cracking from the phase field (``expose``), point by point: an open point's area beyond
    the largest it has had since it opened gets fresh film, z a h_new / V̄ mol per m², whatever
    the order; the points that cracked restart their film at h_new, the others keep theirs."""
    spec = SeiGrowth(solvent_diffusivity=0, fresh_thickness=1e-9)
    sei = SurfaceSei(spec, area0=np.full(4, 0.25))
    before = sei.content(0.0)
    sei.expose(1.0, area=np.full(4, 0.5), opened=[True, False, False, False])  # 0.5 m² opened
    sei.expose(2.0, area=np.full(4, 0.5), opened=[True, False, False, False])  # nothing new
    sei.expose(3.0, area=np.full(4, 0.375), opened=[True, True, False, False])  # 0.375 more
    sei.expose(4.0, area=np.full(4, 0.75), opened=[True, False, False, False])  # 0.25 more
    per_area = spec.species_per_unit * 1e-9 / spec.molar_volume
    assert sei.content(5.0) - before == pytest.approx(1.125 * per_area, rel=1e-12)
    assert sei.cracked_fraction() == pytest.approx((0.75 + 0.375) / 3.0)
    assert sei.point_thickness(5.0) == pytest.approx([1e-9, 1e-9, spec.initial_thickness,
                                                     spec.initial_thickness])
    assert sei.points["born"] == pytest.approx([4.0, 3.0, 0.0, 0.0])


def test_critical_strain_cracks_point_by_point():
    """Critical strain at each point (physics.md 1d (v)): a point stretched from a_0 to λ²a_0
    creates a_0 (λ² − (1 + ε_c)²) of fresh surface per cycle (the film conforms as it shrinks
    back), one held within (1 + ε_c)² none; the surface mean would hide part of it."""
    spec = SeiGrowth(solvent_diffusivity=0, fresh_thickness=1e-9, critical_strain=0.05)
    sei = SurfaceSei(spec, area0=np.ones(3))
    before = sei.content(0.0)
    stretched = np.array([1.5, 1.05, 1.2])
    for k in range(1, 11):  # out in ten increments, back, and out again at once
        sei.stretch(float(k), 1 + (stretched - 1) * k / 10)
    sei.stretch(11.0, np.ones(3))
    sei.stretch(12.0, stretched)
    fresh = np.maximum(stretched - 1.05**2, 0.0)
    per_area = spec.species_per_unit * 1e-9 / spec.molar_volume
    assert sei.content(13.0) - before == pytest.approx(2 * fresh.sum() * per_area, rel=1e-12)
    assert fresh.sum() > max(stretched.sum() - 3 * 1.05**2, 0.0)  # the surface mean hides it
    assert sei.point_thickness(13.0) == pytest.approx([1e-9, spec.initial_thickness, 1e-9])


def test_delaminated_faces_get_fresh_sei_once():
    """Faces opened by a cohesive interface (``open_surface``, the opened area so far): fresh
    film z A h_new / V̄ on each newly opened m², none twice."""
    spec = SeiGrowth(solvent_diffusivity=0, fresh_thickness=1e-9)
    sei = SurfaceSei(spec, area0=1.0)
    before = sei.content(0.0)
    for t, opened in ((1.0, 0.2), (2.0, 0.2), (3.0, 0.5)):
        sei.open_surface(t, opened)
    per_area = spec.species_per_unit * 1e-9 / spec.molar_volume
    assert sei.content(4.0) - before == pytest.approx(0.5 * per_area, rel=1e-12)


def test_sei_fracture_opens_the_surface_and_costs_coulombic_efficiency(tmp_path):
    """A 100 nm Sn particle with a meshed 10 nm NaF SEI (radial: a crack smeared over the
    shell), no initial film and no growth: the SEI cracks while sodiating (phase field, AT2),
    all of the interface opens at once (radial symmetry) and, as the open surface keeps
    growing, every new m² of it gets h_new of fresh film: the cycle loses z A_max h_new / V̄,
    A_max the largest surface area after the onset, A_0 (V_onset/V_0)^{2/3} ≤ A_max (the surface
    swells ahead of the mean) ≤ A_0 J_c(1)^{2/3} (held by the core, the surface stretches less
    than it would swell freely), and Q_out < Q_in."""
    case, _ = run("studies/sei_fracture_na.yaml", tmp_path, "geometry.radius=100 nm",
                  "physics.sei_growth.solvent_diffusivity=0",
                  "physics.sei_growth.form_initial=false")
    s, cycle = readers.summary(tmp_path), readers.cycles(tmp_path)
    cracked = s["sei_cracked_area_fraction"]
    onset = np.flatnonzero(cracked > 0)[0]
    assert 0.02 < s["soc"][onset] < 0.98 and cracked[onset] == pytest.approx(1.0)
    growth = case.physics.sei_growth
    area0 = 4 * math.pi * case.geometry.radius**2
    opened = cycle["inventory_lost_mol"][0] * growth.molar_volume / (
        growth.species_per_unit * growth.fresh_thickness)
    swell = 1 + s["volume_change_pct"] / 100
    beta, theta0 = case.materials["active"].expansion, case.initial.soc
    free = (1 + beta) / (1 + beta * theta0)
    assert area0 * swell[onset] ** (2 / 3) <= opened <= area0 * free ** (2 / 3)
    assert cycle["coulombic_efficiency"][0] < 1


def test_reaction_limited_growth_at_constant_and_stepped_potential():
    """Reaction law: dL/dt = V̄ i_0 exp(−αF(V − U_SEI)/(R_g T))/(z F), linear in time at a
    fixed potential; a patch born later grows by the same amount from its birth on; a potential
    step changes the rate from then on (PyBaMM's i_0 = 1.5e-7 A/m², U_SEI = 0.4 V)."""
    spec = SeiGrowth(model="reaction", solvent_diffusivity=0, fresh_thickness=1e-9)
    T, F, R = 298.15, 96485.33212, 8.314462618
    sei = SurfaceSei(spec, area0=1.0, temperature=T)

    def rate(V):
        return spec.molar_volume * spec.exchange_current * math.exp(
            -spec.transfer_coefficient * F * (V - spec.equilibrium_potential) / (R * T)) \
            / (spec.species_per_unit * F)
    sei.set_potential(0.0, 0.1)
    sei.expose(DAY, area=0.5, opened=True)  # a fresh patch born after a day (0.5 m² more)
    sei.set_potential(2 * DAY, 0.05)
    L = sei.thickness(3 * DAY)
    grown = rate(0.1) * 2 * DAY + rate(0.05) * DAY
    assert L[0] == pytest.approx(spec.initial_thickness + grown, rel=1e-12)
    assert L[1] == pytest.approx(1e-9 + grown - rate(0.1) * DAY, rel=1e-12)
