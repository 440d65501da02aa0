"""Hencky law: the eigenvalue-free ln C̄ series and the Mandel stress UFL derives from it,
against numpy's eigendecomposition (an independent evaluation of the same closed forms)."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from solver.physics import hyperelasticity

G, LMBDA = 0.4, 0.6


def evaluate(expr_of, F_value):
    """Value of the tensor or scalar UFL expression ``expr_of(F)`` at a constant F."""
    domain = mesh.create_unit_cube(MPI.COMM_SELF, 1, 1, 1)
    F = fem.Constant(domain, np.asarray(F_value, dtype=float))
    expr = expr_of(F)
    dx = ufl.dx(domain, metadata={"quadrature_degree": 0})  # constant integrand, unit volume
    if not expr.ufl_shape:
        return fem.assemble_scalar(fem.form(expr * dx))
    return np.array([[fem.assemble_scalar(fem.form(expr[i, j] * dx)) for j in range(3)]
                     for i in range(3)])


def spd_log(C):
    w, v = np.linalg.eigh(C)
    return v @ np.diag(np.log(w)) @ v.T


def rotation(rng):
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def deformation(rng, stretches):
    """F = R diag(stretches) Q with random rotations."""
    return rotation(rng) @ np.diag(stretches) @ rotation(rng).T


def max_z(C_bar):
    """max |z_i|, z_i = (λ_i − 1)/(λ_i + 1) over the eigenvalues of C̄."""
    lam = np.linalg.eigvalsh(C_bar)
    return np.max(np.abs((lam - 1) / (lam + 1)))


def truncation_bound(C_bar):
    """3 (H'_{n+1}/(n+1)) z^{2n+2}/(1 − z²), z = max|z_i|: the documented series error."""
    n, z = hyperelasticity.LOG_SERIES_TERMS, max_z(C_bar)
    return 3 * np.sum(1 / (2 * np.arange(1, n + 2) - 1)) / (n + 1) * z ** (2 * n + 2) / (1 - z**2)


@pytest.mark.parametrize("stretches", [
    (1.1, 0.95, 1.02),     # elastic-strain range of metals: exact to round-off
    (1.3, 0.8, 1.0),       # |z_i| ≤ 0.26 (unimodular stretches ≤ 1.3): the documented 1e-10
    (1.2, 1.2, 1.2),       # isotropic: C̄ = I, all z_i = 0
    (1.25, 1.25, 0.7),     # repeated eigenvalues
    (3.0, 0.9, 0.8),       # far outside the elastic range: the bound still holds
])
def test_log_strain_norm_matches_eigendecomposition(stretches):
    rng = np.random.default_rng(1)
    F = deformation(rng, stretches)
    C = F.T @ F
    C_bar = C / np.linalg.det(C) ** (1 / 3)
    exact = np.sum((0.5 * spd_log(C_bar)) ** 2)
    series = evaluate(lambda F: hyperelasticity.log_strain_norm(
        ufl.det(F) ** (-2 / 3) * F.T * F), F)
    assert exact - series >= -1e-14  # every term of the series is non-negative
    assert exact - series <= truncation_bound(C_bar) + 1e-14
    if max_z(C_bar) <= 0.26:  # unimodular stretches within [1/1.3, 1.3]
        assert exact - series <= 1e-10


def test_truncation_bound():
    """The documented bound 3 (H'_{n+1}/(n+1)) z^{2n+2}/(1 − z²) holds for the scalar series of
    artanh² z (three equal |z_i|), and the tail is within a factor 2 of it."""
    n = hyperelasticity.LOG_SERIES_TERMS
    harmonic = np.cumsum(1 / (2 * np.arange(1, n + 2) - 1))
    for z in (0.6, 0.8):
        partial = sum(harmonic[k - 1] / k * z ** (2 * k) for k in range(1, n + 1))
        bound = harmonic[n] / (n + 1) * z ** (2 * n + 2) / (1 - z**2)
        assert 0.5 * bound <= np.arctanh(z) ** 2 - partial <= bound


@pytest.mark.parametrize("stretches", [(1.1, 0.95, 1.02), (1.05, 1.05, 1.05), (1.1, 1.1, 0.95)])
def test_hencky_mandel_stress(stretches):
    """M = Fᵀ ∂W/∂F = 2G dev E + K tr E I with E = ½ ln C, also at repeated eigenvalues,
    and W = G|dev E|² + (K/2)(tr E)²."""
    rng = np.random.default_rng(2)
    F = deformation(rng, stretches)
    E_log = 0.5 * spd_log(F.T @ F)
    dev = E_log - np.trace(E_log) / 3 * np.eye(3)
    K = LMBDA + 2 * G / 3
    expected = 2 * G * dev + K * np.trace(E_log) * np.eye(3)

    def mandel(F):
        F = ufl.variable(F)
        return F.T * ufl.diff(hyperelasticity.hencky(F, LMBDA, G), F)

    assert np.allclose(evaluate(mandel, F), expected, rtol=0, atol=1e-11)
    energy = G * np.sum(dev * dev) + 0.5 * K * np.trace(E_log) ** 2
    assert evaluate(lambda F: hyperelasticity.hencky(F, LMBDA, G), F) == pytest.approx(
        energy, rel=1e-11)
