"""Voltage-controlled and composite protocol steps through the whole time loop (physics.md 1f).

A 100 nm Sn particle with Na (radial, small strain, elastic, two-way coupling) and the library's
Sn–Na OCV staircase. After relaxation the particle is uniform and stress-free, so its voltage
must be the OCV of the branch in use at the mean θ, and a voltage hold must end at the θ where
that OCV equals the held voltage. The OCV is evaluated here from physics.md 1f with the
library's plateaus, independently of the code.
"""

import numpy as np
import pytest
from scipy.optimize import brentq
from support import run

from postprocess import readers
from solver import materials

F, R, T = 96485.33212, 8.314462618, 298.15
F_RT = F / (R * T)
SMALL = ("physics.kinematics=small", "physics.plasticity=none", "initial.soc=0.02",
         "solver.dt.max=20 s", "output.probes=[]")


def ocv(theta, branch):
    """physics.md 1f staircase with the library's Sn–Na plateaus of ``branch``."""
    data = materials.properties("Sn-Na")["ocv"][branch]
    ends = [e for e, _ in data["plateaus"]]
    U = [float(u.split()[0]) for _, u in data["plateaus"]]
    w, a = data["width"], data["log_slope"]
    steps = sum((U[k] - U[k + 1]) * 0.5 * (1 - np.tanh((theta - ends[k]) / w))
                for k in range(len(U) - 1))
    return U[-1] + steps - a / F_RT * np.log(theta / (1 - theta))


def protocol(*steps: str) -> str:
    return "protocol.steps=[" + ", ".join(steps) + "]"


@pytest.mark.parallel
def test_gitt_relaxes_to_the_ocv(tmp_path):
    """Pulses of 6 min at 1C, 30 min rests (18 diffusion times R²/D), until SOC 0.35: every rest
    ends within 1 mV of U_ins(SOC); the last pulse stops on the SOC limit, with no rest after."""
    case, record = run("sn_na_voltage.yaml", tmp_path, *SMALL, "protocol.cycles=1", protocol(
        "{gitt: {direction: insert, c_rate: 1, pulse: 6 min, rest: 30 min}, until: {soc: 0.35}}"))
    assert record["status"] == "completed"
    s = readers.summary(tmp_path)
    rest_ends = [k for k in range(1, len(s["time_s"]) - 1)
                 if s["current_A"][k] == 0 and s["current_A"][k + 1] != 0]
    assert len(rest_ends) == 3  # SOC 0.12, 0.22, 0.32, then the pulse that reaches 0.35
    for k in rest_ends:
        assert s["voltage_V"][k] == pytest.approx(ocv(s["soc"][k], "insertion"), abs=1e-3)
    assert s["soc"][-1] == pytest.approx(0.35, abs=1e-9) and s["current_A"][-1] > 0
    assert s["soc"][rest_ends] == pytest.approx([0.12, 0.22, 0.32], abs=1e-9)


def test_voltage_hold_reaches_the_equilibrium_theta(tmp_path):
    """Hold at 0.18 V (between the 0.20 and 0.15 V plateaus) until the current falls to C/2000:
    the particle fills to the θ with U_ins(θ) = 0.18 V. The cut-off leaves a residual
    overpotential of order (2/f) asinh(i/2i_0) < 1e-6 V; with |dU/dθ| ≥ 1 V per unit θ at
    that step, θ is within 1e-4."""
    case, record = run("sn_na_voltage.yaml", tmp_path, *SMALL, "protocol.cycles=1", protocol(
        "{hold: {voltage: 0.18 V}, until: {current: C/2000, time: 10 h}}"))
    s = readers.summary(tmp_path)
    theta_eq = brentq(lambda th: ocv(th, "insertion") - 0.18, 0.1, 0.5)
    assert s["soc"][-1] == pytest.approx(theta_eq, abs=1e-4)
    assert s["time_s"][-1] < 10 * 3600  # ended on the current, not the time
    assert np.all(s["voltage_V"][1:] == 0.18)


