"""Finite-strain swelling elasticity in the reference configuration (physics.md 1b).

    F = F_e F_c,  F_c = J_c^{1/3} I,  J_c = V(θ)/V(θ_0)   (V(θ)/V(0) = 1 + βθ, β = Ω C_max, or a
    measured curve; stress-free at θ_0)
    W_e(F_e) = (G/2)(tr F_eᵀF_e − 3) − G ln J_e + (λ/2)(ln J_e)²     (compressible neo-Hookean)
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


def cauchy(P, F) -> ufl.core.expr.Expr:
    """σ = J^{−1} P Fᵀ."""
    return P * F.T / ufl.det(F)
