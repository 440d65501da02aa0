"""Meshes from files: gmsh ``.msh`` (physical groups) or anything meshio reads (.vtu, .xdmf, ...).

The file is read on rank 0 and distributed with shared-facet ghosting, so that interior-facet
integrals over interfaces are complete for any number of ranks.  Cells are retagged by material
role (1, 2, ... in the order of ``regions``); the file's facet tags keep their values (named
``tag<N>``) and interior facets between two roles are tagged ``interface:<a>:<b>`` above the
file's largest facet tag (an interface facet the file also tags keeps the interface tag).
Coordinates are multiplied by ``unit`` (metres per file unit).  Axisymmetric meshes lie in the
(x, y) = (r, z) half plane; their axis facets are listed by the caller as x rollers.

The helpers ``distribute``, ``role_tags``, ``interface_tags``, ``merge_facet_tags`` and
``bounding_box`` are shared with the voxel-image builder and the mesh report.
"""

from __future__ import annotations

import math
from pathlib import Path

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import basix.ufl
import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from .domain import Domain
from .gmsh_session import ghosted_partitioner, gmsh_model

GDIM = {"3d": 3, "axisymmetric": 2}
BODY_FACTOR = {"3d": 1.0, "axisymmetric": 2.0 * math.pi}
MESHIO_TYPES = {"3d": ("tetra", "triangle"), "axisymmetric": ("triangle", "line")}
DOLFINX_CELLS = {3: "tetrahedron", 2: "triangle"}
PREFERRED_KEYS = ("gmsh:physical", "medit:ref", "cell_tags", "tags", "markers")


def build_file(geometry, comm: MPI.Comm) -> Domain:
    """The Domain of a ``FileGeometry`` (``geometry.path`` already resolved by the caller)."""
    dimension = str(getattr(geometry, "dimension", "3d"))
    if dimension not in GDIM:
        raise ValueError(f"file dimension must be 3d or axisymmetric, got {dimension!r}")
    path = Path(str(geometry.path))
    if not comm.bcast(path.is_file() if comm.rank == 0 else None, root=0):
        raise FileNotFoundError(f"mesh file {path} not found")
    if path.suffix.lower() == ".msh":
        mesh, file_cells, file_facets = _read_msh(path, comm, GDIM[dimension])
    else:
        mesh, file_cells, file_facets = _read_meshio(path, comm, dimension)
    mesh.geometry.x[:] *= float(getattr(geometry, "unit", 1.0))
    lo, hi = bounding_box(mesh)
    if dimension == "axisymmetric" and lo[0] < -1e-9 * float(np.max(hi - lo)):
        raise ValueError(f"axisymmetric mesh {path.name} reaches r = x < 0 (min x = {lo[0]:g} m)")

    roles = list(geometry.regions)
    cell_tags = role_tags(mesh, file_cells, _role_lookup(geometry.regions))
    file_ids = _global_values(comm, file_facets.values)
    wetted, clamped, rollers = _boundaries(geometry, file_ids, dimension)
    first = int(max(file_ids, default=0)) + 1
    facets, values, interfaces = interface_tags(mesh, cell_tags, roles, first)
    facet_tags = merge_facet_tags(mesh, [(file_facets.indices, file_facets.values),
                                         (facets, values)])
    return Domain(
        mesh=mesh, cell_tags=cell_tags, facet_tags=facet_tags, dimension=dimension,
        facet_ids={**{f"tag{v}": int(v) for v in file_ids}, **interfaces},
        wetted=wetted, rollers=rollers, clamped=clamped,
        length=float(np.max(hi - lo)), center=_center(lo, hi),
        body_factor=BODY_FACTOR[dimension], regions={role: i + 1 for i, role in enumerate(roles)},
    )


