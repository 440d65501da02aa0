"""Carbon nanofibre segment with spherical pores, some of them filled with Sn clusters.

Shape: the cylinder x^2 + y^2 <= R_f^2, 0 <= z <= L of carbon (role ``fibre``, cell tag 2) with
spherical pores of radius r_p.  A pore that holds a cluster is meshed whole as the cluster
(role ``active``, cell tag 1); an empty pore is a void (not meshed).

Placement (``place_pores``, the same on every rank): ``numpy.random.default_rng(seed)`` draws
uniform candidate centres in the cylinder; random sequential addition keeps a pore with at
least r_p/2 of carbon to every placed pore, to the lateral surface and to the end faces (so the
end faces stay plain carbon), stopping at the pore count whose volume is the nearest to
``porosity`` times the cylinder volume (at least one pore; more than MAX_PORES raises
ValueError).  The same generator then picks round(filled_fraction * count) pores to fill.

Facets: ``lateral`` r = R_f (id 1, wetted), end faces ``z0`` (2) and ``z1`` (3), rollers along
z, the surfaces of empty pores ``pore`` (4, free: neither wetted nor held) and the cluster
surfaces ``interface:active:fibre`` (5); ``pore`` and the interface are left out of
``facet_ids`` when there is no empty or no filled pore.  With both end faces on z-rollers the
rigid motions left (translations in x, y and the rotation about z) are removed by two pins
on the z0 face: the axis point (0, 0, 0) holds u_x and u_y, (R_f/2, 0, 0) holds u_y.
Mesh: default element size r_p; curved surfaces carry CURVATURE_POINTS edges per circle
(``packing``), so cluster volumes lack ~0.5 %.
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .domain import Domain, mesh_size
from .gmsh_session import gmsh_model, to_dolfinx
from .packing import (add_physical_groups, curved_mesh_options, facet_groups, fragment_roles,
                      on_plane, place_spheres)

REGIONS = {"active": 1, "fibre": 2}
NAMES = ("lateral", "z0", "z1", "pore", "interface:active:fibre")
IDS = {name: i for i, name in enumerate(NAMES, start=1)}
MAX_PORES = 400


def build_fibre_clusters(geometry, comm: MPI.Comm) -> Domain:
    radius = float(geometry.fibre_radius)
    length = float(geometry.length)
    centres, filled = place_pores(geometry)
    pore_radius = float(geometry.pore_radius)
    size = mesh_size(geometry, pore_radius)
    with gmsh_model("swellfem_fibre_clusters", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                _generate(gmsh, length / radius, centres / radius, filled,
                          pore_radius / radius, size / radius)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        data = to_dolfinx(gmsh, comm, gdim=3, scale=radius, error=error)
    names = [n for n in NAMES if (n != "pore" or not filled.all())
             and (not n.startswith("interface") or filled.any())]
    regions = {role: tag for role, tag in REGIONS.items() if role != "active" or filled.any()}
    pins = (((0.0, 0.0, 0.0), (0, 1)), ((0.5 * radius, 0.0, 0.0), (1,)))
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension="3d", facet_ids={n: IDS[n] for n in names},
                  wetted=(IDS["lateral"],), rollers=((IDS["z0"], 2), (IDS["z1"], 2)), pins=pins,
                  length=max(length, 2.0 * radius), center=(0.0, 0.0, 0.5 * length),
                  body_factor=1.0, regions=regions)


def place_pores(geometry) -> tuple[np.ndarray, np.ndarray]:
    """Pore centres (n, 3) in metres and which pores hold a cluster, reproducible from the seed."""
    radius = float(geometry.fibre_radius)
    length = float(geometry.length)
    r = float(geometry.pore_radius)
    gap = 0.5 * r
    if radius < r + gap or length < 2.0 * (r + gap):
        raise ValueError(f"a pore of radius {r:.3g} m with {gap:.3g} m of carbon around it does "
                         f"not fit a fibre of radius {radius:.3g} m and length {length:.3g} m")
    target = float(geometry.porosity) * math.pi * radius**2 * length
    if target / (4.0 / 3.0 * math.pi * r**3) > MAX_PORES + 0.5:
        raise ValueError(f"porosity {geometry.porosity} needs more than {MAX_PORES} pores of "
                         f"radius {r:.3g} m: increase pore_radius or reduce length")
    rng = np.random.default_rng(int(geometry.seed))

    def draw_centres(_r: float, count: int) -> np.ndarray:
        rho = (radius - r - gap) * np.sqrt(rng.uniform(size=count))
        phi = rng.uniform(0.0, 2.0 * math.pi, size=count)
        z = rng.uniform(r + gap, length - r - gap, size=count)
        return np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])

    centres, radii = place_spheres(rng, lambda: r, draw_centres, gap, target, "fibre_clusters")
    count = round(float(geometry.filled_fraction) * radii.size)
    filled = np.zeros(radii.size, dtype=bool)
    filled[rng.choice(radii.size, size=count, replace=False)] = True
    return centres, filled


def _generate(gmsh, length, centres, filled, pore_radius, size) -> None:
    """The unit-scaled model (lengths in fibre radii) with the pins embedded, meshed."""
    occ = gmsh.model.occ
    fibre = occ.addCylinder(0.0, 0.0, 0.0, 0.0, 0.0, length, 1.0)
    pores = [occ.addSphere(*c, pore_radius) for c in centres]
    regions = fragment_roles(gmsh, {
        "fibre": [fibre],
        "active": [p for p, f in zip(pores, filled, strict=True) if f],
        "void": [p for p, f in zip(pores, filled, strict=True) if not f],
    })
    occ.remove([(3, v) for v in regions.pop("void")], recursive=True)
    occ.synchronize()

    def classify(surface: int, role: str) -> str:
        kind = gmsh.model.getType(2, surface)
        if role == "fibre" and on_plane(gmsh, surface, 2, 0.0):
            return "z0"
        if role == "fibre" and on_plane(gmsh, surface, 2, length):
            return "z1"
        if role == "fibre" and kind in ("Cylinder", "Sphere"):
            return "lateral" if kind == "Cylinder" else "pore"
        raise RuntimeError(f"fibre_clusters: unexpected {kind} boundary surface {surface} of "
                           f"the {role}")

    groups = facet_groups(gmsh, regions, classify)
    add_physical_groups(gmsh, regions, REGIONS, groups, NAMES)
    pins = [occ.addPoint(0.0, 0.0, 0.0), occ.addPoint(0.5, 0.0, 0.0)]
    occ.synchronize()
    gmsh.model.mesh.embed(0, pins, 2, groups["z0"][0])
    curved_mesh_options(gmsh, size, pore_radius)
    gmsh.model.mesh.generate(3)
