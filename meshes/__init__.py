"""Meshes of the simulated bodies (coordinates in SI metres).

>>> from meshes import build, Domain, quality
>>> domain = build(geometry, comm)   # geometry.kind in {"sphere", "box"}
"""

from __future__ import annotations

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

from mpi4py import MPI

from .domain import Domain, quality

__all__ = ["Domain", "build", "quality"]


def build(geometry, comm: MPI.Comm | None = None) -> Domain:
    """Mesh ``geometry`` (sphere or box) on ``comm`` (default COMM_WORLD)."""
    comm = MPI.COMM_WORLD if comm is None else comm
    kind = str(getattr(geometry, "kind", "")).lower()
    if kind == "sphere":
        from .sphere import build_sphere

        return build_sphere(geometry, comm)
    if kind == "box":
        from .box import build_box

        return build_box(geometry, comm)
    raise ValueError(f"unknown geometry kind {getattr(geometry, 'kind', None)!r}; expected 'sphere' or 'box'")
