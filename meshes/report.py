"""Mesh report of a Domain: cells, cell quality, volume and wetted area per region, porosity.

``mesh_report`` is collective and returns the same dictionary on every rank.  Volumes and areas
follow the Domain conventions (body_factor x the integral weighted by 1, r or r^2).  Quality is
the normalised radius ratio q = d r_in / r_circ of each cell (1 for the regular simplex, 1 for
intervals).  Porosity = 1 - (meshed volume) / (bounding-box volume) for 3-D bodies.
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from .domain import Domain
from .from_file import bounding_box


def mesh_report(domain: Domain) -> dict:
    comm = domain.comm
    mesh = domain.mesh
    owned = mesh.topology.index_map(domain.tdim).size_local
    roles = np.zeros(owned, dtype=np.int64)
    keep = domain.cell_tags.indices < owned
    roles[domain.cell_tags.indices[keep]] = domain.cell_tags.values[keep]
    quality = cell_quality(mesh)
    measure = _Measures(domain)
    regions = {}
    for name, value in domain.regions.items():
        volume, wetted = measure(name)
        regions[name] = {**_quality_stats(comm, quality[roles == value]),
                         "volume": volume, "wetted_area": wetted}
    volume = sum(r["volume"] for r in regions.values())
    return {
        "dimension": domain.dimension,
        "cells": int(mesh.topology.index_map(domain.tdim).size_global),
        "volume": volume,
        "wetted_area": sum(r["wetted_area"] for r in regions.values()),
        "porosity": _porosity(domain, volume),
        "regions": regions,
    }


def format_report(report: dict) -> str:
    """A short aligned table of ``mesh_report``'s result."""
    header = f"{'region':<12}{'cells':>10}{'q min':>8}{'q mean':>8}{'volume m³':>12}" \
             f"{'wetted m²':>12}"
    rows = [header]
    for name, r in report["regions"].items():
        rows.append(f"{name:<12}{r['cells']:>10d}{r['quality_min']:>8.3f}"
                    f"{r['quality_mean']:>8.3f}{r['volume']:>12.4e}{r['wetted_area']:>12.4e}")
    rows.append(f"{'total':<12}{report['cells']:>10d}{'':>16}{report['volume']:>12.4e}"
                f"{report['wetted_area']:>12.4e}")
    if report["porosity"] is not None:
        rows.append(f"porosity {report['porosity']:.4f}")
    return "\n".join(rows)


def cell_quality(mesh: dolfinx.mesh.Mesh) -> np.ndarray:
    """q = d r_in / r_circ of the owned cells (affine simplices; 1 for intervals)."""
    tdim = mesh.topology.dim
    owned = mesh.topology.index_map(tdim).size_local
    if tdim == 1:
        return np.ones(owned)
    x = mesh.geometry.x
    vertices = x[mesh.geometry.dofmaps[0][:owned, : tdim + 1]]
    edges = vertices[:, 1:] - vertices[:, :1]
    return _triangle_quality(edges) if tdim == 2 else _tetrahedron_quality(edges)


def _triangle_quality(edges: np.ndarray) -> np.ndarray:
    """q = 2 r_in / r_circ = 16 A^2 / (perimeter * a b c)."""
    a = np.linalg.norm(edges[:, 0], axis=1)
    b = np.linalg.norm(edges[:, 1], axis=1)
    c = np.linalg.norm(edges[:, 1] - edges[:, 0], axis=1)
    area = 0.5 * np.linalg.norm(np.cross(edges[:, 0], edges[:, 1]), axis=1)
    return 16.0 * area**2 / ((a + b + c) * a * b * c)


def _tetrahedron_quality(edges: np.ndarray) -> np.ndarray:
    """q = 3 r_in / r_circ with r_in = 3V / (face areas) and the circumcentre offset."""
    a, b, c = edges[:, 0], edges[:, 1], edges[:, 2]
    bc, ca, ab = np.cross(b, c), np.cross(c, a), np.cross(a, b)
    six_volume = np.einsum("ij,ij->i", a, bc)
    faces = sum(np.linalg.norm(f, axis=1) for f in (bc, ca, ab, np.cross(b - a, c - a)))
    r_in = np.abs(six_volume) / faces  # 3V / (sum of the areas, each |cross| / 2)
    offset = (np.sum(a * a, 1)[:, None] * bc + np.sum(b * b, 1)[:, None] * ca
              + np.sum(c * c, 1)[:, None] * ab) / (2.0 * six_volume[:, None])
    return 3.0 * r_in / np.linalg.norm(offset, axis=1)


def _quality_stats(comm: MPI.Comm, q: np.ndarray) -> dict:
    cells = comm.allreduce(int(q.size), op=MPI.SUM)
    q_min = comm.allreduce(float(q.min()) if q.size else math.inf, op=MPI.MIN)
    q_sum = comm.allreduce(float(q.sum()), op=MPI.SUM)
    return {"cells": cells, "quality_min": q_min if cells else math.nan,
            "quality_mean": q_sum / cells if cells else math.nan}


class _Measures:
    """Body volume and wetted area of one region: body_factor x ∫ weight χ_region (dx | ds), and
    for the active region the wetted interfaces (dS)."""

    def __init__(self, domain: Domain):
        mesh = domain.mesh
        self.domain = domain
        self.chi = dolfinx.fem.Function(dolfinx.fem.functionspace(mesh, ("DG", 0)))
        x = ufl.SpatialCoordinate(mesh)
        weight = {"radial": x[0] ** 2, "axisymmetric": x[0], "3d": 1.0}[domain.dimension]
        self.volume = dolfinx.fem.form(weight * self.chi * ufl.dx(domain=mesh))
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=domain.facet_tags)
        dS = ufl.Measure("dS", domain=mesh, subdomain_data=domain.facet_tags)
        names = {v: k for k, v in domain.facet_ids.items()}
        inside = tuple(int(v) for v in domain.wetted if names.get(v, "").startswith("interface:"))
        outside = tuple(int(v) for v in domain.wetted if v not in inside)
        self.wetted = dolfinx.fem.form(weight * self.chi * ds(outside)) if outside else None
        # a wetted interface (under a meshed SEI) lets the species into the active material:
        # its area counts for the active region
        w = weight if isinstance(weight, float) else weight("+")
        self.wetted_inside = dolfinx.fem.form(w * (self.chi("+") + self.chi("-")) * dS(inside)) \
            if inside else None

    def __call__(self, role: str) -> tuple[float, float]:
        cells = self.domain.cell_tags.find(self.domain.regions[role])
        self.chi.x.array[:] = 0.0
        self.chi.x.array[self.chi.function_space.dofmap.list[cells, 0]] = 1.0
        self.chi.x.scatter_forward()
        wetted = self._integral(self.wetted)
        if role == "active":
            wetted += self._integral(self.wetted_inside)
        return self._integral(self.volume), wetted

    def _integral(self, form) -> float:
        if form is None:
            return 0.0
        local = dolfinx.fem.assemble_scalar(form)
        return self.domain.body_factor * self.domain.comm.allreduce(local, op=MPI.SUM)


def _porosity(domain: Domain, volume: float) -> float | None:
    """1 - meshed volume / bounding-box volume (3-D only; per meshed part of a symmetric body)."""
    if domain.dimension != "3d":
        return None
    lo, hi = bounding_box(domain.mesh)
    return 1.0 - volume / domain.body_factor / float(np.prod(hi - lo))
