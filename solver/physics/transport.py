"""Species transport with a stress-dependent chemical potential (physics.md 1a), non-dimensional.

Unknowns θ = c/c_max and μ_x, the non-ideal part of the chemical potential in units of R_g T:

    μ/(R_g T) = μ_id(θ) + μ_x,    μ_x = (∂ψ/∂θ)/(R_g T c_max)   (= −Ω σ_h/(R_g T) in small
    strain; 0 unless two-way: the model builds it from the stored energy ψ)

Mobility choices (physics.md 1a (i), (ii)); both satisfy M ∂μ_id/∂θ = D c_max exactly, so the
ideal part of the flux is taken analytically and never differentiates a logarithm:

    dilute:       μ_id = ln θ,            m(θ) = θ
    lattice_gas:  μ_id = ln(θ/(1 − θ)),   m(θ) = θ(1 − θ)

    J/(D c_max/L) = −d(θ)(∇θ + m(θ) ∇μ_x),    ∂θ/∂τ + ∇·J = 0,   −J·n = ĵ on wetted facets,
with τ = D t/L², ĵ = j_n L/(D c_max) and d(θ) = D(θ)/D (1 unless the diffusivity depends on θ).
"""

import ufl

MOBILITIES = ("dilute", "lattice_gas")


def mobility(theta, kind: str) -> ufl.core.expr.Expr:
    """Dimensionless mobility m(θ) = M R_g T/(D c_max)."""
    return theta if kind == "dilute" else theta * (1 - theta)


def ideal_potential(theta, kind: str) -> ufl.core.expr.Expr:
    """Ideal part of μ/(R_g T): ln θ (dilute) or ln(θ/(1−θ)) (lattice gas)."""
    return ufl.ln(theta) if kind == "dilute" else ufl.ln(theta / (1 - theta))


def flux(theta, grad_theta, grad_mu_x, kind: str, C_inv=None, d=1) -> ufl.core.expr.Expr:
    """Dimensionless flux J = −d(θ)(∇θ + m(θ)∇μ_x); at finite strain the referential flux
    J_R = −d C⁻¹(Grad θ + m Grad μ_x), the pull-back of isotropic spatial diffusion."""
    J = -d * (grad_theta + mobility(theta, kind) * grad_mu_x)
    return J if C_inv is None else ufl.dot(C_inv, J)


def mass_balance(theta_rate, theta, mu_x, q, kind: str, dV, dA, j_in, grad,
                 C_inv=None, d=1) -> ufl.Form:
    """Weak form of ∂θ/∂τ + ∇·J = 0 with inflow ĵ through the wetted surface.

    ``theta_rate`` is the time-discrete ∂θ/∂τ; ``dV``/``dA`` turn an integrand into a weighted
    volume / wetted-surface integral (``dA`` None: no wetted surface); ``grad`` maps a scalar
    field to its gradient in the dimension's basis; ``d`` the relative diffusivity D(θ)/D.
    """
    J = flux(theta, grad(theta), grad(mu_x), kind, C_inv, d)
    F = dV(theta_rate * q - ufl.dot(J, grad(q)))
    return F - dA(j_in * q) if dA is not None else F
