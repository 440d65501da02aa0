"""Rate-dependent J2 plasticity at finite strain (physics.md 1b), for a monolithic solve.

    F = F_e F_p F_c,  det F_p = 1,  M_e = F_eᵀ ∂W_e/∂F_e (Mandel stress, symmetric for isotropy)
    σ̄ = sqrt(3/2 dev M_e : dev M_e),  ε̇_p = ε̇_0 ⟨σ̄/σ_Y − 1⟩^m   (overstress power law,
    Bower, Guduru & Sethuraman 2011; Zhao et al. 2011),  D_p = ε̇_p (3/2) dev M_e/σ̄
    backward Euler, the rate law direct or inverted by the step (see flow_residuals)

F_p is piecewise constant per cell (a DG0 unknown of the monolithic system), parametrised by
the components the dimension allows: radial diag(a, b, b); axisymmetric the (r, z) block and
the hoop entry; 3-D all nine. It enters the kinematics through F_p/det(F_p)^{1/3}, so the flow is
exactly isochoric in the constitutive law even though the update is not an exponential map.
Stresses in units of E_ref, rates per unit non-dimensional time.
"""

import ufl

# entries of the 3x3 plastic tensor carried for each dimension
COMPONENTS = {
    "radial": ((0, 0), (1, 1)),
    "axisymmetric": ((0, 0), (0, 1), (1, 0), (1, 1), (2, 2)),
    "3d": tuple((i, j) for i in range(3) for j in range(3)),
}


def size(dimension: str) -> int:
    """Number of DG0 unknowns per cell for F_p."""
    return len(COMPONENTS[dimension])


def identity_values(dimension: str) -> list[float]:
    """Parameter values of F_p = I."""
    return [1.0 if i == j else 0.0 for i, j in COMPONENTS[dimension]]


def plastic_tensor(p, dimension: str) -> ufl.core.expr.Expr:
    """F_p as a 3x3 tensor from its parameters ``p`` (radial: the hoop entry fills θθ and φφ)."""
    if dimension == "radial":
        return ufl.as_tensor([[p[0], 0, 0], [0, p[1], 0], [0, 0, p[1]]])
    if dimension == "axisymmetric":
        return ufl.as_tensor([[p[0], p[1], 0], [p[2], p[3], 0], [0, 0, p[4]]])
    return ufl.as_tensor([[p[3 * i + j] for j in range(3)] for i in range(3)])


def components(A, dimension: str) -> ufl.core.expr.Expr:
    """The entries of a 3x3 tensor that F_p carries (radial: rr and the mean of θθ, φφ)."""
    if dimension == "radial":
        return ufl.as_vector([A[0, 0], 0.5 * (A[1, 1] + A[2, 2])])
    return ufl.as_vector([A[i, j] for i, j in COMPONENTS[dimension]])


def isochoric(F_p) -> ufl.core.expr.Expr:
    """F_p / det(F_p)^{1/3}."""
    return F_p / ufl.det(F_p) ** (1 / 3)


def equivalent_stress(M) -> ufl.core.expr.Expr:
    """σ̄ = sqrt(3/2 dev M : dev M)."""
    s = ufl.dev(M)
    return ufl.sqrt(1.5 * ufl.inner(s, s) + 1e-30)


def flow_residuals(F_p, F_p_n, e_p, e_p_n, M, dt, sigma_y, rate0, exponent):
    """Backward-Euler residuals (tensor for F_p, scalar for ε̄_p) of the flow rule.

    The increment Δε̄ = ε̄_p − ε̄_p,n is an unknown; the rate law is imposed in the form that is
    well conditioned for the step:
      ε̇_0Δt ≤ 1 (rate dependent): Δε̄ − ε̇_0Δt ⟨σ̄/σ_Y − 1⟩^m = 0, smooth in σ̄ (C^{m−1});
      ε̇_0Δt > 1 (towards the rate-independent limit): the law inverted,
        σ̄ = σ_Y [1 + (Δε̄/(ε̇_0 Δt))^{1/m}] when Δε̄ > 0, imposed with the complementarity
        function Δε̄ − max(0, Δε̄ + f/σ_Y) (f = σ̄ − that flow stress): zero iff Δε̄ ≥ 0,
        f ≤ 0, Δε̄ f = 0.
    (The inverted form alone has an infinite slope at Δε̄ = 0 that makes Newton cycle at small
    ε̇_0Δt; the direct form alone is stiff at large ε̇_0Δt.) ⟨·⟩ and max are smoothed
    (smooth_max0). Flow direction: F_p − F_p,n − Δε̄ (3/2)(dev M/σ̄) F_p = 0.
    """
    de = e_p - e_p_n
    sigma_eq = equivalent_stress(M)
    plus = smooth_max0
    # flow direction (3/2) dev M/σ̄, with σ̄ floored at 1e-3 σ_Y: below yield Δε̄ is only
    # zero up to the smoothing, and an unfloored direction would be singular at M = 0
    direction = 1.5 * ufl.dev(M) / ufl.sqrt(sigma_eq**2 + (1e-3 * sigma_y) ** 2)
    R_F = F_p - F_p_n - de * direction * F_p
    step = rate0 * dt
    direct = de - step * plus(sigma_eq / sigma_y - 1) ** exponent
    # the small shift keeps the slope of x^{1/m} finite at x = 0 (flow stress raised by ≤ 1e-4 σ_Y)
    flow_stress = sigma_y * (1 + (plus(de) / step + 1e-8) ** (1 / exponent))
    f = (sigma_eq - flow_stress) / sigma_y
    inverted = de - plus(de + f)
    return R_F, ufl.conditional(ufl.le(step, 1.0), direct, inverted)


def smooth_max0(x, delta=1e-7):
    """max(x, 0) smoothed as (x + sqrt(x² + δ²))/2 (error ≤ δ/2): a plain max makes Newton cycle
    between the elastic and plastic branches of a cell sitting at yield."""
    return 0.5 * (x + ufl.sqrt(x * x + delta * delta))
