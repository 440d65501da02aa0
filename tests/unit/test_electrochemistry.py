"""Butler–Volmer kinetics and the OCV staircase (physics.md 1f, B11 sanity values)."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from solver.physics import electrochemistry as ec

F, R, T = 96485.33212, 8.314462618, 298.15
f = F / (R * T)
DOMAIN = mesh.create_unit_interval(MPI.COMM_SELF, 1)


def value(expr) -> float:
    """A spatially constant UFL expression, by integrating it over the unit interval."""
    return fem.assemble_scalar(fem.form(expr * ufl.dx(domain=DOMAIN)))


@pytest.mark.parametrize("eta, current", [(0.01, 0.39168), (0.05, 2.26805), (0.1, 6.85841)])
def test_butler_volmer_sanity_values(eta, current):
    """i_0 = 1 A/m², α = 1/2 (physics.md B11): an anodic overpotential extracts (i < 0)."""
    assert value(ec.butler_volmer(eta, 1.0, f)) == pytest.approx(-current, abs=5e-6)
    assert value(ec.butler_volmer(-eta, 1.0, f)) == pytest.approx(current, abs=5e-6)


@pytest.mark.parametrize("eta", [-0.5, -0.1, -1e-3, -1e-7, 1e-7, 1e-3, 0.1, 0.5])
@pytest.mark.parametrize("i0", [1e-3, 1.0, 30.0])
def test_asinh_inverts_butler_volmer_exactly(eta, i0):
    current = ec.butler_volmer(eta, i0, f)
    assert value(ec.overpotential(current, i0, f)) == pytest.approx(eta, rel=1e-12, abs=1e-15)  # V


def test_exchange_current_dependence():
    i0 = lambda th, ratio=1.0: value(ec.exchange_current(th, 2.0, ratio))  # noqa: E731
    assert i0(0.5) == pytest.approx(2.0, rel=1e-14)
    assert i0(0.1) == pytest.approx(2.0 * 2 * np.sqrt(0.09), rel=1e-14)
    assert i0(0.5, 4.0) == pytest.approx(4.0, rel=1e-14)  # sqrt(c_e/c_ref)
    assert 0 < i0(1.0) < 1e-5 and np.isfinite(i0(1.2))  # clipped, never NaN


PLATEAUS = [(0.004, 1.5), (0.053, 0.40), (0.267, 0.20), (0.60, 0.15), (1.0, 0.05)]


def staircase_reference(theta, w=0.01, a=0.3):
    """physics.md 1f written out independently for the plateaus above."""
    U = [u for _, u in PLATEAUS]
    ends = [e for e, _ in PLATEAUS]
    steps = sum((U[k] - U[k + 1]) * 0.5 * (1 - np.tanh((theta - ends[k]) / w))
                for k in range(len(U) - 1))
    return U[-1] + steps - a / f * np.log(theta / (1 - theta))


@pytest.mark.parametrize("theta", [0.001, 0.03, 0.16, 0.4, 0.8, 0.999])
def test_staircase_matches_its_formula(theta):
    assert value(ec.staircase(fem.Constant(DOMAIN, theta), PLATEAUS, 0.01, 0.3, f)) == \
        pytest.approx(staircase_reference(theta), rel=1e-13)


def test_staircase_has_the_plateaus_and_decreases():
    theta = np.linspace(1e-4, 1 - 1e-4, 2001)
    U = staircase_reference(theta)
    assert np.all(np.diff(U) < 0)
    for (start, _), (end, u) in zip(PLATEAUS[:-1], PLATEAUS[1:]):
        if end - start < 10 * 0.01:
            continue  # narrower than ten step widths: no flat middle
        middle = 0.5 * (start + end)  # mid-plateau: the level up to the log slope
        assert staircase_reference(middle) == pytest.approx(u, abs=0.3 / f * abs(
            np.log(middle / (1 - middle))) + 1e-6)
