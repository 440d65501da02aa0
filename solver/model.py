"""The coupled chemo-mechanical problem of a case: spaces, unknowns, forms, solvers.

Unknowns (one monolithic mixed system, DESIGN §6): displacement u (P1/P2), site fraction
θ = c/c_max (P1) and μ_x, the non-ideal part of the chemical potential (P1, units R_g T);
with viscoplasticity also F_p and ε̄_p per cell (DG0). Everything is non-dimensional:
lengths / L, time / (L²/D), stresses / E, μ / (R_g T); :class:`Scales` converts back to SI.

    ∫ S(u, θ) : δE(v) w dx = 0                       (σ : ε(v) small strain, P : Grad v finite)
    ∫ [∂θ/∂τ q − J(θ, μ_x)·∇q] w dx − ∫ ĵ q w ds = 0
    ∫ [μ_x − (E/(R_g T c_max)) ∂ψ/∂θ] r w dx = 0       (= μ_x + Ξ σ_h in small strain)

w is the dimension's volume weight (r², r or 1). The surface flux ĵ and the held surface value
θ_s are constants changed by the protocol; the forms are compiled once.
"""

from dataclasses import dataclass

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem.petsc import NonlinearProblem, assemble_vector
from petsc4py import PETSc

from meshes.domain import tag_all_cells
from solver.expressions import UFL_MATH, parse_formula
from solver.physics import (cohesive, electrochemistry, elasticity, fracture, hyperelasticity,
                            kinematics, plasticity, tables, transport)
from solver import solvers
from solver.case import CaseError
from solver.sei import POINT_STATE
from solver.regions import build_regions, isolated_dofs
from solver.schema import FORMULA_UNITS

DIVERGED_LINEAR_SOLVE = -3  # PETSc SNESConvergedReason
R_GAS = 8.314462618  # J mol^-1 K^-1
FARADAY = 96485.33212  # C mol^-1


@dataclass(frozen=True)
class Scales:
    """Reference scales of the non-dimensional model (SI)."""

    length: float  # m
    time: float  # s, L²/D
    stress: float  # Pa, E of the active material
    c_max: float  # mol m^-3
    potential: float  # J mol^-1, R_g T


