"""An active film or hemispherical particle (role ``active``, cell tag 1) bonded on a substrate
(role ``substrate``, cell tag 2: the current collector) of thickness t_s.

Shapes (a patch of a large film or of a periodic array of particles, width W):
  * film, 3-D: the active layer [0, W]² × [t_s, t_s + t] on the substrate [0, W]² × [0, t_s];
    ``body_factor`` 1, ``center`` (W/2, W/2, t_s).
  * particle, 3-D: one quarter of the patch, [0, W/2]², around the origin corner where the
    hemisphere of radius R (< W/2) sits centred at (0, 0, t_s); the planes x = 0 and y = 0
    are symmetry planes, ``body_factor`` 4 (the whole W × W patch), ``center`` (0, 0, t_s).
  * axisymmetric (x[0] = r, x[1] = z): a disk patch of radius W/2 about the film (particle)
    axis, ``body_factor`` 2π, ``center`` (0, 0, t_s).

Facets (ids in this order): top (the free surface of the active material: the film top
z = t_s + t or the particle's curved surface; wetted), bottom (z = 0, clamped), the lateral
faces (3-D: x0, x1, y0, y1, rollers along their normals; axisymmetric: axis r = 0 and side
r = W/2, rollers in r), substrate_top (the uncovered substrate top, free and not wetted:
particle only) and interface:active:substrate.

``length`` = max(W, t_s + t (or R)), the largest extent of the patch.  Default element size:
t/4 for a film, R/8 for a particle (R/5 leaves the hemisphere's volume ~1.4 % short).
"""

from __future__ import annotations

import math

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

from mpi4py import MPI

from .domain import Domain, mesh_size
from .ellipsoid import add_named_boundary, body, generate, plane_name, section

REGIONS = {"active": 1, "substrate": 2}
INTERFACE = "interface:active:substrate"
LATERAL = {"3d": {"x0": 0, "x1": 0, "y0": 1, "y1": 1}, "axisymmetric": {"axis": 0, "side": 0}}


def build_film(geometry, comm: MPI.Comm) -> Domain:
    shape = str(getattr(geometry, "shape", "film"))
    if shape not in ("film", "particle"):
        raise ValueError(f"film shape must be film or particle, got {shape!r}")
    dimension = str(getattr(geometry, "dimension", "3d"))
    if dimension not in LATERAL:
        raise ValueError(f"film dimension must be axisymmetric or 3d, got {dimension!r}")
    width, base = float(geometry.width), float(geometry.substrate_thickness)
    height = float(geometry.thickness if shape == "film" else geometry.radius)
    if min(width, base, height) <= 0.0:
        raise ValueError(f"film width, substrate thickness and {shape} size must be positive")
    if shape == "particle" and not height < 0.5 * width:
        raise ValueError(f"the particle radius {height} must be less than half the width {width}")
    size = mesh_size(geometry, height / (4.0 if shape == "film" else 8.0))
    names = ["top", "bottom", *LATERAL[dimension]]
    names += ["substrate_top", INTERFACE] if shape == "particle" else [INTERFACE]
    ids = {name: i + 1 for i, name in enumerate(names)}
    patch = _Patch(shape, dimension, width, base, height)

    data = generate(f"swellfem_film_{shape}_{dimension}", comm, patch.dim, patch.scale,
                    size / patch.scale, lambda gmsh: _draw(gmsh, patch, ids))
    if dimension == "axisymmetric":
        factor = 2.0 * math.pi
    else:
        factor = 4.0 if shape == "particle" else 1.0
    return Domain(mesh=data.mesh, cell_tags=data.cell_tags, facet_tags=data.facet_tags,
                  dimension=dimension, facet_ids=ids, wetted=(ids["top"],),
                  rollers=tuple((ids[n], axis) for n, axis in LATERAL[dimension].items()),
                  clamped=(ids["bottom"],), length=patch.scale, center=patch.center,
                  body_factor=factor, regions=dict(REGIONS))


class _Patch:
    """The meshed patch: unit-scaled lateral extent, heights, and the planes of its faces."""

    def __init__(self, shape, dimension, width, base, height):
        self.shape, self.dimension = shape, dimension
        self.scale = max(width, base + height)
        self.dim = 3 if dimension == "3d" else 2
        full = shape == "film" and dimension == "3d"
        self.side = (width if full else 0.5 * width) / self.scale
        self.base, self.height = base / self.scale, height / self.scale
        self.center = (0.5 * width, 0.5 * width, base) if full else (0.0, 0.0, base)

    def planes(self) -> dict[str, tuple[int, float]]:
        """Face name -> (axis, unit-scaled value) of the planar faces."""
        up = self.dim - 1  # the z axis
        planes = {"bottom": (up, 0.0), "substrate_top": (up, self.base)}
        if self.shape == "film":
            planes["top"] = (up, self.base + self.height)
        if self.dimension == "3d":
            planes.update({"x0": (0, 0.0), "x1": (0, self.side), "y0": (1, 0.0),
                           "y1": (1, self.side)})
        else:
            planes.update({"axis": (0, 0.0), "side": (0, self.side)})
        return planes


def _draw(gmsh, patch: _Patch, ids: dict[str, int]) -> None:
    dim = patch.dim
    active, substrate = _bodies(gmsh.model.occ, patch)
    gmsh.model.addPhysicalGroup(dim, [active], REGIONS["active"], name="active")
    gmsh.model.addPhysicalGroup(dim, [substrate], REGIONS["substrate"], name="substrate")
    planes = patch.planes()

    def namer(tag):
        if len(gmsh.model.getAdjacencies(dim - 1, tag)[0]) == 2:
            return INTERFACE
        return plane_name(gmsh, dim - 1, tag, planes) or "top"

    add_named_boundary(gmsh, [(dim, active), (dim, substrate)], ids, namer)


def _bodies(occ, patch: _Patch) -> tuple[int, int]:
    """The active body and the substrate, fragmented (sharing the interface).  Synchronized."""
    dim, s, b, h = patch.dim, patch.side, patch.base, patch.height
    if dim == 3:
        substrate = occ.addBox(0.0, 0.0, 0.0, s, s, b)
        if patch.shape == "film":
            active = occ.addBox(0.0, 0.0, b, s, s, h)
        else:
            active = body(occ, (h, h, h), "octant")
            occ.translate([(3, active)], 0.0, 0.0, b)
    else:
        substrate = occ.addRectangle(0.0, 0.0, 0.0, s, b)
        if patch.shape == "film":
            active = occ.addRectangle(0.0, b, 0.0, s, h)
        else:
            active = section(occ, h, h, "octant")
            occ.translate([(2, active)], 0.0, b, 0.0)
    _, pieces = occ.fragment([(dim, active)], [(dim, substrate)])
    occ.synchronize()
    (active,), (substrate,) = ([tag for _, tag in piece] for piece in pieces)
    return active, substrate
