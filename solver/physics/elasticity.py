"""Isotropic linear elasticity with a swelling eigenstrain (physics.md 1a).

    ε = ε_e + ε_c,  ε_c = (β/3)(θ − θ_0) I,  β = Ω c_max
    ψ(ε_e) = (λ/2)(tr ε_e)² + G ε_e:ε_e,   σ = ∂ψ/∂ε,   c_max μ_mech = ∂ψ/∂θ = −βσ_h
    (derivatives taken by UFL in the model)

Stresses are in units of the reference modulus E_ref (the model is non-dimensional).
"""

import ufl

I3 = ufl.Identity(3)


def lame(E, nu):
    """Lamé constants (λ, G) from Young's modulus and Poisson's ratio (same unit as E)."""
    return E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))


def swelling_strain(volume, volume0) -> ufl.core.expr.Expr:
    """Isotropic chemical strain ε_c = (V(θ) − V(θ_0))/(3 V(0)) I (small strain; = (β/3)(θ − θ_0) I
    for the linear V(θ)/V(0) = 1 + βθ); ``volume`` = V(θ)/V(0), ``volume0`` = V(θ_0)/V(0)."""
    return (volume - volume0) / 3 * I3


def strain_energy(eps_e, lmbda, G) -> ufl.core.expr.Expr:
    """Elastic energy density ψ = (λ/2)(tr ε_e)² + G ε_e:ε_e."""
    return 0.5 * lmbda * ufl.tr(eps_e) ** 2 + G * ufl.inner(eps_e, eps_e)


def hydrostatic(sigma) -> ufl.core.expr.Expr:
    """σ_h = tr σ / 3 (tension positive)."""
    return ufl.tr(sigma) / 3


def von_mises(sigma) -> ufl.core.expr.Expr:
    """σ_vM = sqrt(3/2 s:s), s = dev σ."""
    s = ufl.dev(sigma)
    return ufl.sqrt(1.5 * ufl.inner(s, s))


def spherical_components(sigma, p) -> tuple:
    """(σ_rr, σ_tt) about the point where p = 0: radial normal stress and mean tangential stress.

    σ_rr = e_r·σ·e_r and σ_tt = (tr σ − σ_rr)/2, which is the hoop stress σ_θθ = σ_φφ of a
    spherically symmetric state. At p = 0 the direction is undefined and e_x is used.
    """
    r = ufl.sqrt(ufl.dot(p, p))
    e_r = ufl.conditional(ufl.gt(r, 0), p / ufl.max_value(r, 1e-300), ufl.as_vector([1, 0, 0]))
    s_rr = ufl.dot(e_r, ufl.dot(sigma, e_r))
    return s_rr, 0.5 * (ufl.tr(sigma) - s_rr)
