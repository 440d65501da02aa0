"""Phase-field fracture (physics.md 1c): degradation, crack density, energy splits, damage solver.

    Π(u, d) = ∫ [g(d) ψ⁺(ε_e) + ψ⁻(ε_e)] w dx + ∫ G_c γ(d, ∇d) w dx,    g(d) = (1 − d)² + k
    AT2:  γ = d²/(2l) + (l/2)|∇d|²,             irreversibility by the history H = max_t ψ⁺
    AT1:  γ = (3/(8l)) (d + l²|∇d|²),           irreversibility by the bound d_n ≤ d ≤ 1

Both γ are normalised so that ∫ γ dx across a fully developed crack is 1 (its area). The split is
applied to the elastic strain only (swelling alone must not damage). Units: ψ in the stress unit
of the caller (Pa, or E_ref in the non-dimensional model), G_c in that unit times length, l in
the mesh length unit; w is the measure weight (r², r or 1).
"""

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem, mesh as dmesh
from dolfinx.fem.petsc import NonlinearProblem
from mpi4py import MPI
from ufl.algorithms import expand_indices
from ufl.algorithms.apply_algebra_lowering import apply_algebra_lowering

from solver.physics import hyperelasticity
from solver.solvers import DIRECT_LIMIT, dofs_outside

MODELS = ("AT1", "AT2")
SPLITS = ("none", "volumetric_deviatoric", "spectral")
# r² floor (strain²) in the principal strains of the spectral split: keeps the derivative of
# the square root finite at equal eigenvalues (ε = 0 at the start); error ~1e-12 in a strain
_EQUAL_EIGENVALUES = 1e-24


def degradation(d, k=1e-9) -> ufl.core.expr.Expr:
    """g(d) = (1 − d)² + k (k: residual stiffness of the broken material)."""
    return (1 - d) ** 2 + k


def length_for_strength(model: str, E: float, Gc: float, strength: float) -> float:
    """The l at which a homogeneous bar in uniaxial tension (no split) peaks at ``strength``
    σ_c: AT2 σ_c = (3√3/16)√(E G_c/l) ⇒ l = (27/256) E G_c/σ_c²; AT1 σ_c = √(3 G_c E/(8l)) ⇒
    l = 3 E G_c/(8 σ_c²) (physics.md 1c; units of G_c/E)."""
    factor = 27 / 256 if model == "AT2" else 3 / 8
    return factor * E * Gc / strength**2


def crack_density(d, grad_d, length, model: str) -> ufl.core.expr.Expr:
    """Crack surface per volume γ (1/length): AT2 d²/(2l) + (l/2)|∇d|², AT1
    (3/(8l))(d + l²|∇d|²); the constant c_w of each model is folded in (∫γ across a crack = 1)."""
    grad2 = ufl.dot(grad_d, grad_d)
    if model == "AT2":
        return d**2 / (2 * length) + length / 2 * grad2
    if model == "AT1":
        return 3 / (8 * length) * (d + length**2 * grad2)
    raise ValueError(f"unknown phase-field model {model!r}; use one of {MODELS}")


def split_energy(eps_e, lam, mu, split: str) -> tuple:
    """(ψ⁺, ψ⁻) of ψ = (λ/2)(tr ε_e)² + μ ε_e:ε_e for a 3x3 tensor or the 2x2 plane-strain one.

    none:                   ψ⁺ = ψ, ψ⁻ = 0
    volumetric_deviatoric:  ψ⁺ = (K/2)⟨tr ε⟩₊² + μ dev ε:dev ε, ψ⁻ = (K/2)⟨tr ε⟩₋², K = λ + 2μ/3
                            (Amor, Marigo & Maurini 2009; dev ε:dev ε = ε:ε − (tr ε)²/3 holds
                            for the 2x2 plane-strain tensor too, ε_33 = 0)
    spectral:               ψ^± = (λ/2)⟨tr ε⟩_±² + μ Σ_a ⟨ε_a⟩_±² (Miehe et al. 2010), from the
                            closed-form principal strains of the in-plane 2x2 block; needs
                            ε_13 = ε_23 = 0 (2-D plane strain, axisymmetric, radial): a general
                            3-D tensor is refused (its eigenvalues have no robust UFL form).
    """
    tr = ufl.tr(eps_e)
    pos, neg = (lambda x: ufl.max_value(x, 0)), (lambda x: ufl.min_value(x, 0))
    if split == "none":
        return 0.5 * lam * tr**2 + mu * ufl.inner(eps_e, eps_e), ufl.as_ufl(0.0)
    if split == "volumetric_deviatoric":
        K = lam + 2 * mu / 3
        dev2 = ufl.inner(eps_e, eps_e) - tr**2 / 3
        return 0.5 * K * pos(tr) ** 2 + mu * dev2, 0.5 * K * neg(tr) ** 2
    if split == "spectral":
        principal = _plane_principal_strains(eps_e)
        return tuple(0.5 * lam * f(tr) ** 2 + mu * sum(f(e) ** 2 for e in principal)
                     for f in (pos, neg))
    raise ValueError(f"unknown energy split {split!r}; use one of {SPLITS}")


