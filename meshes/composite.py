"""Composite electrode: active particles embedded in a matrix box.

Shape: the box [0, Lx] x [0, Ly] x [0, Lz] of matrix (role ``matrix``, cell tag 2, e.g. hard
carbon) holding non-overlapping spherical particles (role ``active``, cell tag 1).

Placement (``pack_particles``, the same on every rank): ``numpy.random.default_rng(seed)`` draws,
particle after particle, the radius R (1 + s z) with z standard normal truncated at +-2 and then
uniform candidate centres; random sequential addition keeps a candidate with at least
``min_gap`` (default R/5) of matrix to every placed particle and to the faces.  It stops at the
particle count whose volume is the nearest to ``volume_fraction`` times the box (at least one
particle), so the achieved fraction differs from the target by at most half a particle; a
fraction that finds no room raises ValueError.

Facets: the box faces x0, x1, y0, y1, z0, z1 (ids 1..6 as for ``box``) and the particle surfaces
``interface:active:matrix`` (id 7).  Rollers and wetted faces come from the geometry's lists.
Mesh: default element size R/3 in the matrix; particle surfaces carry CURVATURE_POINTS
edges per circle (``packing``), so particle volumes lack ~0.5 %.
"""

from __future__ import annotations

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .box import FACE_AXIS, FACE_IDS, FACES
from .domain import Domain, mesh_size
from .gmsh_session import gmsh_model, to_dolfinx
from .packing import (add_physical_groups, box_face, curved_mesh_options, facet_groups,
                      fragment_roles, place_spheres, truncated_normal)

REGIONS = {"active": 1, "matrix": 2}
INTERFACE = "interface:active:matrix"
NAMES = (*FACES, INTERFACE)


def build_composite(geometry, comm: MPI.Comm) -> Domain:
    lengths = np.array([float(v) for v in geometry.size])
    radius = float(geometry.particle_radius)
    centres, radii = pack_particles(geometry)
    rollers = tuple((FACE_IDS[n], FACE_AXIS[n]) for n in _faces(geometry.rollers, "roller"))
    wetted = tuple(FACE_IDS[n] for n in _faces(geometry.wetted, "wetted"))
    size = mesh_size(geometry, radius / 3.0)
    with gmsh_model("swellfem_composite", comm) as gmsh:
        error = None
        if gmsh is not None:
            try:
                _generate(gmsh, lengths / radius, centres / radius, radii / radius,
                          size / radius)
            except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
                error = exc
        data = to_dolfinx(gmsh, comm, gdim=3, scale=radius, error=error)
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension="3d", facet_ids={name: i for i, name in enumerate(NAMES, 1)},
                  wetted=wetted, rollers=rollers, pins=(), length=float(lengths.max()),
                  center=tuple(0.5 * lengths), body_factor=1.0, regions=dict(REGIONS))


def pack_particles(geometry) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n, 3) and radii (n,) of the particles in metres, reproducible from the seed."""
    lengths = np.array([float(v) for v in geometry.size])
    radius = float(geometry.particle_radius)
    spread = float(geometry.radius_spread)
    fraction = float(geometry.volume_fraction)
    gap = radius / 5.0 if geometry.min_gap is None else float(geometry.min_gap)
    if lengths.size != 3 or lengths.min() <= 0.0:
        raise ValueError(f"composite size must be three positive lengths, got {geometry.size}")
    if not 0.0 <= spread < 0.5:
        raise ValueError(f"radius_spread must be in [0, 0.5) (radii stay positive at -2 sigma), "
                         f"got {spread}")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"volume_fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(int(geometry.seed))

    def draw_centres(r: float, count: int) -> np.ndarray:
        low, high = r + gap, lengths - r - gap
        if np.any(high < low):
            raise ValueError(f"composite box {lengths.tolist()} m cannot hold a particle of "
                             f"radius {r:.3g} m with min_gap {gap:.3g} m to the faces")
        return rng.uniform(low, high, size=(count, 3))

    return place_spheres(rng, lambda: truncated_normal(rng, radius, spread), draw_centres, gap,
                         fraction * float(np.prod(lengths)), "composite")


def _faces(names, what: str) -> list[str]:
    names = [str(n) for n in (names or ())]
    bad = [n for n in names if n not in FACE_IDS]
    if bad:
        raise ValueError(f"unknown composite {what} face(s) {bad}; expected among {FACES}")
    return names


def _generate(gmsh, lengths, centres, radii, size) -> None:
    """The unit-scaled model (lengths in particle radii), meshed."""
    occ = gmsh.model.occ
    box = occ.addBox(0.0, 0.0, 0.0, *lengths)
    particles = [occ.addSphere(*c, r) for c, r in zip(centres, radii, strict=True)]
    regions = fragment_roles(gmsh, {"matrix": [box], "active": particles})

    def classify(surface: int, role: str) -> str:
        name = box_face(gmsh, surface, tuple(lengths))
        if name is None:
            raise RuntimeError(f"composite: boundary surface {surface} of the {role} is not on "
                               "a box face")
        return name

    groups = facet_groups(gmsh, regions, classify)
    ids = add_physical_groups(gmsh, regions, REGIONS, groups, NAMES)
    if len(ids) != len(NAMES):
        raise RuntimeError(f"composite: surface groups {sorted(set(NAMES) - set(ids))} empty")
    curved_mesh_options(gmsh, size, float(radii.min()))
    gmsh.model.mesh.generate(3)
