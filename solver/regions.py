"""Material regions of a multi-material body: per-cell coefficients and the unknowns that live
outside the regions the species can enter.

The role ``active`` is the primary material: it carries every θ-dependent law of the case
(formulas, tables, plasticity, phase separation, OCV). Every other role is either

* a secondary host (a full material, e.g. hard carbon around Sn): constant E, ν, D, c_max and
  linear swelling 1 + βθ. It shares the unknown θ = c/c_max,i with the primary material; θ
  continuous across an interface is local equilibrium of two lattice gases with the same
  reference potential (perfect bonding, μ continuous up to the stress terms), so c jumps by
  c_max,B/c_max,A there;
* or elastic (an ``ElasticMaterial``: Co, Cu, W, carbon fibre): no species, no swelling; its
  interfaces block the flux.

``interfaces`` in the case change this (solver.interfaces): a partition coefficient sets the
scale s_i of c = s_i c_max θ (default s_i = c_max,i/c_max), and resistance or blocking
interfaces put the hosts beyond them on a second side with their own unknowns.

Coefficients are cell-wise constant (DG0), relative to the primary material: c_max,i/c_max,
s_i, d = D_i/D, β_i, E_i/E, ν_i, with ``transport`` = 1 where the species lives and
``primary`` = 1 in the primary material. θ and μ_x unknowns whose support holds no transporting cell are fixed
(``isolated_dofs``), and so are the plastic unknowns outside the primary material.
"""

from dataclasses import dataclass

import numpy as np
import ufl
from dolfinx import fem
from dolfinx.la import InsertMode

from solver.interfaces import Sides, plan_sides
from solver.schema import Material
from solver.solvers import collapsed_dofs


@dataclass
class Regions:
    """Cell-wise coefficients (DG0 functions) of the regions of one mesh."""

    primary: fem.Function
    transport: fem.Function
    capacity: fem.Function  # c_max,i / c_max (0 where elastic)
    scale: fem.Function  # s_i: c = s_i c_max θ (0 where elastic)
    second: fem.Function  # 1 in the hosts on the second side (behind a barrier)
    detached: fem.Function  # 1 in the materials beyond a cohesive interface (their own u₂)
    diffusivity: fem.Function  # D_i / D
    expansion: fem.Function  # β_i = Ω_i s_i c_max (= Ω_i c_max,i by default; 0 where elastic)
    modulus: fem.Function  # E_i / E
    poisson: fem.Function  # ν_i
    primary_tag: int
    transport_cells: np.ndarray  # local cells of transporting regions
    masses: dict[str, float]  # role -> density (kg/m³), transporting roles
    sides: Sides


def build_regions(case, domain, coupling: str) -> Regions | None:
    """The coefficients of ``domain.regions`` from the case's materials (None: one region)."""
    if len(domain.regions) == 1:
        return None
    primary = case.materials["active"]
    V = fem.functionspace(domain.mesh, ("DG", 0))
    sides = plan_sides(case, domain)
    names = ("primary", "transport", "capacity", "scale", "second", "detached", "diffusivity",
             "expansion", "modulus", "poisson")
    fields = {n: fem.Function(V, name=n) for n in names}
    transport_cells = []
    for role, tag in domain.regions.items():
        m = case.materials[role]
        cells = domain.cell_tags.find(tag)
        hosts = isinstance(m, Material)
        values = {"primary": float(role == "active"), "transport": float(hosts),
                  "capacity": m.c_max / primary.c_max if hosts else 0.0,
                  "scale": sides.scale[role] if hosts else 0.0,
                  "second": float(role in sides.second),
                  "detached": float(role in sides.detached),
                  "diffusivity": m.D / primary.D if hosts else 0.0,
                  "expansion": m.Omega * primary.c_max * sides.scale[role]
                  if hosts and coupling != "none" else 0.0,
                  "modulus": m.E / primary.E, "poisson": m.nu}
        for n, value in values.items():
            fields[n].x.array[V.dofmap.list[cells].ravel()] = value
        if hosts:
            transport_cells.append(cells)
    for f in fields.values():
        f.x.scatter_forward()
    masses = {role: m.density for role, m in case.materials.items() if isinstance(m, Material)}
    return Regions(**fields, primary_tag=domain.regions["active"],
                   transport_cells=np.concatenate(transport_cells), masses=masses, sides=sides)


def isolated_dofs(W, sub: int, transport) -> np.ndarray:
    """Local dofs of the scalar P1 sub-space ``sub`` of W whose support holds no cell where the
    indicator ``transport`` (UFL of DG0 fields) is 1 (assembled: cells on other ranks count)."""
    V, to_parent = collapsed_dofs(W, sub)
    q = ufl.TestFunction(V)
    b = fem.assemble_vector(fem.form(transport * q * ufl.dx))
    b.scatter_reverse(InsertMode.add)
    b.scatter_forward()
    return to_parent[np.flatnonzero(b.array == 0)].astype(np.int32)

