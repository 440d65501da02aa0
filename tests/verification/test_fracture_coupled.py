"""Phase-field fracture inside the chemo-mechanical model (physics.md 1c with B8a's algebra).

A clamped box swells uniformly (θ uniform, the stress-free reference θ_0 moved): the elastic
strain is ε_e = −ε* I, ψ = (9K/2) ε*², so AT2 without split gives the homogeneous solution
d = 2ψ/(G_c/l + 2ψ) and σ = g(d) (−3K ε*) exactly, on any mesh, to solver tolerance — the
staggered iterations converge to it. With the volumetric–deviatoric split a compressed box
(tr ε_e < 0, dev ε_e = 0) stores no ψ⁺ and must not crack at all.
"""

import numpy as np
import pytest
from support import CASES, global_max, swell

from solver.case import load_case

E, NU, BETA = 30e9, 0.3, 0.3
GC, LENGTH = 2.0, 20e-9


# the AT2 strength of a bar with this E, G_c and l: (3√3/16)√(E G_c/l) (physics.md 1c)
STRENGTH = 3 * np.sqrt(3) / 16 * np.sqrt(E * GC / LENGTH)


def clamped_box(split, scale=f"length: {LENGTH}"):
    return load_case(CASES / "verification/b5_constrained_box.yaml", [
        "geometry.rollers=[x0, x1, y0, y1, z0, z1]", "geometry.mesh.size=0.5 um",
        f"materials.active.Gc={GC}",
        f"physics.fracture={{in: [particle], model: AT2, {scale}, split: {split}, "
        "staggered_tolerance: 1e-10}"])


@pytest.mark.parallel
@pytest.mark.parametrize("scale", [f"length: {LENGTH}", f"strength: {STRENGTH}"])
def test_homogeneous_damage_of_a_clamped_swelling_box(scale):
    """The same l given directly or through the strength it gives (AT2)."""
    case = clamped_box("none", scale)
    K = E / (3 * (1 - 2 * NU))
    theta = case.initial.soc
    for eps_star in (0.005, 0.01, 0.02):  # ψ from 0.3·G_c/l to 4.7·G_c/l: d from 0.2 to 0.8
        theta0 = theta - 3 * eps_star / BETA  # ε* = β(θ − θ_0)/3
        model, obs = swell(case, np.linspace(theta, theta0, 5)[1:])
        psi = 4.5 * K * eps_star**2
        d = 2 * psi / (GC / LENGTH + 2 * psi)
        damage = model.phase_field.d.x.array
        assert np.allclose(damage, d, rtol=1e-8, atol=0), (eps_star, d)
        sigma = ((1 - d) ** 2 + 1e-9) * (-3 * K * eps_star)
        sigma_h = obs.fields["sigma_h"].x.array
        assert np.allclose(sigma_h, sigma, rtol=1e-7, atol=0)
        assert obs.damage_fractions()["particle_damage_volume_fraction"] == (1.0 if d >= 0.9
                                                                             else 0.0)


@pytest.mark.parallel
def test_compression_does_not_crack_with_the_volumetric_deviatoric_split():
    case = clamped_box("volumetric_deviatoric")
    model, obs = swell(case, np.linspace(case.initial.soc, case.initial.soc - 0.2, 3)[1:])
    assert global_max(np.abs(model.phase_field.d.x.array)) <= 1e-12
    K = E / (3 * (1 - 2 * NU))
    assert np.allclose(obs.fields["sigma_h"].x.array, -3 * K * 0.02, rtol=1e-8)
