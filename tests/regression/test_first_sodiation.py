"""cases/sn_na_first_sodiation.yaml: the two-phase front of the first sodiation of Sn, made by a
diffusivity 1000x lower in the pristine host (physics.md 1e, D(θ) alternative).

While the front sweeps the particle the profile must be two-phase: pristine core (θ ≈ θ_0),
sodiated shell (θ above the switch θ* = 0.1 minus its width), a front a few nm wide between
them, and the SOC must equal the mass in the shell (probe integral, to the probe's resolution).
After the front has passed the particle fills as one phase (nearly uniform at C rate 1).
"""

import numpy as np
import pytest
from support import run

from postprocess import readers


@pytest.fixture(scope="module")
def front_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("front")
    case, record = run("sn_na_first_sodiation.yaml", out)
    return case, record, out


def test_two_phase_front(front_run):
    case, record, out = front_run
    assert record["status"] == "completed" and record["rejected_steps"] == 0
    profile = readers.profiles(out)["radial"]
    R = 100e-9
    checked = 0
    for t in np.unique(profile["time_s"]):
        p = readers.profile_at(profile, t)
        r, theta = p["r_m"], p["theta"]
        if theta[0] > 0.002 or theta[-1] < 0.05:
            continue  # no front inside the particle at this output
        front = r[np.argmax(theta > 0.03)]
        core, shell = theta[r < front - 5e-9], theta[r > front + 5e-9]
        assert np.all(np.abs(core - 0.001) < 2e-3), t  # pristine
        assert np.all(shell > 0.05), t  # sodiated
        soc = 3 * np.trapezoid(theta * r**2, r) / R**3
        s = readers.summary(out)
        assert soc == pytest.approx(np.interp(t, s["time_s"], s["soc"]), rel=0.02)
        checked += 1
    assert checked >= 1


def test_single_phase_after_the_front(front_run):
    _, _, out = front_run
    profile = readers.profiles(out)["radial"]
    p = readers.profile_at(profile, profile["time_s"].max())
    assert p["theta"].min() > 0.55 and p["theta"].max() - p["theta"].min() < 0.02
