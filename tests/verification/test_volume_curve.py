"""A measured volume curve V(θ)/V(0) in place of the linear 1 + βθ (B4 with a table).

Free swelling of a particle at uniform θ is stress-free, so the swelling follows the curve
exactly on any mesh: J = J_c = V(θ)/V(θ_0) at finite strain, u_r(R) = R(J_c^{1/3} − 1); in
small strain tr ε = (V(θ) − V(θ_0))/V(0), u_r(R) = R tr ε/3. θ_0 is moved across several knots
of a staircase-like curve (solver tolerance, 1e-8).
"""

import numpy as np
import pytest
from support import CASES, global_max, swell

from solver.case import load_case

CURVE = [(0.0, 1.0), (0.3, 1.6), (0.6, 3.2), (1.0, 5.2)]
THETA = 0.9


def relative_volume(theta):
    return np.interp(theta, *zip(*CURVE))


@pytest.mark.parallel
@pytest.mark.parametrize("kinematics", ["small", "finite"])
@pytest.mark.parametrize("dimension", ["radial", "3d"])
def test_free_swelling_follows_the_volume_curve(dimension, kinematics):
    curve = "[" + ", ".join(f"[{t}, {v}]" for t, v in CURVE) + "]"
    case = load_case(CASES / "verification/b1_galvanostatic.yaml", [
        f"geometry.dimension={dimension}", "geometry.mesh.size=250 nm",
        f"physics.kinematics={kinematics}", "physics.stress_coupling=two_way",
        f"initial.soc={THETA}", "materials.active.expansion=null",
        f"materials.active.volume_curve={curve}"])
    assert case.materials["active"].expansion == pytest.approx(4.2)  # V(1)/V(0) − 1
    path = [THETA, 0.7, 0.5, 0.35, 0.2, 0.05]  # θ_0 steps over the knots at 0.6 and 0.3
    model, obs = swell(case, path)
    ratio = relative_volume(THETA) / relative_volume(path[-1])
    R = case.geometry.radius
    if kinematics == "finite":
        assert obs.volume_change_pct() == pytest.approx(100 * (ratio - 1), rel=1e-8)
        expected = R * (ratio ** (1 / 3) - 1)
    else:
        expected = R * (relative_volume(THETA) - relative_volume(path[-1])) / 3
    assert global_max(obs.fields["u_r"].x.array) == pytest.approx(expected, rel=1e-8)
    E = case.materials["active"].E
    assert global_max(np.abs(obs.fields["von_mises"].x.array)) <= 1e-8 * E
