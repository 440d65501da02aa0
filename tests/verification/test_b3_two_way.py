"""B3 (physics.md part 3): two-way coupled free sphere = nonlinear diffusion D(1 + ϑc).

The table (finite volumes, N = 400/1600 agree to 1e-5) is for c_0 = 0 and galvanostatic
insertion, in units of c* = j_n R/D and S_g = EΩc*/(1−ν); β_c = ϑc*. The full (u, θ, μ)
model must reproduce it: 1e-3 in 1-D. E is chosen so that ϑc* equals the table's β_c.
"""

import itertools

import pytest
from support import CASES, assert_close, probe_at, run

from solver.case import load_case
from solver.model import R_GAS

# β_c: {τ: (c(R), c(0), σ_r(0), σ_θ(R), σ_h(R))}
TABLE = {
    0.2257: {0.05: (0.30696, 0.00350, 0.03256, -0.05232, -0.03488),
             0.10: (0.47582, 0.06242, 0.05280, -0.05861, -0.03907),
             0.20: (0.77585, 0.32647, 0.06079, -0.05862, -0.03908)},
    1.0: {0.05: (0.29232, 0.00375, 0.03250, -0.04744, -0.03163),
          0.10: (0.44770, 0.07181, 0.05071, -0.04923, -0.03282),
          0.20: (0.72703, 0.38326, 0.04816, -0.04234, -0.02823)},
}


# under 2 ranks too for the strongest coupling (the weaker one adds nothing there but time)
@pytest.mark.parametrize("beta_c", [0.2257, pytest.param(1.0, marks=pytest.mark.parallel)])
def test_b3_radial(tmp_path, beta_c, verification_record):
    base = load_case(CASES / "verification/b3_two_way.yaml")
    m, R = base.materials["active"], base.geometry.radius
    c_star = base.protocol.steps[0].c_rate * m.c_max * R**2 / (3 * 3600 * m.D)
    E = beta_c * 9 * R_GAS * base.temperature * (1 - m.nu) / (2 * m.Omega**2 * c_star)
    case, record = run("verification/b3_two_way.yaml", tmp_path, f"materials.active.E={E!r}")
    assert record["status"] == "completed"
    s_g = E * m.Omega * c_star / (1 - m.nu)
    ends = itertools.accumulate(s.until_time for s in case.protocol.steps)  # τ = 0.05, 0.1, 0.2
    for t, (tau, expected) in zip(ends, TABLE[beta_c].items()):
        assert abs(t * m.D / R**2 - tau) < 1e-6
        rows = probe_at(tmp_path, t)
        got = (rows["c_mol_m3"][2] / c_star, rows["c_mol_m3"][0] / c_star,
               rows["sigma_rr_Pa"][0] / s_g, rows["sigma_tt_Pa"][2] / s_g,
               rows["sigma_h_Pa"][2] / s_g)
        assert_close(got, expected, 1e-3, 0.03, f"β_c = {beta_c}, τ = {tau}")
        verification_record(f"B3 two-way, radial, β_c = {beta_c}", f"c(R), c(0), σ_r(0), "
                            f"σ_θ(R), σ_h(R) at τ = {tau} (rel.)",
                            verification_record.relative(got, expected, 0.03), 1e-3)


def test_b3_octant(tmp_path, verification_record):
    """3-D octant, h = R/10, P2, β_c = 1 (strongest coupling of the table): 2 % at τ = 0.1, 0.2."""
    base = load_case(CASES / "verification/b3_two_way.yaml")
    m, R = base.materials["active"], base.geometry.radius
    c_star = base.protocol.steps[0].c_rate * m.c_max * R**2 / (3 * 3600 * m.D)
    E = 9 * R_GAS * base.temperature * (1 - m.nu) / (2 * m.Omega**2 * c_star)
    steps = base.protocol.steps
    case, _ = run("verification/b3_two_way.yaml", tmp_path, f"materials.active.E={E!r}",
                  "geometry.dimension=3d", "geometry.mesh.size=500 nm",
                  "solver.dt.initial=7.0621 s", "solver.dt.max=7.0621 s",
                  f"protocol.steps=[{{insert: {{c_rate: {steps[0].c_rate}}}, until: {{time: "
                  f"{2 * steps[0].until_time} s}}}}, {{insert: {{c_rate: {steps[0].c_rate}}}, "
                  f"until: {{time: {steps[2].until_time} s}}}}]")
    s_g = E * m.Omega * c_star / (1 - m.nu)
    for t, tau in ((2 * steps[0].until_time, 0.1), (2 * steps[0].until_time + steps[2].until_time,
                                                    0.2)):
        rows = probe_at(tmp_path, t)
        got = (rows["c_mol_m3"][2] / c_star, rows["sigma_rr_Pa"][0] / s_g,
               rows["sigma_tt_Pa"][2] / s_g)
        expected = TABLE[1.0][tau]
        assert_close(got, (expected[0], expected[2], expected[3]), 2e-2, 0.03, f"τ = {tau}")
        verification_record("B3 two-way, 3-D octant h = R/10, β_c = 1",
                            f"c(R), σ_r(0), σ_θ(R) at τ = {tau} (rel.)",
                            verification_record.relative(
                                got, (expected[0], expected[2], expected[3]), 0.03), 2e-2)
