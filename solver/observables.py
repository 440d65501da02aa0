"""Derived quantities of a model state, in SI: averages, extrema, stress fields and probes.

Everything compiled here (forms, expressions, point locations) is built once; ``update`` only
interpolates and assembles.
"""

import numpy as np
import ufl
import dolfinx.fem.petsc  # noqa: F401  (fem.petsc)
from dolfinx import fem, geometry, mesh as dmesh
from mpi4py import MPI
from petsc4py import PETSc

from solver.physics import elasticity, kinematics
from solver.solvers import collapsed_dofs


class Observables:
    """Stress fields on a discontinuous space and the scalars written to summary.csv."""

    def __init__(self, model):
        self.model = model
        m, S = model.mesh, model.scales
        self.comm = m.comm
        # stresses of P2 (P1) displacement are P1 (P0) per cell; with a per-cell plastic state
        # they are sampled at the cell centroid (DG0), where the flow rule holds
        degree = 0 if model.plastic else max(model.case.geometry.mesh.order - 1, 0)
        self.V = fem.functionspace(m, ("DG", degree))
        sigma = model.stress(model.u, model.theta, on_axis=True)
        p = kinematics.position(model.dimension, model.x, model.center)
        s_rr, s_tt = elasticity.spherical_components(sigma, p)
        E, L = S.stress, S.length
        exprs = {  # SI units
            "sigma_h": E * elasticity.hydrostatic(sigma),
            "von_mises": E * elasticity.von_mises(sigma),
            "sigma_rr": E * s_rr,
            "sigma_tt": E * s_tt,
            "u_r": L * kinematics.radial_displacement(model.u, model.dimension, model.x,
                                                       model.center),
        }
        self.ufl_fields = exprs
        points = self.V.element.interpolation_points
        self._expressions = {k: fem.Expression(e, points) for k, e in exprs.items()}
        self.fields = {k: fem.Function(self.V, name=k) for k in exprs}
        dom = model.domain
        self._surface = self._dofs_on(dom.wetted)
        self._interface = self._dofs_on([v for k, v in dom.facet_ids.items()
                                         if k.startswith("interface:")])
        self._sei = self.V.dofmap.list[dom.cell_tags.find(dom.regions["sei"])].ravel() \
            if "sei" in dom.regions else np.zeros(0, dtype=np.int32)

        self.volume = self._integral(model.dV(1.0))  # non-dimensional, weighted
        self.wetted_area = self._integral(model.dA(1.0)) if model.ds_wetted is not None else 0.0
        self._volume = self.volume
        # the host capacity, in volumes of the primary material (c_max,i/c_max weighted), and
        # the mass of the hosts (kg per unit non-dimensional volume)
        regions = model.regions
        capacity = 1.0 if regions is None else regions.capacity
        self.capacity_volume = self._integral(model.dV(capacity))
        mat = model.case.materials["active"]
        self.host_mass = self.volume * mat.density if regions is None else sum(
            rho * self._integral(model.dV_region(role))
            for role, rho in regions.masses.items())
        moles = 1.0 if regions is None else regions.scale  # c/(c_max θ)
        self._theta_form = fem.form(model.dV(moles * model.theta))
        self.surface_points = self._surface_points(model) if model.sei_state is not None \
            else None
        self._dilatation_form = fem.form(model.dV(model.dilatation))
        self._theta_dofs = np.concatenate([collapsed_dofs(model.W, i)[1]
                                           for i in model.fields["theta"]])
        self._electrochemistry = None
        if model.ocv is not None and self.wetted_area > 0:
            # surface means (V) and the total Butler–Volmer current (A) of the modelled body
            amps = S.length**2 * model.domain.body_factor
            self._electrochemistry = {
                "voltage": fem.form(model.dA(model.local_voltage / self.wetted_area)),
                "equilibrium": fem.form(model.dA(model.equilibrium_voltage / self.wetted_area)),
                "current": fem.form(model.dA(model.surface_current * amps))}
        self._plastic_dofs = collapsed_dofs(model.W, 4)[1] if model.plastic else None
        self._damage = self._damage_forms(model)

    def _damage_forms(self, model) -> dict:
        """{column: (form, total)}: the cracked (d ≥ threshold) volume of the active material,
        area of the wetted surface under a meshed SEI and delaminated area of cohesive
        interfaces, with what they are fractions of."""
        forms = {}
        if model.detached:  # fully opened (D = 1) area of the cohesive interfaces
            opened = model.delaminated_area()
            forms["interface_delaminated_area_fraction"] = (
                fem.form(opened), self._integral(model.delaminated_area(total=True)))
        pf, spec = model.phase_field, model.case.physics.fracture
        if pf is None:
            return forms
        cracked = ufl.conditional(ufl.ge(pf.d, spec.threshold), 1.0, 0.0)
        if "active" in spec.regions:
            volume = model.dV if model.regions is None else \
                (lambda f: model.dV_region("active", f))
            forms["particle_damage_volume_fraction"] = (fem.form(volume(cracked)),
                                                        self._integral(volume(1.0)))
        if "sei" in spec.regions and model.wetted_inside:
            forms["sei_cracked_area_fraction"] = (fem.form(model.dA(cracked)), self.wetted_area)
        return forms

    def _surface_points(self, model) -> np.ndarray:
        """This rank's vertices of the wetted surface (owned P1 rows with a share of it); sets
        their lumped reference areas ``point_area0`` (m²) and the form of the deformed ones."""
        Q = fem.functionspace(model.mesh, ("Lagrange", 1))
        pf = model.phase_field
        for other in (model.sei_state, None if pf is None else pf.d):
            if other is not None and not np.array_equal(other.function_space.dofmap.list,
                                                        Q.dofmap.list):
                raise RuntimeError(f"the P1 dofs of {other.name} are not laid out as the "
                                   "surface points'")
        v = ufl.TestFunction(Q)
        self._point_vector = fem.petsc.create_vector(Q)
        self._point_area_form = fem.form(model.dA(v * model.surface_stretch))
        self._to_m2 = model.scales.length**2 * model.domain.body_factor
        reference = self._lumped(fem.form(model.dA(v)))
        rows = np.flatnonzero(reference > 0)
        self.point_area0 = reference[rows] * self._to_m2
        return rows

    def _lumped(self, form) -> np.ndarray:
        """∫ φ_p (…) dA of every owned P1 row (non-dimensional)."""
        b = self._point_vector
        with b.localForm() as local:
            local.set(0.0)
        fem.petsc.assemble_vector(b, form)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD_VALUES, mode=PETSc.ScatterMode.REVERSE)
        return b.array_r

    def point_areas(self) -> np.ndarray:
        """Deformed area of each of this rank's surface points (m²): ∫ φ_p J|F⁻ᵀN| dA_0."""
        return self._lumped(self._point_area_form)[self.surface_points] * self._to_m2

    def point_damage(self) -> np.ndarray:
        """The phase field's damage at this rank's surface points."""
        return self.model.phase_field.d.x.array[self.surface_points]

    def cohesive_area(self) -> float:
        """The area of the cohesive interfaces (m², whole body): times the delaminated fraction
        of ``damage_fractions``, the opened area."""
        _, total = self._damage["interface_delaminated_area_fraction"]
        return total * self.model.scales.length**2 * self.model.domain.body_factor

    def damage_fractions(self) -> dict:
        """Cracked and delaminated fractions (empty without fracture or cohesive interfaces)."""
        return {k: self._sum(form) / total for k, (form, total) in self._damage.items()}

    def _integral(self, form) -> float:
        return self.comm.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)

    def _dofs_on(self, facet_ids) -> np.ndarray:
        """Local dofs of the stress space that sit on the facets tagged ``facet_ids`` (wetted
        surface, interfaces): vertices, or cells for DG0."""
        m, dom = self.model.mesh, self.model.domain
        tdim = m.topology.dim
        m.topology.create_connectivity(tdim - 1, 0)
        m.topology.create_connectivity(tdim, 0)
        if not facet_ids:
            return np.zeros(0, dtype=np.int32)
        facets = np.concatenate([dom.facet_tags.find(t) for t in facet_ids])
        vertices = dmesh.compute_incident_entities(m.topology, facets, tdim - 1, 0)
        on_surface = np.zeros(m.topology.index_map(0).size_local
                              + m.topology.index_map(0).num_ghosts, dtype=bool)
        on_surface[vertices] = True
        cell_vertices = m.topology.connectivity(tdim, 0).array.reshape(-1, tdim + 1)
        dofmap = self.V.dofmap.list
        if dofmap.shape[1] == 1:  # DG0: cells touching the surface
            return dofmap[on_surface[cell_vertices].any(axis=1), 0]
        return dofmap[on_surface[cell_vertices]]  # DG1 dof i of a cell sits on its vertex i

    def update(self) -> None:
        for name, expr in self._expressions.items():
            self.fields[name].interpolate(expr)

    # -- scalars (SI) -----------------------------------------------------------------------------
    @property
    def theta_values(self) -> np.ndarray:
        return self.model.w.x.array[self._theta_dofs]

    def soc(self) -> float:
        """State of charge θ̄ = ∫ c_i θ dV / ∫ c_i dV (c_i = c_max,i/c_max; one host: ∫θ/V)."""
        return self._sum(self._theta_form) / self.capacity_volume

    def volume_change_pct(self) -> float:
        """ΔV/V in %: ∫(J − 1) dV / V (finite strain) or ∫ tr ε dV / V (small strain)."""
        return 100.0 * self._sum(self._dilatation_form) / self._volume

    def voltage(self, mode: str) -> float:
        """Electrode potential (V vs the metal): the applied one under voltage control, else
        the surface mean of U_eq + η − i R_film at the imposed current; NaN without an OCV."""
        if self._electrochemistry is None:
            return float("nan")
        if mode == "voltage":
            return float(self.model.applied_voltage.value)
        return self._sum(self._electrochemistry["voltage"])

    def equilibrium_voltage(self) -> float:
        """Surface mean of U_eq = U_ocv(θ_s) + stress shift (V); NaN without an OCV."""
        if self._electrochemistry is None:
            return float("nan")
        return self._sum(self._electrochemistry["equilibrium"])

    def surface_current(self) -> float:
        """Butler–Volmer current at the applied potential through the whole body (A, > 0
        inserting)."""
        return self._sum(self._electrochemistry["current"])

    def _sum(self, form) -> float:
        return self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

    def _extreme(self, values: np.ndarray, op) -> float:
        local = (np.max(values) if op is MPI.MAX else np.min(values)) if values.size else \
            (-np.inf if op is MPI.MAX else np.inf)
        result = self.comm.allreduce(local, op=op)
        return float(result) if np.isfinite(result) else float("nan")

    def extrema(self) -> dict:
        """Stress extrema of the last ``update`` in Pa (at the wetted surface and at material
        interfaces, on both sides); NaN where there is no such surface."""
        f = self.fields
        return {
            "surface_hoop_max_Pa": self._extreme(f["sigma_tt"].x.array[self._surface], MPI.MAX),
            "hydrostatic_max_Pa": self._extreme(f["sigma_h"].x.array, MPI.MAX),
            "hydrostatic_min_Pa": self._extreme(f["sigma_h"].x.array, MPI.MIN),
            "von_mises_max_Pa": self._extreme(f["von_mises"].x.array, MPI.MAX),
            "interface_von_mises_max_Pa": self._extreme(f["von_mises"].x.array[self._interface],
                                                        MPI.MAX),
            "interface_hydrostatic_max_Pa": self._extreme(f["sigma_h"].x.array[self._interface],
                                                          MPI.MAX),
            "sei_hoop_max_Pa": self._extreme(f["sigma_tt"].x.array[self._sei], MPI.MAX),
            "plastic_strain_max": float("nan") if self._plastic_dofs is None else
            self._extreme(self.model.w.x.array[self._plastic_dofs], MPI.MAX),
        }

    def theta_range(self) -> tuple[float, float]:
        th = self.theta_values
        return self._extreme(th, MPI.MIN), self._extreme(th, MPI.MAX)


