"""Finite-strain swelling elasticity in the reference configuration (physics.md 1b).

    F = F_e F_c,  F_c = J_c^{1/3} I,  J_c = V(θ)/V(θ_0)   (V(θ)/V(0) = 1 + βθ, β = Ω C_max, or a
    measured curve; stress-free at θ_0)
    W_e(F_e) = (G/2)(tr F_eᵀF_e − 3) − G ln J_e + (λ/2)(ln J_e)²     (compressible neo-Hookean)
    W_e(F_e) = G |dev E_e|² + (K/2)(tr E_e)²,  E_e = ½ ln C_e              (Hencky)
    ψ_R = J_c W_e(J_c^{−1/3} F),   P = ∂ψ_R/∂F,   σ = J^{−1} P Fᵀ
    mechanical chemical potential (1/c_max) ∂ψ_R/∂θ = −Ω(tr M_e/3 − W_e)/(1 + βθ_0),
    M_e = F_eᵀ ∂W_e/∂F_e   (derivatives taken by UFL in the model)

Stresses and energies in units of the reference modulus (the model is non-dimensional).
Plastic flow (F_p) is not part of this module.
"""

import ufl


def neo_hookean(F_e, lmbda, G) -> ufl.core.expr.Expr:
    """W_e = (G/2)(I_1 − 3) − G ln J_e + (λ/2)(ln J_e)² per unit intermediate volume."""
    ln_J = ufl.ln(ufl.det(F_e))
    return 0.5 * G * (ufl.tr(F_e.T * F_e) - 3) - G * ln_J + 0.5 * lmbda * ln_J**2


# terms of the series of Σ artanh²(z_i): truncation below 1e-10 for unimodular elastic stretches
# up to 1.3 (|z| ≤ 0.26) and below 1e-6 up to 1.6 (see ``log_strain_norm``)
LOG_SERIES_TERMS = 8


def hencky(F_e, lmbda, G) -> ufl.core.expr.Expr:
    """W_e = G |dev E_e|² + (K/2)(ln J_e)² per unit intermediate volume, E_e = ½ ln C_e,
    K = λ + 2G/3: tr E_e = ln J_e, and dev E_e = ½ ln C̄ with C̄ = J_e^{−2/3} C_e."""
    J = ufl.det(F_e)
    C_bar = J ** (-2 / 3) * F_e.T * F_e
    return G * log_strain_norm(C_bar) + 0.5 * (lmbda + 2 * G / 3) * ufl.ln(J) ** 2


def log_strain_norm(C_bar, terms: int = LOG_SERIES_TERMS) -> ufl.core.expr.Expr:
    """|½ ln C̄|² of a symmetric positive-definite C̄, from its invariants alone.

    With the eigenvalues λ_i of C̄ and z_i = (λ_i − 1)/(λ_i + 1) ∈ (−1, 1), ½ ln λ_i = artanh z_i
    and

        |½ ln C̄|² = Σ_i artanh² z_i = Σ_{n≥1} (H'_n/n) p_n,  p_n = Σ_i z_i^{2n},  H'_n = Σ_{k≤n} 1/(2k−1).

    The z_i are the roots of (1+z)³ − I₁(1+z)²(1−z) + I₂(1+z)(1−z)² − I₃(1−z)³ (the characteristic
    polynomial of C̄ under λ = (1+z)/(1−z)), so their elementary symmetric polynomials, those of
    the z_i², and the power sums p_n (Newton's identities) are scalar expressions in I₁, I₂, I₃:
    no eigenvalues, no inverse, smooth at repeated eigenvalues, cheap to differentiate twice.
    The error of ``terms`` terms is below 3 (H'_{n+1}/(n+1)) z^{2n+2}/(1 − z²), z = max|z_i|.
    """
    I1 = ufl.tr(C_bar)
    I2 = 0.5 * (I1**2 - ufl.inner(C_bar, C_bar))
    I3 = ufl.det(C_bar)
    a3 = 1 + I1 + I2 + I3  # = det(C̄ + I) > 0
    e1, e2, e3 = -(3 + I1 - I2 - 3 * I3) / a3, (3 - I1 - I2 + 3 * I3) / a3, -(1 - I1 + I2 - I3) / a3
    s1, s2, s3 = e1**2 - 2 * e2, e2**2 - 2 * e1 * e3, e3**2  # symmetric polynomials of z_i²
    p = [3, s1, s1 * s1 - 2 * s2, s1 * (s1 * s1 - 3 * s2) + 3 * s3]  # Newton's identities
    while len(p) <= terms:
        p.append(s1 * p[-1] - s2 * p[-2] + s3 * p[-3])
    total, odd_harmonic = 0, 0.0
    for n in range(1, terms + 1):
        odd_harmonic += 1 / (2 * n - 1)
        total += odd_harmonic / n * p[n]
    return total


ELASTIC_LAWS = {"neo_hookean": neo_hookean, "hencky": hencky}


def cauchy(P, F) -> ufl.core.expr.Expr:
    """σ = J^{−1} P Fᵀ."""
    return P * F.T / ufl.det(F)