# --------------------------------------------------------------------------- reading
def _read_msh(path: Path, comm: MPI.Comm, gdim: int):
    """A gmsh file through ``dolfinx.io.gmsh.model_to_mesh`` (physical groups -> tags)."""
    with gmsh_model("swellfem_file", comm) as gmsh:
        on_root(comm, lambda: gmsh.merge(str(path)))
        data = dolfinx.io.gmsh.model_to_mesh(gmsh.model if gmsh is not None else None, comm, 0,
                                             gdim=gdim, partitioner=ghosted_partitioner(comm))
    if data.mesh.topology.dim != gdim:
        raise ValueError(f"{path.name}: cells of dimension {data.mesh.topology.dim}, "
                         f"expected {gdim} ({'tetrahedra' if gdim == 3 else 'triangles'})")
    if data.facet_tags is None:
        fdim = gdim - 1
        empty = np.empty(0, dtype=np.int32)
        return data.mesh, data.cell_tags, dolfinx.mesh.meshtags(data.mesh, fdim, empty, empty)
    return data.mesh, data.cell_tags, data.facet_tags


def _read_meshio(path: Path, comm: MPI.Comm, dimension: str):
    """Cells, facets and their integer data from meshio on rank 0, distributed."""
    gdim = GDIM[dimension]
    data = on_root(comm, lambda: _meshio_arrays(path, dimension))
    cells, x, cell_values, facets, facet_values = data if comm.rank == 0 else (None,) * 5
    mesh, cell_tags = distribute(comm, gdim, cells, x, cell_values)
    if comm.rank != 0:
        facets, facet_values = np.empty((0, gdim), np.int64), np.empty(0, np.int32)
    return mesh, cell_tags, _entity_tags(mesh, gdim - 1, facets, facet_values)


def _meshio_arrays(path: Path, dimension: str):
    import meshio

    mesh = meshio.read(path)
    cell_type, facet_type = MESHIO_TYPES[dimension]
    key = _tag_key(mesh, cell_type, path)
    cells, cell_values = _blocks(mesh, cell_type, key)
    facets, facet_values = _blocks(mesh, facet_type, key)
    gdim = GDIM[dimension]
    if mesh.points.shape[1] > gdim and np.any(mesh.points[:, gdim:] != 0.0):
        raise ValueError(f"{path.name}: {dimension} meshes lie in the (x, y) plane (z = 0)")
    return cells, mesh.points[:, :gdim].astype(np.float64), cell_values, facets, facet_values


def _tag_key(mesh, cell_type: str, path: Path) -> str:
    """The cell-data name holding integer tags of the cells (gmsh:physical first)."""
    keys = [k for k in mesh.cell_data
            if all(_integral(d) for b, d in zip(mesh.cells, mesh.cell_data[k])
                   if b.type == cell_type)]
    if not any(b.type == cell_type for b in mesh.cells) or not keys:
        raise ValueError(f"{path.name}: no {cell_type} cells with integer cell data "
                         f"(cell data: {sorted(mesh.cell_data)})")
    preferred = [k for k in PREFERRED_KEYS if k in keys]
    return (preferred or keys)[0]


def _integral(values) -> bool:
    values = np.asarray(values)
    return values.ndim == 1 and (np.issubdtype(values.dtype, np.integer)
                                 or bool(np.all(values == np.round(values))))


def _blocks(mesh, cell_type: str, key: str):
    """All blocks of ``cell_type`` with their ``key`` data, concatenated."""
    pairs = [(b.data, d) for b, d in zip(mesh.cells, mesh.cell_data[key]) if b.type == cell_type]
    nodes = {"tetra": 4, "triangle": 3, "line": 2}[cell_type]
    cells = np.concatenate([c for c, _ in pairs]) if pairs else np.empty((0, nodes))
    values = np.concatenate([v for _, v in pairs]) if pairs else np.empty(0)
    return cells.astype(np.int64), np.round(values).astype(np.int32)


def on_root(comm: MPI.Comm, work):
    """``work()`` on rank 0 (None elsewhere); an error there is raised on every rank."""
    result, error = None, None
    if comm.rank == 0:
        try:
            result = work()
        except (ValueError, OSError) as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001  (re-raised on every rank below)
            error = RuntimeError(f"{type(exc).__name__}: {exc}")
    error = comm.bcast(error, root=0)
    if error is not None:
        raise error
    return result


