"""B4 (free uniform swelling) and B5 (constrained cube), small strain (physics.md part 3).

A uniform θ increment Δθ relative to the stress-free state is imposed by moving the reference
θ_0 of the eigenstrain (θ itself stays uniform, so the transport equation holds exactly); one
solve then gives the elastic state, which is uniform and reproduced to round-off.
"""

import numpy as np
import pytest
from dolfinx import fem
from support import CASES, global_max, swell

from solver.case import load_case

E = 30e9
EPS_STAR = 0.01  # βΔθ/3


def swell_by(case, delta_theta):
    """Uniform swelling by Δθ relative to the stress-free state (one solve)."""
    return swell(case, [case.initial.soc - delta_theta])


@pytest.mark.parallel
@pytest.mark.parametrize("dimension, symmetry", [
    ("radial", "octant"), ("axisymmetric", "octant"), ("axisymmetric", "full"),
    ("3d", "octant"), ("3d", "full")])
def test_b4_free_swelling(dimension, symmetry, verification_record):
    case = load_case(CASES / "verification/b1_galvanostatic.yaml",
                     [f"geometry.dimension={dimension}", f"geometry.symmetry={symmetry}",
                      "geometry.mesh.size=250 nm", "physics.stress_coupling=two_way"])
    m = case.materials["active"]
    delta = 0.2
    model, obs = swell_by(case, delta)
    stress_scale = m.E
    for name in ("von_mises", "sigma_h", "sigma_rr", "sigma_tt"):
        assert global_max(np.abs(obs.fields[name].x.array)) <= 1e-8 * stress_scale, name
    verification_record(f"B4 free swelling, small strain, {dimension} {symmetry}",
                        "max |σ| / E (von Mises, σ_h, σ_rr, σ_θθ)",
                        max(global_max(np.abs(obs.fields[name].x.array)) for name in
                            ("von_mises", "sigma_h", "sigma_rr", "sigma_tt")) / stress_scale, 1e-8)
    # u_r = (βΔθ/3) r everywhere: compare on the surface (largest) and the centre
    expected = m.expansion * delta / 3 * case.geometry.radius
    assert global_max(obs.fields["u_r"].x.array) == pytest.approx(expected, rel=1e-8)
    # μ_mech = −Ωσ_h vanishes
    mu = model.w.sub(2).collapse().x.array
    assert global_max(np.abs(mu)) <= 1e-8 * model.chem_scale.value * model.beta.value  # 1e-8 Ξ


@pytest.mark.parallel
@pytest.mark.parametrize("rollers, expected", [
    ("[x0, x1, y0, y1, z0, z1]", {"xx": -750e6, "yy": -750e6, "zz": -750e6}),  # −Eε*/(1−2ν)
    ("[x0, x1, y0, z0]", {"xx": -300e6, "yy": 0.0, "zz": 0.0}),                 # −Eε*
    ("[x0, x1, y0, y1, z0]", {"xx": -E * EPS_STAR / 0.7, "yy": -E * EPS_STAR / 0.7, "zz": 0.0}),
])
def test_b5_constrained_cube(rollers, expected, verification_record):
    case = load_case(CASES / "verification/b5_constrained_box.yaml", [f"geometry.rollers={rollers}"])
    model, _ = swell_by(case, 3 * EPS_STAR / case.materials["active"].expansion)
    V = fem.functionspace(model.mesh, ("DG", 1))
    axes = {"xx": 0, "yy": 1, "zz": 2}
    sigma = model.stress(model.u, model.theta)
    for key, value in expected.items():
        f = fem.Function(V)
        i = axes[key]
        f.interpolate(fem.Expression(E * sigma[i, i], V.element.interpolation_points))
        err = global_max(np.abs(f.x.array - value))
        assert err <= 1e-8 * E, (key, err)
        verification_record("B5 constrained cube, small strain", f"σ_{key} − closed form, in "
                            f"units of E (rollers {rollers})", err / E, 1e-8)
    # free strains: uniaxial ε_yy = (1+ν)ε*, biaxial ε_zz = ε*(1+ν)/(1−ν)
    eps = model.eps
    free = {"[x0, x1, y0, z0]": (1, 1.3 * EPS_STAR),
            "[x0, x1, y0, y1, z0]": (2, EPS_STAR * 1.3 / 0.7)}.get(rollers)
    if free:
        i, value = free
        f = fem.Function(V)
        f.interpolate(fem.Expression(eps[i, i], V.element.interpolation_points))
        assert global_max(np.abs(f.x.array - value)) <= 1e-10
