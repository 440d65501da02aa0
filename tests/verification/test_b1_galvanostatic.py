"""B1 (physics.md part 3): galvanostatic insertion, one-way coupling, Cheng & Verbrugge 2009.

Table values (series with 4000 roots) in units of c* = j_n R/D and S_g = EΩ j_n R/(D(1−ν)).
Tolerances: 1-D P2 with BDF2, Δτ = 1e-4 → 1e-4 relative; 3-D octant h = R/10 and axisymmetric h = R/20, P2, Δτ = 4e-3 → 2 % once the
surface layer is resolved (τ ≥ 0.1; at τ = 0.05 the layer √τ R is under two elements thick).
"""

import pytest
from support import assert_close, probe_at, run

# τ: (σ_r(0), σ_r(R/2), σ_θ(R/2), σ_θ(R))  [S_g]
TABLE = {
    0.05: (0.032572, 0.029002, 0.023870, -0.054055),
    0.10: (0.053360, 0.042238, 0.030168, -0.062254),
    0.20: (0.064881, 0.048967, 0.032919, -0.066084),
}
STEADY = (1 / 15, 0.05, 1 / 30, -1 / 15)  # τ → ∞: σ_r = S_g(1−x²)/15, σ_θ = S_g(1−2x²)/15
CONCENTRATION_TAU_01 = (0.059878, 0.146138, 0.486762)  # (c − c_0)/c* at x = 0, ½, 1
T0 = 1000.0  # R²/D of the case (s)


def scales(case):
    m = case.materials["active"]
    c_star = case.protocol.steps[0].c_rate * m.c_max * case.geometry.radius**2 / (3 * 3600 * m.D)
    return c_star, m.E * m.Omega * c_star / (1 - m.nu)


def stresses(rows, s_g):
    return (rows["sigma_rr_Pa"][0] / s_g, rows["sigma_rr_Pa"][1] / s_g,
            rows["sigma_tt_Pa"][1] / s_g, rows["sigma_tt_Pa"][2] / s_g)


def check(case, out, rel, taus):
    c_star, s_g = scales(case)
    for tau in taus:
        rows = probe_at(out, tau * T0)
        assert_close(stresses(rows, s_g), TABLE[tau], rel, 0.03, f"stresses at τ = {tau}")
    rows = probe_at(out, 0.1 * T0)
    assert_close((rows["c_mol_m3"] - case.initial.soc * case.materials["active"].c_max) / c_star,
                 CONCENTRATION_TAU_01, rel * 10, 0.06, "concentration at τ = 0.1")
    return c_star, s_g


@pytest.mark.parallel
def test_b1_radial(tmp_path, verification_record):
    case, record = run("verification/b1_galvanostatic.yaml", tmp_path)
    assert record["status"] == "completed"
    c_star, s_g = check(case, tmp_path, 1e-4, TABLE)
    verification_record("B1 galvanostatic, radial P2, BDF2 Δτ = 1e-4",
                        "σ_r(0), σ_r(R/2), σ_θ(R/2), σ_θ(R) at τ = 0.05, 0.1, 0.2 (rel.)",
                        max(verification_record.relative(stresses(probe_at(tmp_path, tau * T0),
                                                                  s_g), TABLE[tau], 0.03)
                            for tau in TABLE), 1e-4)
    # long time: quasi-steady profile (τ = 0.5: table 0.06666 / −0.06667, within 1e-4)
    assert_close(stresses(probe_at(tmp_path, 0.5 * T0), s_g), STEADY, 2e-4, 0.03, "τ = 0.5")


@pytest.mark.parametrize("dimension, size", [("3d", "100 nm"), ("axisymmetric", "50 nm")])
def test_b1_octant(tmp_path, dimension, size, verification_record):
    case, _ = run("verification/b1_galvanostatic.yaml", tmp_path,
                  f"geometry.dimension={dimension}", f"geometry.mesh.size={size}",
                  "solver.dt.initial=4 s", "solver.dt.max=4 s",
                  "protocol.steps=[{insert: {c_rate: 1}, until: {time: 100 s}},"
                  " {insert: {c_rate: 1}, until: {time: 100 s}}]")
    _, s_g = check(case, tmp_path, 2e-2, (0.10, 0.20))
    verification_record(f"B1 galvanostatic, {dimension} h = {size}",
                        "σ_r(0), σ_r(R/2), σ_θ(R/2), σ_θ(R) at τ = 0.1, 0.2 (rel.)",
                        max(verification_record.relative(stresses(probe_at(tmp_path, tau * T0),
                                                                  s_g), TABLE[tau], 0.03)
                            for tau in (0.10, 0.20)), 2e-2)