# --------------------------------------------------------------------------- distribution
def distribute(comm: MPI.Comm, gdim: int, cells, x, cell_values):
    """Mesh and cell tags (in the given values) from rank-0 arrays (None elsewhere).

    ``cells`` are vertex indices into ``x`` (affine simplices of dimension ``gdim``); the mesh
    is ghosted by shared facets.
    """
    if comm.rank != 0:
        cells, x, cell_values = np.empty((0, gdim + 1), np.int64), np.empty((0, gdim)), []
    element = ufl.Mesh(basix.ufl.element("Lagrange", DOLFINX_CELLS[gdim], 1, shape=(gdim,)))
    mesh = dolfinx.mesh.create_mesh(comm, cells, element, x, ghosted_partitioner(comm))
    return mesh, _input_cell_tags(mesh, cell_values)


def _input_cell_tags(mesh, values) -> dolfinx.mesh.MeshTags:
    """Tags of every local cell from rank 0's ``values`` in input cell order."""
    comm = mesh.comm
    wanted = comm.gather(np.asarray(mesh.topology.original_cell_index, dtype=np.int64), root=0)
    local = comm.scatter([np.asarray(values)[w] for w in wanted] if comm.rank == 0 else None,
                         root=0)
    cells = np.arange(local.size, dtype=np.int32)
    return dolfinx.mesh.meshtags(mesh, mesh.topology.dim, cells, local.astype(np.int32))


def _entity_tags(mesh, dim: int, entities, values) -> dolfinx.mesh.MeshTags:
    mesh.topology.create_connectivity(dim, mesh.topology.dim)
    local, local_values = dolfinx.io.distribute_entity_data(
        mesh, dim, np.asarray(entities, dtype=np.int64), np.asarray(values, dtype=np.int32))
    return dolfinx.mesh.meshtags_from_entities(mesh, dim, dolfinx.graph.adjacencylist(local),
                                               local_values.astype(np.int32))


# --------------------------------------------------------------------------- tags
def _role_lookup(regions: dict) -> dict[int, int]:
    """File cell tag -> role value (1, 2, ... in the order of ``regions``)."""
    lookup = {}
    for value, tags in enumerate(regions.values(), start=1):
        for tag in tags:
            if int(tag) in lookup:
                raise ValueError(f"cell tag {tag} is listed for more than one region")
            lookup[int(tag)] = value
    return lookup


def _global_values(comm: MPI.Comm, values) -> list[int]:
    """Sorted distinct values over all ranks."""
    return sorted({int(v) for part in comm.allgather(np.unique(values)) for v in part})


def role_tags(mesh, file_tags, lookup: dict[int, int]) -> dolfinx.mesh.MeshTags:
    """Cell tags by role on every local (owned and ghost) cell from the file's tag values."""
    comm = mesh.comm
    imap = mesh.topology.index_map(mesh.topology.dim)
    owned = file_tags.indices < imap.size_local
    cells, values = file_tags.indices[owned], file_tags.values[owned]
    unlisted = sorted(set(_global_values(comm, values)) - set(lookup))
    if unlisted:
        raise ValueError(f"cell tags {unlisted} are not listed in any region "
                         f"(listed: {sorted(lookup)})")
    untagged = comm.allreduce(imap.size_local - cells.size, op=MPI.SUM)  # indices are unique
    if untagged:
        raise ValueError(f"{untagged} cells carry no cell tag")
    keys = np.array(sorted(lookup), dtype=np.int64)
    roles = np.array([lookup[k] for k in keys], dtype=np.int32)
    vector = dolfinx.la.vector(imap, 1, dtype=np.int32)
    vector.array[cells] = roles[np.searchsorted(keys, values)]
    vector.scatter_forward()
    local = np.arange(vector.array.size, dtype=np.int32)
    return dolfinx.mesh.meshtags(mesh, mesh.topology.dim, local, vector.array.copy())