class Model:
    """Function spaces, unknowns and compiled forms for one case on one domain."""

    _count = 0

    def __init__(self, case, domain, petsc_cli: dict | None = None):
        self.case, self.domain = case, domain
        mat = case.materials["active"]
        dim = domain.dimension
        self.dimension = dim
        self.scales = Scales(domain.length, domain.length**2 / mat.D, mat.E,
                             mat.c_max, R_GAS * case.temperature)
        mesh = domain.mesh
        mesh.geometry.x[:] /= domain.length  # the model works on the non-dimensional body
        self.mesh = mesh
        self.center = tuple(np.asarray(domain.center) / domain.length)

        degree = case.geometry.mesh.order
        cell = mesh.basix_cell()
        u_shape = () if dim == "radial" else (mesh.geometry.dim,)
        P1 = basix.ufl.element("Lagrange", cell, 1)
        u_element = basix.ufl.element("Lagrange", cell, degree, shape=u_shape)
        elements = {"u": u_element, "theta": P1, "mu": P1}
        self.plastic = case.physics.plasticity == "viscoplastic"
        if self.plastic:  # F_p parameters and the equivalent plastic strain, one set per cell
            elements.update(Fp=basix.ufl.element("DG", cell, 0, shape=(plasticity.size(dim),)),
                            ep=basix.ufl.element("DG", cell, 0))
        coupling = case.physics.stress_coupling
        self.regions = build_regions(case, domain, coupling)
        sides = None if self.regions is None else self.regions.sides
        # the hosts behind a resistance, blocking or cohesive interface carry their own
        # (θ₂, μ_x₂); the materials beyond a cohesive interface their own u₂
        self.two_sides = sides is not None and bool(sides.second)
        self.detached = sides is not None and bool(sides.detached)
        if self.two_sides:
            elements.update(theta2=P1, mu2=P1)
        if self.detached:
            elements["u2"] = u_element
        self.subs = {name: i for i, name in enumerate(elements)}  # sub-space of each unknown
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element(list(elements.values())))
        # the blocks of the iterative preset's field split: name → sub-spaces of W
        self.fields = {name: [i] for name, i in self.subs.items() if name in solvers.FIELDS}
        for name, second in (("theta", "theta2"), ("mu", "mu2"), ("u", "u2")):
            if second in self.subs:
                self.fields[name].append(self.subs[second])
        self.w = fem.Function(self.W, name="state")
        self.w_n = fem.Function(self.W, name="previous_state")
        self.w_nm1 = fem.Function(self.W, name="state_before_previous")

        self.theta0 = fem.Constant(mesh, float(case.initial.soc))
        self.beta = fem.Constant(mesh, 0.0 if coupling == "none" else mat.Omega * mat.c_max)
        # measured tables [(θ, value)]: V(θ)/V(0) replacing 1 + βθ (no swelling at all without
        # stress coupling) and D(θ)/D
        self.volume_curve = None if coupling == "none" else mat.volume_curve
        self.diffusivity_curve = None if mat.D_curve is None else [
            (t, D / mat.D) for t, D in mat.D_curve]
        # μ_x = (E/(R_g T c_max)) ∂ψ̂/∂θ (= −Ξσ̂_h in small strain, Ξ = ΩE/(R_g T))
        self.chem_scale = fem.Constant(mesh, mat.E / (self.scales.potential * mat.c_max)
                                       if coupling == "two_way" else 0.0)
        self.dtau = fem.Constant(mesh, 1e-3)
        self.bdf = fem.Constant(mesh, np.array([1.0, -1.0, 0.0]))  # ∂θ/∂τ ≈ Σ a_k θ_{n+1-k}/Δτ
        self.j_in = fem.Constant(mesh, 0.0)
        self.j_sink = fem.Constant(mesh, 0.0)  # taken by the SEI (solver.sei), lagged
        self.theta_hold = fem.Constant(mesh, float(case.initial.soc))
        self.lmbda, self.G = elasticity.lame(1.0, mat.nu)
        if self.plastic:  # non-dimensional: σ_Y/E, ε̇_0 L²/D
            host = mat.yield_stress if mat.yield_stress_host is None else mat.yield_stress_host
            self.sigma_y = (fem.Constant(mesh, host / mat.E),
                            fem.Constant(mesh, mat.yield_stress / mat.E))
            self.flow_rate0 = fem.Constant(mesh, mat.flow_rate * self.scales.time)
            self.flow_exponent = fem.Constant(mesh, float(mat.flow_exponent))
        # E(θ)/E_ref and ν(θ) as tables [(θ, value)], when the moduli follow θ
        self.moduli = None
        if case.physics.moduli == "interpolated":
            self.moduli = (
                [(t, E / mat.E) for t, E in mat.E_curve] if mat.E_curve
                else [(0.0, 1.0), (1.0, mat.E_alloyed / mat.E)],
                mat.nu_curve or [(0.0, mat.nu), (1.0, mat.nu_alloyed)])

        self.formulas = {k: parse_formula(text, FORMULA_UNITS[k])
                         for k, text in mat.formulas.items()}
        self.phase_separation = None  # (χ, (λ/L)²) of the regular solution with gradient energy
        if case.physics.phase_separation == "cahn_hilliard":
            self.phase_separation = (fem.Constant(mesh, float(mat.interaction)),
                                     fem.Constant(mesh, (mat.gradient_length / domain.length)**2))

        x = ufl.SpatialCoordinate(mesh)
        self.x = x
        self.weight = kinematics.weight(dim, x)
        # small strain: integrands at most quadratic in x (P2: ε∈P1; θ(1−θ), θ q) times the
        # weight; finite strain: non-polynomial, two more orders
        self.finite = case.physics.kinematics == "finite"
        self.elastic_energy = hyperelasticity.ELASTIC_LAWS[case.physics.elastic_law]
        qdeg = (4 if self.finite else 2) + {"radial": 2, "axisymmetric": 1, "3d": 0}[dim]
        self.dx = ufl.Measure("dx", mesh, metadata={"quadrature_degree": qdeg})
        self.ds = ufl.Measure("ds", mesh, subdomain_data=domain.facet_tags,
                              metadata={"quadrature_degree": qdeg})
        # the species enter through exterior facets, or through interior ones (an interface
        # under a meshed SEI), where integrands are taken on the primary material's side
        names = {v: k for k, v in domain.facet_ids.items()}
        self.wetted_inside = any(names.get(t, "").startswith("interface:")
                                 for t in domain.wetted)
        measure = ufl.Measure("dS" if self.wetted_inside else "ds", mesh,
                              subdomain_data=domain.facet_tags,
                              metadata={"quadrature_degree": qdeg})
        self.ds_wetted = sum((measure(t) for t in domain.wetted[1:]), measure(domain.wetted[0])) \
            if domain.wetted else None

        parts = ufl.split(self.w)
        self.u = self._displacement(parts)
        self.theta, self.mu_x = self.species(self.w)
        self.internal = [parts[self.subs[k]] for k in ("Fp", "ep") if k in self.subs]
        if self.detached:  # the largest effective opening so far, on each side-2 cell at Γ
            self.opening_max = fem.Function(fem.functionspace(mesh, ("DG", 0)),
                                            name="opening_max")
            self.cohesive_damage = self._cohesive_damage()
            self._opening_now = fem.Function(self.opening_max.function_space)
            self._opening_form, self._inverse_facet_area = self._opening_forms()
        self.plastic_strain = self.internal[1] if self.plastic else None
        self.eps = kinematics.strain(self.u, dim, x)
        F_def = kinematics.deformation_gradient(self.u, dim, x)
        self.dilatation = ufl.det(F_def) - 1 if self.finite else ufl.tr(self.eps)
        self.surface_stretch = kinematics.area_ratio(F_def, dim, mesh)
        self.swelling_jacobian = self._swelling_jacobian(self.theta)
        # c = s_i c_max θ (mol/m³ of reference volume; s_i = c_max,i/c_max unless a partition
        # coefficient sets it)
        self.concentration = self.theta * mat.c_max * (
            1 if self.regions is None else self.regions.scale)
        # PETSc options live in a process-wide database: a prefix per model keeps models
        # created one after another (tests, sweeps) from inheriting each other's options
        Model._count += 1
        tag = f"swellfem{Model._count}_"
        self.phase_field = self._phase_field(case.physics.fracture, tag + "damage_")
        # the SEI at each vertex of the wetted surface (solver.sei: columns POINT_STATE), a P1
        # function (rows laid out as every P1 space's dofs, the damage's too); kept for restarts
        self.sei_state = None
        if case.physics.sei_growth and self.ds_wetted is not None:
            P1 = fem.functionspace(mesh, ("Lagrange", 1, (len(POINT_STATE),)))
            self.sei_state = fem.Function(P1, name="sei_state")
        self.residual = self.weak_form(self.u, self.theta, self.mu_x, *self.internal)
        self.ocv = mat.ocv if self._wetted_is_primary() else None
        if self.ocv is not None:
            self._electrochemistry(case, mat)
        elif any(s.voltage is not None or s.until_voltage is not None
                 or s.kind in ("sweep", "cccv") for s in case.protocol.steps):
            raise CaseError("the protocol uses voltages, but the wetted surface is not all of "
                            "the active material (whose OCV gives the voltage); use SOC, time "
                            "or capacity limits for this geometry")

        self.bcs = self._displacement_bcs() + self._region_bcs()
        self.preset = solvers.preset_name(case.solver, self.W)
        options = solvers.petsc_options(case.solver, self.preset, petsc_cli or {})
        # one compiled problem per surface condition the protocol uses
        steps = case.protocol.steps
        self.problems = {"flux": self._problem(self.residual, self.bcs, tag + "flux_", options)}
        if any(s.kind == "hold" and s.theta is not None for s in steps):
            self.problems["theta"] = self._problem(self.residual, self.bcs + [self._hold_bc()],
                                                   tag + "hold_", options)
        if any(s.kind in ("sweep", "cccv") or s.voltage is not None for s in steps):
            self.problems["voltage"] = self._problem(self.potentiostatic_residual, self.bcs,
                                                     tag + "voltage_", options)
        self.reset_initial_state()

    def species(self, w):
        """(θ, μ_x) of the mixed function ``w``: with two sides, cell by cell the unknowns of the
        cell's side (θ₂, μ_x₂ in the hosts behind a barrier)."""
        parts = ufl.split(w)
        theta, mu_x = parts[1], parts[2]
        if not self.two_sides:
            return theta, mu_x
        s2, sub = self.regions.second, self.subs
        return (theta + s2 * (parts[sub["theta2"]] - theta),
                mu_x + s2 * (parts[sub["mu2"]] - mu_x))

    def _displacement(self, parts):
        """u of the split ``parts`` (trial or test): cell by cell the unknown of the cell's
        side (u₂ beyond a cohesive interface)."""
        u = parts[0]
        if not self.detached:
            return u
        return u + self.regions.detached * (parts[self.subs["u2"]] - u)

    def stress(self, u, theta, on_axis: bool = False):
        """Cauchy stress σ(u, θ)/E_ref (with the current plastic state)."""
        S, _ = self._energy_derivatives(u, theta, self._F_p(self.internal), on_axis)
        if self.finite:
            return hyperelasticity.cauchy(
                S, kinematics.deformation_gradient(u, self.dimension, self.x, on_axis))
        return S

    def relative_volume(self, theta):
        """V(θ)/V(0) of the free material: 1 + βθ, or the material's measured volume curve."""
        if self.volume_curve is None:
            return 1 + self.beta * theta
        return tables.piecewise_linear(theta, self.volume_curve)

    def _swelling_jacobian(self, theta):
        """J_c = V(θ)/V(θ_0), the free swelling from the stress-free state θ_0."""
        return self.relative_volume(theta) / self.relative_volume(self.theta0)

    def _moduli(self, theta):
        """Lamé constants / E_ref: constant, or from E(θ), ν(θ) — linear from the host to the
        alloyed phase, the material's measured curves (piecewise linear) or its formulas."""
        E, nu = 1.0, self.case.materials["active"].nu
        if self.moduli is not None:
            E, nu = (tables.piecewise_linear(theta, curve) for curve in self.moduli)
        E = self._formula("E", theta, E)
        nu = self._formula("nu", theta, nu)
        if isinstance(E, float) and isinstance(nu, float):
            return self.lmbda, self.G
        return elasticity.lame(E, nu)

    def _formula(self, name: str, theta, otherwise):
        """The material's formula for ``name`` at θ, relative to the reference value (E, D,
        yield stress / E) or absolute (ν); ``otherwise`` without one."""
        if name not in self.formulas:
            return otherwise
        mat = self.case.materials["active"]
        value = self.formulas[name](theta, self.case.temperature, UFL_MATH)
        return value / {"E": mat.E, "D": mat.D, "yield_stress": mat.E}.get(name, 1.0)

    def _F_p(self, internal):
        """Isochoric plastic deformation from the internal unknowns (None: no plastic flow)."""
        if not (self.plastic and internal):
            return None
        return plasticity.isochoric(plasticity.plastic_tensor(internal[0], self.dimension))

    @staticmethod
    def _elastic(F, J_c, F_p):
        """F_e = J_c^{−1/3} F F_p⁻¹ (F_p = None: no plastic flow)."""
        F_e = J_c ** (-1 / 3) * F
        return F_e if F_p is None else F_e * ufl.inv(F_p)

    def _energy_derivatives(self, u, theta, F_p=None, on_axis: bool = False):
        """(∂ψ/∂ε or ∂ψ/∂F, ∂ψ/∂θ) of the stored energy per reference volume, by UFL.

        Small strain ψ = W(ε − ε_c(θ); λ(θ), G(θ)); finite strain ψ_R = J_c W_e(J_c^{−1/3}F F_p⁻¹).
        ∂ψ/∂θ at fixed strain is the mechanical chemical potential times c_max: −βσ_h in small
        strain, −β(tr M_e/3 − W_e)/(1 + βθ_0) at finite strain, plus the modulus terms when the
        moduli depend on θ.
        """
        theta = ufl.variable(theta)
        K = ufl.variable(kinematics.deformation_gradient(u, self.dimension, self.x, on_axis)
                         if self.finite else kinematics.strain(u, self.dimension, self.x, on_axis))
        if self.phase_field is None:
            psi = self._stored_energy(K, theta, F_p)
        else:
            plus, minus = self._energy_parts(K, theta, F_p)
            psi = self.phase_field.degradation * plus + minus
        return ufl.diff(psi, K), ufl.diff(psi, theta)

    def _stored_energy(self, K, theta, F_p):
        """ψ per reference volume at F (finite) or ε (small strain) ``K``, without fracture."""
        lmbda, G = self._moduli(theta)
        if self.finite:
            J_c = self._swelling_jacobian(theta)
            psi = J_c * self.elastic_energy(self._elastic(K, J_c, F_p), lmbda, G)
            return self._with_regions(psi, theta, lambda J, lam, mu: J * self.elastic_energy(
                J ** (-1 / 3) * K, lam, mu))
        eps_c = elasticity.swelling_strain(self.relative_volume(theta),
                                           self.relative_volume(self.theta0))
        psi = elasticity.strain_energy(K - eps_c, lmbda, G)
        return self._with_regions(psi, theta, lambda J, lam, mu: elasticity.strain_energy(
            K - elasticity.swelling_strain(J, 1.0), lam, mu))

    def _energy_parts(self, K, theta, F_p):
        """(ψ⁺, ψ⁻): the stored energy split on the elastic strain by physics.fracture.split
        (ψ = g(d) ψ⁺ + ψ⁻; swelling alone does not drive cracks)."""
        split = self.case.physics.fracture.split
        lmbda, G = self._moduli(theta)
        if self.finite:
            J_c = self._swelling_jacobian(theta)
            parts = fracture.split_neo_hookean(self._elastic(K, J_c, F_p), lmbda, G, split)
            parts = tuple(J_c * p for p in parts)
            region = lambda J, lam, mu: tuple(  # noqa: E731
                J * p for p in fracture.split_neo_hookean(J ** (-1 / 3) * K, lam, mu, split))
        else:
            eps_c = elasticity.swelling_strain(self.relative_volume(theta),
                                               self.relative_volume(self.theta0))
            parts = fracture.split_energy(K - eps_c, lmbda, G, split)
            region = lambda J, lam, mu: fracture.split_energy(  # noqa: E731
                K - elasticity.swelling_strain(J, 1.0), lam, mu, split)
        if self.regions is None:
            return parts
        return tuple(self._with_regions(p, theta, lambda J, lam, mu, i=i: region(J, lam, mu)[i])
                     for i, p in enumerate(parts))

    def _phase_field(self, spec, prefix: str):
        """The damage field of ``physics.fracture`` (None without it), driven by ψ⁺ of the
        current state; G_c/(E_ref L) per material, l/L, fracture allowed in ``spec.regions``."""
        if spec is None:
            return None
        E, L = self.scales.stress, self.scales.length
        materials = self.case.materials

        def length(role):  # l/L: given, or from the strength with the material's E and G_c
            m = materials[role]
            return (spec.length if spec.strength is None else fracture.length_for_strength(
                spec.model, m.E, m.Gc, spec.strength)) / L
        allowed, Gc, l = None, materials["active"].Gc / (E * L), length("active")
        if self.regions is not None:
            V = fem.functionspace(self.mesh, ("DG", 0))
            allowed, Gc, l = fem.Function(V), fem.Function(V), fem.Function(V)
            l.x.array[:] = max(length(role) for role in spec.regions)  # unused where d = 0
            for role in spec.regions:
                dofs = V.dofmap.list[self.domain.cell_tags.find(self.domain.regions[role])]
                allowed.x.array[dofs.ravel()] = 1.0
                Gc.x.array[dofs.ravel()] = materials[role].Gc / (E * L)
                l.x.array[dofs.ravel()] = length(role)
            for f in (allowed, Gc, l):
                f.x.scatter_forward()
        K = (kinematics.deformation_gradient(self.u, self.dimension, self.x) if self.finite
             else self.eps)
        psi_plus, _ = self._energy_parts(K, self.theta, self._F_p(self.internal))
        return fracture.PhaseField(self.mesh, psi_plus, Gc, l, spec.model,
                                   dx=self.dx, weight=self.weight, allowed=allowed,
                                   prefix=prefix)

    def _with_regions(self, psi, theta, energy):
        """p ψ + (1 − p) ψ_i: outside the primary material (p = 0) the stored energy is
        ``energy(J_c, λ_i, G_i)`` with the region's linear swelling J_c = (1 + β_iθ)/(1 + β_iθ_0)
        and constant moduli (no plastic flow)."""
        if self.regions is None:
            return psi
        r = self.regions
        lam, mu = elasticity.lame(r.modulus, r.poisson)
        J_c = (1 + r.expansion * theta) / (1 + r.expansion * self.theta0)
        return r.primary * psi + (1 - r.primary) * energy(J_c, lam, mu)

    def weak_form(self, u, theta, mu_x, *internal, inflow=None) -> ufl.Form:
        """Residual of the coupled problem at the fields (u, θ, μ_x) (any UFL expressions).

        ∫ S : δE(v) = 0 with S = σ, δE = ε(v) (small strain) or S = P, δE = Grad v (finite);
        μ_x = (E/(R_g T c_max)) ∂ψ/∂θ (= −Ξσ_h in small strain); Fickian flux, pulled back with
        C⁻¹ at finite strain; with plasticity the flow rule for F_p and ε̄_p, per cell.
        ``inflow``: the surface flux ĵ (default the galvanostatic constant).
        """
        dim, x = self.dimension, self.x
        tests = ufl.TestFunctions(self.W)
        v, q, r = self._displacement(tests), tests[1], tests[2]
        interface = []
        if self.two_sides:  # the test functions of the cell's side, and the interface flux
            s2, q2, r2 = self.regions.second, tests[self.subs["theta2"]], tests[self.subs["mu2"]]
            interface.append(self._barrier_flux(q, q2))
            q, r = q + s2 * (q2 - q), r + s2 * (r2 - r)
        if self.detached:
            interface.append(self._cohesive_traction(tests[0], tests[self.subs["u2"]]))
        tests = [tests[self.subs[k]] for k in ("Fp", "ep") if k in self.subs]
        grad = lambda f: kinematics.scalar_gradient(f, dim)  # noqa: E731
        F_p = self._F_p(internal)
        S, dpsi_dtheta = self._energy_derivatives(u, theta, F_p)
        if self.finite:
            F = kinematics.deformation_gradient(u, dim, x)
            form = self.dV(ufl.inner(S, kinematics.displacement_gradient(v, dim, x)))
            C_inv = ufl.inv(F.T * F)
            if F_p is not None:
                J_c = self._swelling_jacobian(theta)
                form += self._flow_rule(self._elastic(F, J_c, F_p), theta, internal, tests)
        else:
            form = self.dV(ufl.inner(S, kinematics.strain(v, dim, x)))
            C_inv = None
        # per region (1 with one region): where the species lives, the scale s_i of
        # c = s_i c_max θ, the primary material, the relative diffusivity
        a, c, p, d = 1, 1, 1, self.relative_diffusivity(theta)
        if self.regions is not None:
            reg = self.regions
            a, c, p = reg.transport, reg.scale, reg.primary
            d = p * d + (1 - p) * reg.diffusivity
        # μ_mech = ∂ψ/∂c/(R_g T): per unit of c/c_max
        form += self.dV(a * (mu_x - self.chem_scale / (c + 1 - a) * dpsi_dtheta) * r)
        if self.phase_separation is not None:  # μ_x ∋ χ(1 − 2θ) − λ̂²∇²θ, weakly
            chi, lam2 = self.phase_separation
            form -= self.dV(p * (chi * (1 - 2 * theta) * r
                                 + lam2 * ufl.dot(grad(theta), grad(r))))
        dA = self.dA if self.ds_wetted is not None else None
        inflow = (self.j_in if inflow is None else inflow) - self.j_sink
        form += transport.mass_balance(
            self._theta_rate(theta), theta, mu_x, q, self.case.physics.mobility,
            lambda integrand: self.dV(c * integrand), dA, inflow, grad, C_inv, d)
        return sum((f for f in interface if f is not None), form)

    def _interface_integral(self, integrand, tag: int) -> ufl.Form:
        """∫_Γ integrand w dS over the interior facets tagged ``tag``."""
        dS = ufl.Measure("dS", self.mesh, subdomain_data=self.domain.facet_tags,
                         metadata={"quadrature_degree": self.dx.metadata()["quadrature_degree"]})
        weight = self.weight if isinstance(self.weight, float) else self.weight("+")
        return integrand * weight * dS(tag)

    @staticmethod
    def _on_side(f, indicator):
        """The value of the cell-wise ``f`` on the side of an interface facet where the DG0
        ``indicator`` is 1 (one cell of each such facet is on each side)."""
        return (indicator * f)("+") + (indicator * f)("-")

    def _barrier_flux(self, q, q2):
        """∫_Γ ĵ (q − q₂) w dS over the resistance interfaces, ĵ = g (s₁θ − s₂θ₂/K) from side 1
        to side 2 (solver.interfaces), times (1 − D) on cohesive ones; None if all block."""
        parts = ufl.split(self.w)
        theta, theta2 = parts[1]("+"), parts[self.subs["theta2"]]("+")
        reg = self.regions
        s1 = self._on_side(reg.scale, 1 - reg.second)
        s2 = self._on_side(reg.scale, reg.second)
        terms = []
        for b in reg.sides.barriers:
            if b.conductance is None:
                continue
            flux = b.conductance * (s1 * theta - s2 * theta2 / b.partition)
            if b.cohesive:
                flux *= 1 - self.cohesive_damage[b.facet_tag]
            terms.append(self._interface_integral(flux * (q("+") - q2("+")), b.facet_tag))
        return sum(terms[1:], terms[0]) if terms else None

    def _interface_normal(self):
        """The unit normal of interface facets pointing from side 1 into side 2 (as a vector,
        also in radial bodies)."""
        n = ufl.FacetNormal(self.mesh)
        n1 = self._on_side(n, 1 - self.regions.detached)
        return ufl.as_vector([n1[0]]) if self.dimension == "radial" else n1

    def _opening(self, w_parts):
        """Δ = u₂ − u₁ on the interface facets (a vector, also in radial bodies)."""
        jump = w_parts[self.subs["u2"]]("+") - w_parts[0]("+")
        return ufl.as_vector([jump]) if self.dimension == "radial" else jump

    def _cohesive_damage(self) -> dict:
        """{facet tag: D} of each cohesive interface, from the largest effective opening so
        far (``opening_max``, per side-2 cell) or now."""
        opening = cohesive.effective_opening(self._opening(ufl.split(self.w)),
                                             self._interface_normal())
        largest = ufl.max_value(opening, self._on_side(self.opening_max, self.regions.detached))
        return {tag: cohesive.damage(largest, law) for tag, law in self.regions.sides.cohesive}

    def _opening_forms(self):
        """The compiled form of ∫_Γ Δ_e q dS on the side-2 cells at cohesive interfaces (q in
        DG0), and 1/∫_Γ q dS per cell (0 away from Γ): their product is the cell's mean
        opening."""
        V = self.opening_max.function_space
        q = self._on_side(ufl.TestFunction(V), self.regions.detached)
        opening = cohesive.effective_opening(self._opening(ufl.split(self.w)),
                                             self._interface_normal())
        dS = ufl.Measure("dS", self.mesh, subdomain_data=self.domain.facet_tags)
        tags = [tag for tag, _ in self.regions.sides.cohesive]
        area = fem.Function(V)
        _assemble_into(area, fem.form(sum((q * dS(t) for t in tags[1:]), q * dS(tags[0]))))
        share = area.x.array
        return fem.form(sum((opening * q * dS(t) for t in tags[1:]), opening * q * dS(tags[0]))), \
            np.divide(1.0, share, out=np.zeros_like(share), where=share > 0)

    def _record_opening(self) -> None:
        """opening_max ← max(opening_max, the mean opening of the accepted state)."""
        _assemble_into(self._opening_now, self._opening_form)
        now = self._opening_now.x.array
        now *= self._inverse_facet_area
        np.maximum(self.opening_max.x.array, now, out=self.opening_max.x.array)

    def delaminated_area(self, total: bool = False) -> ufl.Form:
        """∫ w dS over the cohesive interfaces where they have fully opened (D(Δ_m) = 1, from
        the accepted history), or over all of them (``total``)."""
        largest = self._on_side(self.opening_max, self.regions.detached)
        return sum(self._interface_integral(
            1.0 if total else ufl.conditional(ufl.ge(largest, law.final_opening), 1.0, 0.0), tag)
            for tag, law in self.regions.sides.cohesive)

    def _cohesive_traction(self, v, v2):
        """∫_Γ T(Δ)·(v₂ − v₁) w dS over the cohesive interfaces (physics.cohesive)."""
        jump, n = self._opening(ufl.split(self.w)), self._interface_normal()
        dv = v2("+") - v("+")
        dv = ufl.as_vector([dv]) if self.dimension == "radial" else dv
        terms = [self._interface_integral(ufl.dot(cohesive.traction(
            jump, n, self.cohesive_damage[tag], law), dv), tag)
            for tag, law in self.regions.sides.cohesive]
        return sum(terms[1:], terms[0])


    def relative_diffusivity(self, theta):
        """D(θ)/D: the material's formula or measured curve (piecewise linear), else 1."""
        if self.diffusivity_curve is None:
            return self._formula("D", theta, 1)
        return tables.piecewise_linear(theta, self.diffusivity_curve)

    def _electrochemistry(self, case, mat) -> None:
        """Surface potentials and currents (physics.md 1f) as UFL of the state, in V and A/m².

        ``local_voltage``: V = U_eq + η(i) − i R_film at the galvanostatic current density i;
        ``surface_current``: the Butler–Volmer i at the applied potential V, η = V − U_eq + i R
        with the previous increment's mean i in the ohmic drop; the potentiostatic residual
        uses it as the inflow ĵ = i/(F D c_max/L)."""
        chem = case.electrochemistry
        mesh, f = self.mesh, FARADAY / self.scales.potential
        self.applied_voltage = fem.Constant(mesh, 0.0)  # V vs the metal
        self.branch = fem.Constant(mesh, 0.0)  # OCV branch: 0 insertion, 1 extraction
        current_scale = FARADAY * mat.D * mat.c_max / self.scales.length  # A/m² per unit ĵ
        _, dpsi = self._energy_derivatives(self.u, self.theta, self._F_p(self.internal))
        mu_mech = self.chem_scale * dpsi  # units R_g T
        U_eq = self.open_circuit_voltage(self.theta) - mu_mech / f
        i0 = electrochemistry.exchange_current(
            self.theta, mat.exchange_current,
            chem.electrolyte_concentration / chem.reference_concentration)
        i_cc = self.j_in * current_scale
        # film resistance (Ω m², updated with the SEI) and the mean current density of the last
        # increment (A/m²), for the ohmic drop of voltage-controlled steps
        self.film_resistance = fem.Constant(mesh, chem.film_resistance)
        self.lagged_current = fem.Constant(mesh, 0.0)
        self.equilibrium_voltage = U_eq
        self.local_voltage = U_eq + electrochemistry.overpotential(i_cc, i0, f) \
            - i_cc * self.film_resistance
        self.surface_current = electrochemistry.butler_volmer(
            self.applied_voltage - U_eq + self.lagged_current * self.film_resistance, i0, f)
        self.potentiostatic_residual = self.weak_form(
            self.u, self.theta, self.mu_x, *self.internal,
            inflow=self.surface_current / current_scale)

    def _wetted_is_primary(self) -> bool:
        """Whether every wetted facet bounds the primary material (its OCV then gives V)."""
        if self.regions is None or self.ds_wetted is None:
            return True
        form = fem.form(self.on_wetted(1 - self.regions.primary) * self.ds_wetted)
        return self.mesh.comm.allreduce(fem.assemble_scalar(form)) == 0

    def open_circuit_voltage(self, theta):
        """U_ocv(θ) (V) of the branch selected by ``branch`` (0 insertion, 1 extraction)."""
        f = FARADAY / self.scales.potential

        def branch(b):
            if b.formula is not None:
                return parse_formula(b.formula, "V")(theta, self.case.temperature, UFL_MATH)
            if b.table is not None:
                return tables.piecewise_linear(theta, b.table)
            return electrochemistry.staircase(theta, b.plateaus, b.width, b.log_slope, f)
        inserting = branch(self.ocv.insertion)
        if self.ocv.extraction is None:
            return inserting
        return (1 - self.branch) * inserting + self.branch * branch(self.ocv.extraction)

    def _flow_rule(self, F_e, theta, internal, tests) -> ufl.Form:
        """Backward-Euler viscoplastic flow, one equation set per cell (DG0), evaluated at the
        cell's centroid (one-point rule, consistent with a per-cell F_p).

        The rule is integrated over its own cell subdomain (all cells, id 1): on tetrahedra a
        one-point rule inside the same kernel as the other integrals corrupts their residual
        rows (FFCx 0.11; -snes_test_jacobian off by 0.34), a separate kernel does not."""
        dim = self.dimension
        p, e_p = internal
        p_n, e_p_n = (ufl.split(self.w_n)[self.subs[k]] for k in ("Fp", "ep"))
        F_e = ufl.variable(F_e)
        lmbda, G = self._moduli(theta)
        W = self.elastic_energy(F_e, lmbda, G)
        if self.phase_field is not None:  # the flow sees the degraded stress
            plus, minus = fracture.split_neo_hookean(F_e, lmbda, G,
                                                     self.case.physics.fracture.split)
            W = self.phase_field.degradation * plus + minus
        M = F_e.T * ufl.diff(W, F_e)
        R_F, R_e = plasticity.flow_residuals(
            plasticity.plastic_tensor(p, dim), plasticity.plastic_tensor(p_n, dim), e_p, e_p_n,
            M, self.dtau, self.yield_stress(theta), self.flow_rate0, self.flow_exponent)
        cells, tag = (tag_all_cells(self.mesh, 1), 1) if self.regions is None else (
            self.domain.cell_tags, self.regions.primary_tag)
        centroid = ufl.Measure("dx", self.mesh, subdomain_data=cells, subdomain_id=tag,
                               metadata={"quadrature_degree": 1})
        return (ufl.dot(plasticity.components(R_F, dim), tests[0]) + R_e * tests[1]) * centroid

    def yield_stress(self, theta):
        """σ_Y(θ)/E_ref: the material's formula, else linear between the host (θ = 0) and the
        alloyed phase (θ = 1)."""
        host, alloyed = self.sigma_y
        return self._formula("yield_stress", theta, host + (alloyed - host) * theta)

    def _theta_rate(self, theta):
        """Variable-step BDF2 / backward Euler (a = (1, −1, 0)) approximation of ∂θ/∂τ."""
        a = self.bdf
        return (a[0] * theta + a[1] * self.species(self.w_n)[0]
                + a[2] * self.species(self.w_nm1)[0]) / self.dtau

    def _problem(self, F, bcs, prefix, options) -> NonlinearProblem:
        problem = NonlinearProblem(F, self.w, bcs=bcs, petsc_options_prefix=prefix)
        solvers.configure(problem.solver, prefix, options, self.W, self.preset, self.fields)
        return problem

    def dV(self, integrand) -> ufl.Form:
        """∫ integrand w dx over the body (w = r², r or 1)."""
        return integrand * self.weight * self.dx

    def dA(self, integrand) -> ufl.Form:
        """∫ integrand w ds over the wetted surface (of the regions the species can enter)."""
        return self.on_wetted(integrand * self.weight) * self.ds_wetted

    def on_wetted(self, f):
        """``f`` on the wetted surface: times the transport indicator (regions), and on an
        interface taken from the primary material's side."""
        if self.regions is None:
            return f
        if self.wetted_inside:
            p = self.regions.primary
            f = ufl.as_ufl(f)
            return p("+") * f("+") + p("-") * f("-")
        return self.regions.transport * f

    def dV_region(self, role: str, integrand=1.0) -> ufl.Form:
        """∫ integrand w dx over the cells of one material role."""
        dx = ufl.Measure("dx", self.mesh, subdomain_data=self.domain.cell_tags)
        return integrand * self.weight * dx(self.domain.regions[role])

    # -- boundary conditions ------------------------------------------------------------------
    def _displacement_bcs(self) -> list:
        """Rollers, clamped faces and pins, on u and on u₂ (beyond a cohesive interface)."""
        return [bc for name in ("u", "u2") if name in self.subs
                for bc in self._supports(self.W.sub(self.subs[name]))]

    def _supports(self, Vu) -> list:
        fdim = self.mesh.topology.dim - 1
        bcs = []
        components = 1 if self.dimension == "radial" else self.mesh.geometry.dim
        fixed = list(self.domain.rollers) + [(tag, comp) for tag in self.domain.clamped
                                             for comp in range(components)]
        for tag, comp in fixed:
            V = Vu if self.dimension == "radial" else Vu.sub(comp)
            dofs = fem.locate_dofs_topological(V, fdim, self.domain.facet_tags.find(tag))
            bcs.append(fem.dirichletbc(0.0, dofs, V))
        for point, comps in self.domain.pins:
            p = np.asarray(point) / self.domain.length
            for comp in comps:
                V = Vu if self.dimension == "radial" else Vu.sub(comp)
                Vc, _ = V.collapse()
                dofs = fem.locate_dofs_geometrical(
                    (V, Vc), lambda X, p=p: np.linalg.norm(X.T - p, axis=1) < 1e-10)
                bcs.append(fem.dirichletbc(0.0, dofs[0], V))
        return bcs

    def _region_bcs(self) -> list:
        """θ = θ_0 and μ_x = 0 where no transporting cell of their side reaches; F_p = I and
        ε̄_p = 0 outside the primary material (those unknowns have no equation there)."""
        if self.regions is None:
            return []
        W, transport, theta0 = self.W, self.regions.transport, float(self.case.initial.soc)
        sub = self.subs
        sides = [(transport, 1, 2)]
        if self.two_sides:
            second = self.regions.second
            sides = [(transport * (1 - second), 1, 2), (second, sub["theta2"], sub["mu2"])]
        bcs = [fem.dirichletbc(value, isolated_dofs(W, i, where), W.sub(i))
               for where, theta, mu in sides for i, value in ((theta, theta0), (mu, 0.0))]
        if self.detached:  # u where only side-2 cells reach, u₂ where only side-1 cells do
            tags, roles = self.domain.cell_tags, self.domain.regions
            far = self.regions.sides.detached
            cells = [np.concatenate([tags.find(t) for r, t in roles.items() if (r in far) == s])
                     for s in (False, True)]
            for name, side in zip(("u", "u2"), cells):
                V = W.sub(sub[name])
                parts = [V] if self.dimension == "radial" else \
                    [V.sub(k) for k in range(self.mesh.geometry.dim)]
                for Vk in parts:
                    Vc, to_parent = Vk.collapse()
                    outside = np.asarray(to_parent).reshape(-1)[solvers.dofs_outside(Vc, side)]
                    bcs.append(fem.dirichletbc(0.0, outside.astype(np.int32), Vk))
        if self.plastic:
            tdim = self.mesh.topology.dim
            imap = self.mesh.topology.index_map(tdim)
            cells = np.setdiff1d(np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32),
                                 self.domain.cell_tags.find(self.regions.primary_tag))
            Fp, ep = W.sub(sub["Fp"]), W.sub(sub["ep"])
            V, _ = Fp.collapse()
            identity = fem.Function(V)
            values = np.array(plasticity.identity_values(self.dimension))
            identity.interpolate(lambda X: np.tile(values[:, None], (1, X.shape[1])))
            bcs.append(fem.dirichletbc(identity, fem.locate_dofs_topological(
                (Fp, V), tdim, cells), Fp))
            bcs.append(fem.dirichletbc(0.0, fem.locate_dofs_topological(ep, tdim, cells), ep))
        return bcs

    def _hold_bc(self):
        if self.two_sides and self.mesh.comm.allreduce(fem.assemble_scalar(fem.form(
                self.on_wetted(self.regions.second) * self.ds_wetted))) > 0:
            raise CaseError("a hold at a surface θ needs the wetted surface on the active "
                            "material's side of the interfaces (here hosts behind a "
                            "resistance, blocking or cohesive interface are wetted); hold a "
                            "voltage or use another limit")
        fdim = self.mesh.topology.dim - 1
        facets = np.concatenate([self.domain.facet_tags.find(t) for t in self.domain.wetted])
        dofs = fem.locate_dofs_topological(self.W.sub(1), fdim, facets)
        return fem.dirichletbc(self.theta_hold, dofs, self.W.sub(1))

    # -- state ----------------------------------------------------------------------------------
    def reset_initial_state(self) -> None:
        """Uniform θ = θ_0, u = 0, μ_x = 0: the stress-free initial state."""
        self.w.x.array[:] = 0.0
        for name in ("theta", "theta2"):
            if name in self.subs:
                self.w.sub(self.subs[name]).interpolate(
                    lambda X: np.full(X.shape[1], self.theta0.value))
        if self.plastic:
            identity = np.array(plasticity.identity_values(self.dimension))
            self.w.sub(self.subs["Fp"]).interpolate(
                lambda X: np.tile(identity[:, None], (1, X.shape[1])))
        if self.detached:
            self.opening_max.x.array[:] = 0.0
        self.w.x.scatter_forward()
        self.w_n.x.array[:] = self.w.x.array
        self.w_nm1.x.array[:] = self.w.x.array

    def adopt_state(self) -> None:
        """Continue from the accepted state just read into w_n (and w_nm1, the damage: a
        checkpoint's)."""
        self.w.x.array[:] = self.w_n.x.array
        if self.phase_field is not None:
            self.phase_field.reject()  # d ← the accepted d_n

    def solve_step(self, dtau: float, mode: str, previous_dtau: float | None = None):
        """One step of size Δτ from w_n: BDF2 when the size of the previous step of the same
        smooth stretch is given, else backward Euler. Returns (converged, Newton its, KSP its).

        Variable-step BDF2 with ω = Δτ/Δτ_prev: a = ((1+2ω)/(1+ω), −(1+ω), ω²/(1+ω)).
        """
        self.dtau.value = dtau
        if previous_dtau:
            om = dtau / previous_dtau
            self.bdf.value[:] = ((1 + 2 * om) / (1 + om), -(1 + om), om**2 / (1 + om))
        else:
            self.bdf.value[:] = (1.0, -1.0, 0.0)
        problem = self.problems[mode]
        ok, its, kits = self._newton(problem)
        if not ok and problem.solver.getConvergedReason() == DIVERGED_LINEAR_SOLVE \
                and self.preset == "direct":
            # the lagged LU no longer preconditions the Jacobian: retry with exact Newton
            with solvers.exact_newton(problem.solver):
                ok, its2, kits2 = self._newton(problem)
            its, kits = its + its2, kits + kits2
        if ok and self.phase_field is not None:
            ok, its, kits = self._staggered(problem, its, kits)
        return ok, its, kits

    def _staggered(self, problem, its: int, kits: int):
        """Alternate damage solves and (u, θ, μ) solves at fixed damage until the damage stops
        changing (max |Δd| ≤ staggered_tolerance); (converged, Newton its, KSP its) in total."""
        spec = self.case.physics.fracture
        for _ in range(spec.staggered_iterations):
            ok, _, change = self.phase_field.solve()
            if not ok or change <= spec.staggered_tolerance:
                return ok, its, kits
            ok, n, k = self._newton(problem, warm=True)
            its, kits = its + n, kits + k
            if not ok:
                return False, its, kits
        return False, its, kits

    def _newton(self, problem, warm: bool = False):
        if not warm:  # start Newton from the last accepted state
            self.w.x.array[:] = self.w_n.x.array
        problem.solve()
        snes = problem.solver
        ok = snes.getConvergedReason() > 0 and np.all(np.isfinite(self.w.x.array))
        return ok, snes.getIterationNumber(), snes.getLinearSolveIterations()

    def accept(self) -> None:
        self.w_nm1.x.array[:] = self.w_n.x.array
        self.w_n.x.array[:] = self.w.x.array
        if self.detached:
            self._record_opening()
        if self.phase_field is not None:
            self.phase_field.accept()

    def reject(self) -> None:
        """Back to the last accepted state, with fresh preconditioners for the retry."""
        self.w.x.array[:] = self.w_n.x.array
        if self.phase_field is not None:
            self.phase_field.reject()
        for problem in self.problems.values():
            solvers.refresh(problem.solver, self.preset)

    @property
    def num_dofs(self) -> int:
        return self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs


def _assemble_into(f: fem.Function, form) -> None:
    """f ← the assembled vector of ``form`` (ghosts accumulated and updated), in place."""
    vec = f.x.petsc_vec
    with vec.localForm() as local:
        local.set(0.0)
    assemble_vector(vec, form)
    vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    f.x.scatter_forward()
