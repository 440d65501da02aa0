"""What the porous builders (composite, fibre_clusters, inverse_opal) share.

* ``place_spheres``: random sequential addition (RSA) of non-overlapping spheres.  Spheres are
  drawn one at a time (radius first, then candidate centres from the allowed region, all from
  the caller's ``numpy.random.Generator``); a candidate is kept when it keeps at least ``gap``
  to every sphere placed so far.  Placing stops at the sphere count whose total volume is the
  nearest to the target (at least one sphere), so the achieved volume differs from the target
  by at most half a sphere.
* gmsh on rank 0 (unit-scaled OCC geometry): ``fragment_roles`` fragments the volumes of all
  material roles conformally and assigns each piece to a role by the provenance map of the
  boolean operation (no geometric guessing); ``facet_groups`` names every surface: interfaces
  between two roles ``interface:<a>:<b>`` (alphabetical), boundary surfaces by a builder's
  classifier; ``add_physical_groups`` turns both into physical groups.
* ``curved_mesh_options``: ``mesh_options`` plus curvature-driven sizes.  Curved surfaces
  (spheres, cylinders) carry at least CURVATURE_POINTS element edges per full circle whatever
  ``mesh.size`` is (a faceted sphere then lacks ~0.6 % of its volume, ~0.35 (h/R)^2, and 0.34 %
  of its area); volumes grow back to ``mesh.size`` away from the surfaces.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .gmsh_session import mesh_options

CURVATURE_POINTS = 48  # element edges per 2*pi on curved surfaces
ATTEMPTS = 20_000  # candidate centres tried for one sphere before giving up
BATCH = 500  # candidate centres tested at once
TOL = 1e-6  # geometric tolerance of the unit-scaled gmsh models


# --------------------------------------------------------------------------- packing
def truncated_normal(rng: np.random.Generator, mean: float, spread: float) -> float:
    """mean * (1 + spread * z), z standard normal redrawn until |z| <= 2."""
    if spread == 0.0:
        return mean
    while True:
        z = rng.standard_normal()
        if abs(z) <= 2.0:
            return mean * (1.0 + spread * z)


def place_spheres(rng: np.random.Generator, draw_radius: Callable[[], float],
                  draw_centres: Callable[[float, int], np.ndarray], gap: float,
                  target_volume: float, what: str) -> tuple[np.ndarray, np.ndarray]:
    """RSA of spheres up to ``target_volume``; returns centres (n, 3) and radii (n,).

    ``draw_centres(r, k)`` returns k uniform candidate centres of a sphere of radius r inside
    the allowed region (it keeps the gap to the walls itself).  Raises ValueError when a sphere
    finds no place in ATTEMPTS candidates.
    """
    centres = np.empty((0, 3))
    radii = np.empty(0)
    volume = 0.0
    while True:
        r = draw_radius()
        v = 4.0 / 3.0 * math.pi * r**3
        if radii.size and volume + 0.5 * v >= target_volume:
            return centres, radii
        centre = _place_one(rng, r, draw_centres, centres, radii, gap)
        if centre is None:
            raise ValueError(
                f"{what}: random sequential addition placed only {radii.size} spheres "
                f"({volume / target_volume:.0%} of the target volume) and found no room for the "
                f"next one in {ATTEMPTS} attempts; lower the volume fraction or the gap, or "
                "enlarge the domain")
        centres = np.vstack([centres, centre])
        radii = np.append(radii, r)
        volume += v


def _place_one(rng, r, draw_centres, centres, radii, gap):
    """The first of up to ATTEMPTS candidates that keeps ``gap`` to all spheres, or None."""
    for _ in range(ATTEMPTS // BATCH):
        candidates = draw_centres(r, BATCH)
        if not radii.size:
            return candidates[0]
        distance = np.linalg.norm(candidates[:, None, :] - centres[None, :, :], axis=2)
        free = np.all(distance >= radii[None, :] + r + gap, axis=1)
        if free.any():
            return candidates[np.argmax(free)]
    return None


# --------------------------------------------------------------------------- gmsh helpers
def fragment_roles(gmsh, roles: dict[str, list[int]]) -> dict[str, list[int]]:
    """Fragment all volumes of ``roles`` (role -> OCC volume tags) into one conformal model.

    A piece belongs to the last role (in dict order) one of its parents has, so a later role
    wins where volumes overlap (particles inside a matrix box: list the box first).
    """
    parents = [(role, tag) for role, tags in roles.items() for tag in tags]
    dim_tags = [(3, tag) for _, tag in parents]
    _, children = gmsh.model.occ.fragment(dim_tags[:1], dim_tags[1:])
    gmsh.model.occ.synchronize()
    owner = {}
    for (role, _), pieces in zip(parents, children, strict=True):
        for _, piece in pieces:
            owner[piece] = role
    return {role: sorted(p for p, r in owner.items() if r == role) for role in roles}


def facet_groups(gmsh, regions: dict[str, list[int]],
                 classify: Callable[[int, str], str]) -> dict[str, list[int]]:
    """Surface name -> surface tags: ``interface:<a>:<b>`` between two roles, else
    ``classify(surface, role)`` for a boundary surface of a volume of ``role``."""
    role_of = {volume: role for role, volumes in regions.items() for volume in volumes}
    groups: dict[str, list[int]] = {}
    for _, surface in gmsh.model.getEntities(2):
        volumes, _ = gmsh.model.getAdjacencies(2, surface)
        roles = sorted(role_of[v] for v in volumes if v in role_of)
        if len(roles) == 2 and roles[0] != roles[1]:
            name = f"interface:{roles[0]}:{roles[1]}"
        elif len(roles) == 1:
            name = classify(surface, roles[0])
        else:
            raise RuntimeError(f"surface {surface} bounds the volumes {list(volumes)}")
        groups.setdefault(name, []).append(surface)
    return groups


def add_physical_groups(gmsh, regions: dict[str, list[int]], region_tags: dict[str, int],
                        groups: dict[str, list[int]], names: tuple[str, ...]) -> dict[str, int]:
    """Physical volumes per role and surfaces per name; facet id = 1 + index in ``names``.

    Returns the facet ids of the non-empty groups.
    """
    unknown = sorted(set(groups) - set(names))
    if unknown:
        raise RuntimeError(f"unexpected surface groups {unknown}")
    for role, volumes in regions.items():
        if volumes:
            gmsh.model.addPhysicalGroup(3, volumes, region_tags[role], name=role)
    ids = {}
    for i, name in enumerate(names, start=1):
        if groups.get(name):
            gmsh.model.addPhysicalGroup(2, groups[name], i, name=name)
            ids[name] = i
    return ids


def on_plane(gmsh, surface: int, axis: int, value: float) -> bool:
    """Whether the surface lies in the plane x[axis] = value (bounding box test)."""
    box = gmsh.model.getBoundingBox(2, surface)
    return abs(box[axis] - value) < 10 * TOL and abs(box[axis + 3] - value) < 10 * TOL


def box_face(gmsh, surface: int, upper: tuple[float, float, float],
             lower: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> str | None:
    """``x0``, ``x1``, ... when the surface lies on a face plane of the box, else None."""
    for axis, letter in enumerate("xyz"):
        if on_plane(gmsh, surface, axis, lower[axis]):
            return f"{letter}0"
        if on_plane(gmsh, surface, axis, upper[axis]):
            return f"{letter}1"
    return None


def curved_mesh_options(gmsh, size: float, smallest_radius: float) -> None:
    """``mesh_options(size)`` with at least CURVATURE_POINTS edges per circle on curved
    surfaces, refined down to the circumference / CURVATURE_POINTS of ``smallest_radius``;
    the sizes in a volume do not copy those of its surfaces (interiors stay at ``size``)."""
    mesh_options(gmsh, size)
    curved = 2.0 * math.pi * smallest_radius / CURVATURE_POINTS
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", CURVATURE_POINTS)
    gmsh.option.setNumber("Mesh.MeshSizeMin", min(0.5 * size, curved))
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
