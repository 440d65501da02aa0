"""Inverse opal: an FCC lattice of spherical pores joined by windows, on a current collector.

Shape: template spheres of diameter d touch along the face diagonals of cubic FCC cells of
edge a = d sqrt(2) (4 spheres per cell: the corners and face centres).  The pores are those
spheres enlarged to R_p = sqrt((d/2)^2 + (w/2)^2), so that the 12 nearest neighbours of a pore
(at distance d) overlap it in circular windows of diameter w.  The wall (role ``active``, cell
tag 1) is the block [0, n a]^3 minus all pores whose centres lie on the block (the pores of
neighbouring cells that cut into it); it sits on the collector slab [0, n a]^2 x [-t_c, 0]
(role ``collector``, cell tag 2).  An optional conformal coating of thickness t (role
``coating``, cell tag 3) lines the pores: block ∩ (pores of radius R_p) minus (pores of radius
R_p - t).  w < d/sqrt(3) keeps three pores from sharing a point (closed connected walls) and
t < R_p - d/2 keeps the windows open.

Facets: x0, x1, y0, y1 (ids 1..4: lateral faces of block and slab, rollers on the normal
component), z0 (5: slab bottom, clamped), z1 (6: block top, wetted), ``pore`` (7: the pore-side
surface of the coating, or of the wall without coating; wetted), ``collector_exposed`` (8: the
collector's top face where pores open onto it; free) and the interfaces
``interface:active:collector`` (9), ``interface:active:coating`` (10),
``interface:coating:collector`` (11; the last two only with a coating).

gmsh works in units of d: the pores are fused, the wall is the block minus the pores, the
coating the block ∩ pores minus the shrunken pores, and all are fragmented with the slab.  Each
sphere is rotated about a skew axis so that its seam and poles avoid the block's faces and
edges.  Mesh: default element size d/8; pore surfaces carry CURVATURE_POINTS edges per circle
(``packing``), which keeps the porosity within ~0.5 % of the closed form.  The wall, a small
fraction of the block, sees that error amplified: ~2 % of its volume for w = 0.3 d.  With
d = 300 nm, w = 0.3 d, t_c = 60 nm: 11,932 tetrahedra for 1 cell, 86,845 for 2x2x2 cells
(~10 s).
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size
from .gmsh_session import gmsh_model, to_dolfinx
from .packing import (add_physical_groups, box_face, curved_mesh_options, facet_groups,
                      fragment_roles)

REGIONS = {"active": 1, "collector": 2, "coating": 3}
NAMES = ("x0", "x1", "y0", "y1", "z0", "z1", "pore", "collector_exposed",
         "interface:active:collector", "interface:active:coating",
         "interface:coating:collector")
IDS = {name: i for i, name in enumerate(NAMES, start=1)}
SEAM_AXIS = (1.0, 2.0, 3.0)  # sphere rotation (any skew axis and angle will do)
SEAM_ANGLE = 0.7


def build_inverse_opal(geometry, comm: MPI.Comm) -> Domain:
    d, w, n, t, t_c = _dimensions(geometry)
    a = d * math.sqrt(2.0)
    size = mesh_size(geometry, d / 8.0)
    with gmsh_model("swellfem_inverse_opal", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                _generate(gmsh, n, pore_radius(d, w) / d, t / d, t_c / d, size / d)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        data = to_dolfinx(gmsh, comm, gdim=3, scale=d, error=error)
    roles = ("active", "collector", "coating") if t > 0.0 else ("active", "collector")
    names = [name for name in NAMES if "coating" not in name or t > 0.0]
    block = n * a
    return Domain(
        mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags, dimension="3d",
        facet_ids={name: IDS[name] for name in names}, wetted=(IDS["pore"], IDS["z1"]),
        rollers=((IDS["x0"], 0), (IDS["x1"], 0), (IDS["y0"], 1), (IDS["y1"], 1)),
        clamped=(IDS["z0"],), pins=(), length=block, center=(0.5 * block,) * 3,
        body_factor=1.0, regions={role: REGIONS[role] for role in roles})


def pore_radius(pore_diameter: float, window_diameter: float) -> float:
    """R_p: neighbouring pores at distance d overlap in windows of diameter w."""
    return math.hypot(0.5 * pore_diameter, 0.5 * window_diameter)


def _dimensions(geometry) -> tuple[float, float, int, float, float]:
    """d, w, n, t (0 without coating), t_c, validated."""
    d = float(geometry.pore_diameter)
    w = float(geometry.window_diameter)
    n = int(geometry.cells)
    t = float(geometry.coating_thickness or 0.0)
    t_c = float(geometry.collector_thickness)
    if min(d, w, t_c) <= 0.0 or n < 1 or t < 0.0:
        raise ValueError("inverse_opal needs positive pore, window and collector sizes and "
                         "cells >= 1")
    if w >= d / math.sqrt(3.0):
        raise ValueError(f"window_diameter {w:.3g} m must be below pore_diameter/sqrt(3) = "
                         f"{d / math.sqrt(3.0):.3g} m (wider windows disconnect the walls)")
    if t >= pore_radius(d, w) - 0.5 * d:
        raise ValueError(f"coating_thickness {t:.3g} m closes the windows: it must be below "
                         f"R_p - d/2 = {pore_radius(d, w) - 0.5 * d:.3g} m")
    return d, w, n, t, t_c


def lattice_sites(cells: int) -> np.ndarray:
    """FCC sites (units of a/2) whose pores reach into the block [0, cells]^3 of cells.

    Pores are smaller than a/2 (w < d/sqrt(3)), so these are the sites on the closed block.
    """
    index = np.arange(2 * cells + 1)
    sites = np.array(np.meshgrid(index, index, index, indexing="ij")).reshape(3, -1).T
    return sites[sites.sum(axis=1) % 2 == 0]


def _pores(occ, cells: int, radius: float) -> list[tuple[int, int]]:
    """The union of the pores of ``radius`` (units of d) on all lattice sites."""
    half_cell = math.sqrt(2.0) / 2.0  # a/2 in units of d
    spheres = []
    for site in lattice_sites(cells):
        centre = half_cell * site
        tag = occ.addSphere(*centre, radius)
        occ.rotate([(3, tag)], *centre, *SEAM_AXIS, SEAM_ANGLE)
        spheres.append((3, tag))
    union, _ = occ.fuse(spheres[:1], spheres[1:])
    return union


def _generate(gmsh, cells, radius, t, t_c, size) -> None:
    """The unit-scaled model (lengths in pore diameters d), meshed."""
    occ = gmsh.model.occ
    edge = cells * math.sqrt(2.0)
    block = occ.addBox(0.0, 0.0, 0.0, edge, edge, edge)
    pores = _pores(occ, cells, radius)
    roles = {}
    if t > 0.0:
        in_block, _ = occ.intersect(occ.copy(pores), occ.copy([(3, block)]))
        roles["coating"], _ = occ.cut(in_block, _pores(occ, cells, radius - t))
    roles["active"], _ = occ.cut([(3, block)], pores)
    roles["collector"] = [(3, occ.addBox(0.0, 0.0, -t_c, edge, edge, t_c))]
    regions = fragment_roles(gmsh, {role: [tag for _, tag in dim_tags]
                                    for role, dim_tags in roles.items()})

    def classify(surface: int, role: str) -> str:
        name = box_face(gmsh, surface, (edge, edge, edge), (0.0, 0.0, -t_c))
        kind = gmsh.model.getType(2, surface)
        if name is not None:
            return name
        if role == "collector" and kind == "Plane":
            return "collector_exposed"
        if role != "collector" and kind == "Sphere":
            return "pore"
        raise RuntimeError(f"inverse_opal: unexpected {kind} boundary surface {surface} of the "
                           f"{role}")

    groups = facet_groups(gmsh, regions, classify)
    add_physical_groups(gmsh, regions, REGIONS, groups, NAMES)
    curved_mesh_options(gmsh, size, radius - t)
    gmsh.model.mesh.generate(3)