def split_neo_hookean(F_e, lam, mu, split: str) -> tuple:
    """(W⁺, W⁻) of the compressible neo-Hookean W_e (hyperelasticity.neo_hookean), 3x3 F_e
    (a 2x2 plane-strain F_e is completed with F_33 = 1).

    none:                   W⁺ = W_e, W⁻ = 0
    volumetric_deviatoric:  W_e = W_iso + U(J_e), exactly, with
                            W_iso = (μ/2)(I_1 − 3J_e^{2/3}) ≥ 0 (isochoric),
                            U(J) = (3μ/2)(J^{2/3} − 1) − μ ln J + (λ/2)(ln J)² ≥ 0 (volumetric);
                            W⁺ = W_iso + U for J_e ≥ 1, W_iso for J_e < 1; W⁻ = the rest.
    """
    if F_e.ufl_shape == (2, 2):
        F_e = ufl.as_tensor([[F_e[0, 0], F_e[0, 1], 0], [F_e[1, 0], F_e[1, 1], 0], [0, 0, 1]])
    if split == "none":
        return hyperelasticity.neo_hookean(F_e, lam, mu), ufl.as_ufl(0.0)
    if split != "volumetric_deviatoric":
        raise ValueError(f"split {split!r} is not available at finite strain; use 'none' or "
                         "'volumetric_deviatoric'")
    J = ufl.det(F_e)
    J23 = J ** (2 / 3)
    W_iso = 0.5 * mu * (ufl.tr(F_e.T * F_e) - 3 * J23)
    U = 1.5 * mu * (J23 - 1) - mu * ufl.ln(J) + 0.5 * lam * ufl.ln(J) ** 2
    stretched = ufl.ge(J, 1)
    return W_iso + ufl.conditional(stretched, U, 0), ufl.conditional(stretched, 0, U)


def _plane_principal_strains(eps) -> list:
    """Principal values of a 2x2 tensor, or of a 3x3 one whose third direction is decoupled."""
    if eps.ufl_shape == (3, 3):
        if not all(_is_zero(eps[i, 2]) and _is_zero(eps[2, i]) for i in (0, 1)):
            raise ValueError("the spectral split needs ε_13 = ε_23 = 0 (2-D plane strain, "
                             "axisymmetric or radial); use 'volumetric_deviatoric' in 3-D")
        extra = [eps[2, 2]]
    else:
        extra = []
    a, b, c = eps[0, 0], 0.5 * (eps[0, 1] + eps[1, 0]), eps[1, 1]
    m = 0.5 * (a + c)
    r = ufl.sqrt(0.25 * (a - c) ** 2 + b**2 + _EQUAL_EIGENVALUES)
    return [m + r, m - r] + extra


def _is_zero(component) -> bool:
    expr = expand_indices(apply_algebra_lowering(component))
    while isinstance(expr, ufl.classes.Variable):
        expr = expr.ufl_operands[0]
    return isinstance(expr, ufl.classes.Zero)


