"""The meshed body handed to the model: mesh, tags and the boundary-condition bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
from mpi4py import MPI

DIMENSIONS = ("radial", "axisymmetric", "3d")


@dataclass(frozen=True)
class Domain:
    """A meshed body in SI metres with named boundary facets.

    ``regions`` maps each material role of the case (``active``, ``shell``, ``matrix``, ...) to
    its cell tag value; ``facet_ids`` names the facet tag values: ``wetted`` facets let the
    species in, ``rollers`` (facet id, axis) fix one displacement component, ``clamped`` facets
    fix all of them (a current collector), and interior facets between two regions are named
    ``interface:<role>:<role>`` (roles in alphabetical order).

    Conventions:
      * ``radial``: interval [0, R]; integrals weighted by r^2, ``body_factor`` = 4*pi.
      * ``axisymmetric``: (r, z) half plane with x[0] = r >= 0; weight r, ``body_factor`` = 2*pi
        (4*pi for the quarter disk of an octant, which revolves to half the ball).
      * ``3d``: weight 1; ``body_factor`` = 8 for an octant, 1 for a full body.
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    dimension: str
    facet_ids: dict[str, int]
    wetted: tuple[int, ...]
    rollers: tuple[tuple[int, int], ...]
    pins: tuple[tuple[tuple[float, float, float], tuple[int, ...]], ...] = ()
    length: float = 1.0
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    body_factor: float = 1.0
    regions: dict[str, int] = field(default_factory=lambda: {"active": 1})
    clamped: tuple[int, ...] = ()

    def __post_init__(self):
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"dimension must be one of {DIMENSIONS}, got {self.dimension!r}")

    @property
    def comm(self) -> MPI.Comm:
        return self.mesh.comm

    @property
    def tdim(self) -> int:
        return self.mesh.topology.dim


def tag_all_cells(mesh: dolfinx.mesh.Mesh, value: int = 1) -> dolfinx.mesh.MeshTags:
    """Cell tags with every local (owned and ghost) cell set to ``value``."""
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    cells = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    return dolfinx.mesh.meshtags(mesh, tdim, cells, np.full(cells.size, value, dtype=np.int32))


def tag_facets(mesh: dolfinx.mesh.Mesh, markers: dict[int, callable]) -> dolfinx.mesh.MeshTags:
    """Boundary facet tags from ``{tag: marker(x) -> bool array}``; the first marker wins."""
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, mesh.topology.dim)
    chunks, values, seen = [], [], np.empty(0, dtype=np.int32)
    for tag, marker in markers.items():
        facets = dolfinx.mesh.locate_entities_boundary(mesh, fdim, marker)
        facets = np.setdiff1d(facets, seen).astype(np.int32)
        seen = np.union1d(seen, facets).astype(np.int32)
        chunks.append(facets)
        values.append(np.full(facets.size, tag, dtype=np.int32))
    entities = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int32)
    vals = np.concatenate(values) if values else np.empty(0, dtype=np.int32)
    order = np.argsort(entities)
    return dolfinx.mesh.meshtags(mesh, fdim, entities[order], vals[order])


def mesh_size(geometry, default: float) -> float:
    """``geometry.mesh.size`` if given (and positive), else ``default``."""
    spec = getattr(geometry, "mesh", None)
    size = getattr(spec, "size", None) if spec is not None else None
    if size is None:
        return float(default)
    size = float(size)
    if not size > 0.0:
        raise ValueError(f"mesh.size must be positive, got {size}")
    return size


def quality(domain: Domain) -> dict:
    """Global mesh statistics: cell and vertex counts, smallest and largest cell size h (m)."""
    mesh = domain.mesh
    comm = mesh.comm
    tdim = mesh.topology.dim
    cmap = mesh.topology.index_map(tdim)
    vmap = mesh.topology.index_map(0)
    cells = np.arange(cmap.size_local, dtype=np.int32)
    h = mesh.h(tdim, cells) if cells.size else np.empty(0)
    h_min = comm.allreduce(float(h.min()) if h.size else np.inf, op=MPI.MIN)
    h_max = comm.allreduce(float(h.max()) if h.size else -np.inf, op=MPI.MAX)
    return {
        "num_cells": int(cmap.size_global),
        "num_vertices": int(vmap.size_global),
        "h_min": h_min,
        "h_max": h_max,
    }