class RadialProbe:
    """Values along a ray from ``center`` in ``direction`` out to the body's length scale.

    Columns: r_m (reference radius), theta, c_mol_m3, sigma_rr_Pa, sigma_tt_Pa (spherical
    components about the ray's centre), sigma_h_Pa, von_mises_Pa, damage (not modelled: empty),
    u_r_m, r_current_m (deformed radius r + u_r of the reference point, exact for radially
    symmetric motion).
    """

    columns = ("r_m", "theta", "c_mol_m3", "sigma_rr_Pa", "sigma_tt_Pa", "sigma_h_Pa",
               "von_mises_Pa", "damage", "u_r_m", "r_current_m")

    def __init__(self, spec, observables: Observables):
        model = observables.model
        self.name, self.obs = spec.name, observables
        L = model.scales.length
        d = np.asarray(spec.direction, dtype=float)
        d /= np.linalg.norm(d)
        c = np.asarray(spec.center, dtype=float) / L
        s = np.linspace(0.0, 1.0, spec.points)
        pts3 = c[None, :] + s[:, None] * d[None, :]
        self.r_m = s * L
        if model.dimension == "radial":
            pts = np.column_stack([s, np.zeros_like(s), np.zeros_like(s)])
        elif model.dimension == "axisymmetric":
            rr = np.hypot(pts3[:, 0], pts3[:, 1])
            pts = np.column_stack([rr, pts3[:, 2], np.zeros_like(s)])
        else:
            pts = pts3
        m = model.mesh
        local = pts if observables.comm.rank == 0 else np.zeros((0, 3))
        # points on a curved surface may sit just outside the faceted mesh: pad by 5 % of L
        data = geometry.determine_point_ownership(m, np.ascontiguousarray(local), 0.05)
        self._owner = np.asarray(data.src_owner)
        self._points = np.asarray(data.dest_points).reshape(-1, 3)
        self._cells = np.asarray(data.dest_cells, dtype=np.int32)

    def sample(self) -> np.ndarray | None:
        """Rows (points × columns) on rank 0, NaN where the point is outside the body."""
        obs, model = self.obs, self.obs.model
        values = np.zeros((len(self._cells), len(self.columns) - 1))
        if len(self._cells):
            theta, *theta2 = (model.w.sub(i).eval(self._points, self._cells).ravel()
                              for i in model.fields["theta"])
            if theta2:  # the unknown of the point's side
                second = model.regions.second.eval(self._points, self._cells).ravel()
                theta = np.where(second > 0.5, theta2[0], theta)
            f = obs.fields
            scale = 1.0 if model.regions is None else \
                model.regions.scale.eval(self._points, self._cells).ravel()
            cols = [theta, theta * model.scales.c_max * scale]
            cols += [f[k].eval(self._points, self._cells).ravel()
                     for k in ("sigma_rr", "sigma_tt", "sigma_h", "von_mises")]
            u_r = f["u_r"].eval(self._points, self._cells).ravel()
            cols += [np.full(len(theta), np.nan), u_r, np.full(len(theta), np.nan)]
            values = np.column_stack(cols)
        gathered = obs.comm.gather(values, root=0)
        if obs.comm.rank != 0:
            return None
        rows = np.full((len(self.r_m), len(self.columns)), np.nan)
        rows[:, 0] = self.r_m
        for rank, vals in enumerate(gathered):
            rows[np.flatnonzero(self._owner == rank), 1:] = vals
        rows[:, -1] = rows[:, 0] + rows[:, -2]
        return rows