class PhaseField:
    """The damage field d (P1) of one body, its history or bounds, and its PETSc solver.

    Damage problem at frozen displacement (minimiser of Π over d, residual by UFL derivative):

        AT2:  ∫ [(G_c/l + 2H) d q + G_c l ∇d·∇q − 2H q] w dx = 0,  H = max(H_n, ψ⁺)
              (linear: one KSP solve; H_n at quadrature points, raised to ψ⁺ by ``accept``)
        AT1:  ∫ [−2(1 − d) ψ⁺ q + (3G_c/(8l))(q + 2l² ∇d·∇q)] w dx = 0  on d_n ≤ d ≤ 1
              (PETSc SNES vinewtonrsls with variable bounds; d_n moved by ``accept``)

    Within the staggered iterations of a step H (AT2) and d_n (AT1) stay at the last accepted
    state, so the converged step does not depend on the iteration path.

    Args:
        mesh: the body's mesh.
        psi_plus: UFL ψ⁺(ε_e) (or W⁺(F_e)) of the current displacement, e.g. from
            ``split_energy``; it may depend on any Function (u, θ, a mixed state).
        Gc, length: G_c and l: floats (kept as Constants, ``.Gc.value`` can be changed), DG0
            Functions or UFL expressions (different materials); l > 0 wherever fracture is allowed.
        model: "AT2" or "AT1".
        dx: measure over the whole body (its quadrature degree, default 2, is also that of the
            history); weight: its weight w (r², r or 1).
        allowed: DG0 Function, 1 where fracture is allowed, 0 elsewhere (None: everywhere).
            Outside, d is held at 0 on the dofs that touch no allowed cell, G_c γ and the
            driving force are integrated over allowed cells only, and ``degradation`` is 1.
        cracked: ``marker(x) -> bool array`` of points held at d = 1 (a pre-existing crack).
        k: residual stiffness in g(d).
        petsc_options: overrides of the default solver options (below); prefix: PETSc prefix.
    """

    def __init__(self, mesh, psi_plus, Gc, length, model: str = "AT2", *, dx=None,
                 weight=1.0, allowed=None, cracked=None, k: float = 1e-9,
                 petsc_options: dict | None = None, prefix: str = "phasefield_"):
        if model not in MODELS:
            raise ValueError(f"unknown phase-field model {model!r}; use one of {MODELS}")
        self.model, self.mesh, self.comm = model, mesh, mesh.comm
        self.V = fem.functionspace(mesh, ("Lagrange", 1))
        self.d = fem.Function(self.V, name="damage")
        self.d_n = fem.Function(self.V, name="accepted_damage")
        self._before = fem.Function(self.V)
        self.Gc, self.length = (fem.Constant(mesh, float(v)) if isinstance(v, (int, float))
                                else v for v in (Gc, length))
        self.k = fem.Constant(mesh, float(k))

        self.allowed = allowed
        body, dx, fixed_zero = self._measures(dx, allowed)
        self.dV = lambda integrand: integrand * weight * dx

        # history ψ⁺ at the quadrature points of the damage forms (AT2 only)
        Q = fem.functionspace(mesh, _quadrature_element(mesh, dx.metadata()["quadrature_degree"]))
        self.H = fem.Function(Q, name="history")
        self._H_new = fem.Function(Q)
        psi_plus = ufl.as_ufl(psi_plus)
        self.driving = ufl.max_value(self.H, psi_plus) if model == "AT2" else psi_plus
        if model == "AT2":
            self._raise_history = fem.Expression(self.driving, Q.element.interpolation_points)

        g = degradation(self.d, self.k)
        self.degradation = g if allowed is None else allowed * g + (1 - allowed)
        self.gamma = crack_density(self.d, ufl.grad(self.d), self.length, model)
        energy = self.dV(degradation(self.d, self.k) * self.driving + self.Gc * self.gamma)
        q, dd = ufl.TestFunction(self.V), ufl.TrialFunction(self.V)
        residual = ufl.derivative(energy, self.d, q)
        jacobian = ufl.derivative(residual, self.d, dd)
        if allowed is not None:  # a zero over the whole body: the matrix then has a diagonal
            # entry for the dofs held outside, where the Dirichlet rows put their 1
            jacobian += fem.Constant(mesh, 0.0) * dd * q * body
        self.bcs = self._dirichlet(fixed_zero, cracked)
        self.problem = NonlinearProblem(residual, self.d, bcs=self.bcs, J=jacobian,
                                        petsc_options_prefix=prefix,
                                        petsc_options=self._options(petsc_options))
        if model == "AT1":
            self.upper = fem.Function(self.V)
            self.upper.x.array[:] = 1.0
            self.upper.x.array[fixed_zero] = 0.0
            self.problem.solver.setVariableBounds(self.d_n.x.petsc_vec, self.upper.x.petsc_vec)
        self._area = fem.form(self.dV(self.gamma))
        self._dissipated = fem.form(self.dV(self.Gc * self.gamma))
        for bc in self.bcs:  # the held values are part of the initial, accepted state
            bc.set(self.d.x.array)
        self.d_n.x.array[:] = self.d.x.array

    def solve(self) -> tuple[bool, int, float]:
        """One damage update at the current ψ⁺, from the current d (one staggered half-step).
        Returns (converged, SNES iterations, max |Δd| over the body)."""
        self._before.x.array[:] = self.d.x.array
        self.problem.solve()
        snes = self.problem.solver
        n = self.V.dofmap.index_map.size_local
        change = np.max(np.abs(self.d.x.array[:n] - self._before.x.array[:n]), initial=0.0)
        ok = snes.getConvergedReason() > 0 and bool(np.all(np.isfinite(self.d.x.array)))
        return (self.comm.allreduce(ok, op=MPI.LAND), snes.getIterationNumber(),
                self.comm.allreduce(change, op=MPI.MAX))

    def accept(self) -> None:
        """After a converged staggered step: H_n ← max(H_n, ψ⁺) (AT2), d_n ← d."""
        if self.model == "AT2":
            self._H_new.interpolate(self._raise_history)
            self.H.x.array[:] = self._H_new.x.array
        self.d_n.x.array[:] = self.d.x.array

    def reject(self) -> None:
        """Back to the last accepted damage (H is only changed by ``accept``)."""
        self.d.x.array[:] = self.d_n.x.array

    def crack_area(self) -> float:
        """Γ_l = ∫ γ w dx (crack area, counted once; times the domain's constant 4π or 2π)."""
        return self._total(self._area)

    def dissipated_energy(self) -> float:
        """∫ G_c γ w dx."""
        return self._total(self._dissipated)

    # -- construction helpers ----------------------------------------------------------------
    def _total(self, form) -> float:
        return self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

    def _measures(self, dx, allowed):
        """(dx over the body, dx over the allowed cells, dofs held at 0 outside them); the
        quadrature degree of ``dx`` (default 2) is kept."""
        dx = ufl.Measure("dx", self.mesh) if dx is None else dx
        metadata = dict(dx.metadata())
        metadata.setdefault("quadrature_degree", 2)
        body = dx.reconstruct(metadata=metadata)
        if allowed is None:
            return body, body, np.empty(0, dtype=np.int32)
        cells = self._allowed_cells(allowed)
        tags = dmesh.meshtags(self.mesh, self.mesh.topology.dim, cells,
                              np.full(len(cells), 1, dtype=np.int32))
        return body, body.reconstruct(subdomain_id=1, subdomain_data=tags), \
            dofs_outside(self.V, cells)

    def _allowed_cells(self, allowed) -> np.ndarray:
        """Owned cells where the DG0 indicator is 1."""
        n = self.mesh.topology.index_map(self.mesh.topology.dim).size_local
        dofs = allowed.function_space.dofmap.list[:n, 0]
        return np.flatnonzero(allowed.x.array[dofs] > 0.5).astype(np.int32)

    def _dirichlet(self, fixed_zero, cracked) -> list:
        bcs = []
        if self.allowed is not None:
            bcs.append(fem.dirichletbc(0.0, fixed_zero, self.V))
        if cracked is not None:
            dofs = np.setdiff1d(fem.locate_dofs_geometrical(self.V, cracked), fixed_zero)
            bcs.append(fem.dirichletbc(1.0, dofs.astype(np.int32), self.V))
        return bcs

    def _options(self, overrides) -> dict:
        """KSP for AT2 (linear in d), vinewtonrsls for AT1; LU (MUMPS) below the project's
        direct-solver size, else CG + GAMG (the damage operator is symmetric positive definite;
        the active-set Jacobians of AT1 are its principal submatrices)."""
        options = {"snes_type": "ksponly"} if self.model == "AT2" else {
            "snes_type": "vinewtonrsls", "snes_linesearch_type": "basic", "snes_rtol": 1e-10,
            "snes_atol": 1e-14, "snes_stol": 0.0, "snes_max_it": 100}
        if self.V.dofmap.index_map.size_global < DIRECT_LIMIT:
            options.update(ksp_type="preonly", pc_type="lu", pc_factor_mat_solver_type="mumps")
        else:
            options.update(ksp_type="cg", pc_type="gamg", ksp_rtol=1e-10, ksp_atol=1e-14)
        options.update(overrides or {})
        return options


def _quadrature_element(mesh, degree: int):
    return basix.ufl.quadrature_element(mesh.basix_cell(), value_shape=(), degree=degree)