def interface_tags(mesh, cell_tags, roles: list[str], first: int):
    """Facets between two roles: (local facets, values, {"interface:<a>:<b>": value}).

    ``roles[v - 1]`` is the role of cell tag value v; values are given from ``first`` on, in
    the alphabetical order of the role pairs present on any rank.
    """
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    role = np.zeros(mesh.topology.index_map(tdim).size_local
                    + mesh.topology.index_map(tdim).num_ghosts, dtype=np.int64)
    role[cell_tags.indices] = cell_tags.values
    facets = np.flatnonzero(np.diff(f2c.offsets) == 2).astype(np.int32)
    a, b = role[f2c.array[f2c.offsets[facets]]], role[f2c.array[f2c.offsets[facets] + 1]]
    differ = a != b
    facets, a, b = facets[differ], a[differ], b[differ]
    base = len(roles) + 1
    codes = np.minimum(a, b) * base + np.maximum(a, b)
    present = _global_values(mesh.comm, codes)
    names = {code: "interface:" + ":".join(sorted((roles[code // base - 1],
                                                   roles[code % base - 1])))
             for code in present}
    ordered = sorted(present, key=lambda code: names[code])
    ids = {names[code]: first + i for i, code in enumerate(ordered)}
    value_of = np.array([ids[names[code]] for code in present], dtype=np.int32)
    values = value_of[np.searchsorted(present, codes)] if codes.size else codes.astype(np.int32)
    return facets, values, ids


def merge_facet_tags(mesh, parts) -> dolfinx.mesh.MeshTags:
    """Facet tags from (local facets, values) parts; a later part wins on a shared facet."""
    facets = np.concatenate([np.asarray(f, dtype=np.int32) for f, _ in parts])[::-1]
    values = np.concatenate([np.asarray(v, dtype=np.int32) for _, v in parts])[::-1]
    unique, last = np.unique(facets, return_index=True)
    return dolfinx.mesh.meshtags(mesh, mesh.topology.dim - 1, unique, values[last])


# --------------------------------------------------------------------------- boundaries
def _boundaries(geometry, file_ids: list[int], dimension: str):
    """(wetted, clamped, rollers) facet values, checked against the file's facet tags."""
    wetted = tuple(int(t) for t in getattr(geometry, "wetted", ()))
    clamped = tuple(int(t) for t in getattr(geometry, "clamped", ()))
    rollers_by_axis = dict(getattr(geometry, "rollers", {}) or {})
    axes = "xyz"[:GDIM[dimension]]
    bad_axes = sorted(set(rollers_by_axis) - set(axes))
    if bad_axes:
        raise ValueError(f"roller axes {bad_axes} do not exist in a {dimension} mesh")
    rollers = tuple((int(t), axes.index(axis)) for axis, tags in rollers_by_axis.items()
                    for t in tags)
    used = set(wetted) | set(clamped) | {t for t, _ in rollers}
    missing = sorted(used - set(file_ids))
    if missing:
        raise ValueError(f"facet tags {missing} are not in the file (facet tags: {file_ids})")
    return wetted, clamped, rollers


def bounding_box(mesh) -> tuple[np.ndarray, np.ndarray]:
    """Global (lower, upper) corners of the mesh geometry (length gdim)."""
    x = mesh.geometry.x[:, : mesh.geometry.dim]
    lo = x.min(axis=0) if x.size else np.full(mesh.geometry.dim, np.inf)
    hi = x.max(axis=0) if x.size else np.full(mesh.geometry.dim, -np.inf)
    mesh.comm.Allreduce(MPI.IN_PLACE, lo, op=MPI.MIN)
    mesh.comm.Allreduce(MPI.IN_PLACE, hi, op=MPI.MAX)
    return lo, hi


def _center(lo, hi) -> tuple[float, float, float]:
    center = 0.5 * (np.asarray(lo) + np.asarray(hi))
    return tuple(float(c) for c in np.pad(center, (0, 3 - center.size)))