def test_cccv_sweep_and_current_units(tmp_path):
    """CCCV: the constant-current phase ends exactly at its voltage; a sweep moves the voltage
    linearly at its rate and ends on its target; 0.847 A/g and 0.2055 A/m² are 1C for this
    particle (capacity c_max F/(3600 ρ) = 845.9 mAh/g; i_1C = F c_max R/(3·3600 s)); until
    capacity is exact."""
    i_1c = F * 2.30e5 * 100e-9 / (3 * 3600)
    case, record = run("sn_na_voltage.yaml", tmp_path, *SMALL, "protocol.cycles=1", protocol(
        "{insert: {current: 0.4235 A/g}, until: {capacity: 100 mAh/g}}",
        f"{{insert: {{current: {i_1c / 2!r} A/m^2}}, until: {{capacity: 50 mAh/g}}}}",
        "{cccv: {direction: insert, c_rate: 1, voltage: 0.17 V}, until: {current: C/100}}",
        "{rest: 20 min}",
        "{sweep: {to: 0.5 V, rate: 0.1 mV/s}}"))
    s = readers.summary(tmp_path)
    per_soc = 2.30e5 * F / (3600 * 7287)  # mAh/g at θ = 1
    step = s["step"]
    rate = np.diff(s["soc"]) / np.diff(s["time_s"])
    assert np.allclose(rate[step[1:] == 1], 0.4235e3 / per_soc / 3600, rtol=1e-8)
    assert np.allclose(rate[step[1:] == 2], 0.5 / 3600, rtol=1e-8)
    end1, end2 = np.flatnonzero(step == 1)[-1], np.flatnonzero(step == 2)[-1]
    assert (s["soc"][end1] - 0.02) * per_soc == pytest.approx(100, abs=1e-6)
    assert (s["soc"][end2] - s["soc"][end1]) * per_soc == pytest.approx(50, abs=1e-6)
    cc = (step == 3) & (s["voltage_V"] != 0.17)
    assert s["voltage_V"][np.flatnonzero(cc)[-1]] == pytest.approx(0.17, abs=1e-6)
    cv = np.flatnonzero((step == 3) & (s["voltage_V"] == 0.17))
    assert len(cv) > 3 and np.all(s["current_A"][cv] > 0)
    sweep = np.flatnonzero(step == 5)
    start = sweep[0] - 1
    assert np.allclose(s["voltage_V"][sweep], s["voltage_V"][start] + 1e-4 * (
        s["time_s"][sweep] - s["time_s"][start]), rtol=0, atol=1e-12)
    assert s["voltage_V"][sweep[-1]] == pytest.approx(0.5, abs=1e-12)
    assert np.all(s["current_A"][sweep] < 0)  # sweeping up extracts


def test_film_ohmic_drop(tmp_path):
    """Under current control the film resistance lowers V by exactly i R_film (the transport,
    hence U_eq and η, does not see it): two runs with R_film = 0 and 0.5 Ω m² differ by −i R
    in every row; with an SEI of physics.sei_growth (no cracking: ε_c large) V − U_eq moves by
    −i ρ_SEI L_mean with the film of the previous increment."""
    steps = protocol("{insert: {c_rate: 1}, until: {soc: 0.2}}")
    i = F * 2.30e5 * 100e-9 / (3 * 3600)  # A/m² at 1C
    runs = {}
    for name, extra in (("bare", ()), ("film", ("electrochemistry.film_resistance=0.5",)),
                        ("sei", ("physics.sei_growth={critical_strain: 10, resistivity: 1e8}",))):
        run("sn_na_voltage.yaml", tmp_path / name, *SMALL, "protocol.cycles=1", steps, *extra)
        runs[name] = readers.summary(tmp_path / name)
    bare, film, sei = runs["bare"], runs["film"], runs["sei"]
    assert np.allclose(film["voltage_V"][1:] - bare["voltage_V"][1:], -0.5 * i, atol=1e-9)
    drop = sei["voltage_V"][1:] - sei["equilibrium_voltage_V"][1:] - (
        bare["voltage_V"][1:] - bare["equilibrium_voltage_V"][1:])
    L = np.concatenate([[5e-9], sei["sei_thickness_mean_m"][1:-1]])  # the previous increment's
    # (the SEI's uptake moves θ_s, hence i_0 and η, by a few 1e-5 V)
    assert np.allclose(drop, -i * 1e8 * L, rtol=0, atol=5e-5)
