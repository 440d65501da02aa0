"""Segmented 3-D voxel images meshed to tetrahedra: each non-void voxel is a cube of six.

The image comes from ``.npy``, a ``.tif``/``.tiff`` stack or an HDF5 dataset; array axes 0, 1, 2
are x, y, z for every format (a tif stack's pages run along x) and voxel (i, j, k) fills
[i, i+1] x [j, j+1] x [k, k+1] voxel edges.  Cubes are split along their main diagonal into the
six Kuhn (Freudenthal) tetrahedra, whose faces match between neighbouring cubes.  Label 0 is
void; labels map to material roles (cell tags 1, 2, ... in the order of ``labels``).

Facet tags: the image faces x0 ... z1 as in box.py (1 ... 6; those listed in ``rollers`` fix
their normal displacement), ``wetted`` (7) for surfaces facing void inside the image, and
``interface:<a>:<b>`` (8, ...) between roles.  The mesh is built on rank 0 and distributed.
"""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import numpy as np
from mpi4py import MPI

from .box import FACE_AXIS, FACE_IDS, FACES
from .domain import Domain, tag_facets
from .from_file import distribute, interface_tags, merge_facet_tags, on_root, role_tags

WETTED = 7
# the six tetrahedra of the unit cube: paths 000 -> 111 along the axes in every order
KUHN = np.array([[np.zeros(3, int), *np.cumsum(np.eye(3, dtype=int)[list(p)], axis=0)]
                 for p in permutations(range(3))])  # (6, 4, 3) corner offsets


def build_image(geometry, comm: MPI.Comm) -> Domain:
    """The Domain of an ``ImageGeometry`` (``geometry.path`` already resolved by the caller)."""
    factor = int(getattr(geometry, "coarsen", 1))
    h = float(geometry.voxel_size) * factor
    roles = list(geometry.labels)
    rollers = _faces(getattr(geometry, "rollers", ()))
    data = on_root(comm, lambda: _voxel_mesh(geometry, factor))
    cells, points, values, shape = data if comm.rank == 0 else (None, None, None, None)
    shape = np.asarray(comm.bcast(shape, root=0))
    mesh, file_cells = distribute(comm, 3, cells, None if points is None else points * h, values)
    cell_tags = role_tags(mesh, file_cells, {v: v for v in range(1, len(roles) + 1)})
    lengths = shape * h
    everywhere = {WETTED: lambda x: np.ones(x.shape[1], dtype=bool)}  # after the image faces
    boundary = tag_facets(mesh, {**_face_markers(lengths), **everywhere})
    facets, interface_values, interfaces = interface_tags(mesh, cell_tags, roles, WETTED + 1)
    facet_tags = merge_facet_tags(mesh, [(boundary.indices, boundary.values),
                                         (facets, interface_values)])
    return Domain(
        mesh=mesh, cell_tags=cell_tags, facet_tags=facet_tags, dimension="3d",
        facet_ids={**FACE_IDS, "wetted": WETTED, **interfaces}, wetted=(WETTED,),
        rollers=tuple((FACE_IDS[n], FACE_AXIS[n]) for n in rollers),
        length=float(lengths.max()), center=tuple(float(c) for c in 0.5 * lengths),
        body_factor=1.0, regions={role: i + 1 for i, role in enumerate(roles)},
    )


def _faces(names) -> list[str]:
    names = [str(n) for n in names or ()]
    bad = [n for n in names if n not in FACE_IDS]
    if bad:
        raise ValueError(f"unknown image roller face(s) {bad}; expected among {FACES}")
    return names


def _face_markers(lengths) -> dict:
    """Face id -> marker of the image face (x0 is x = 0, x1 is x = the image length)."""
    def plane(axis: int, value: float):
        tol = 1e-9 * float(max(lengths))
        return lambda x: np.isclose(x[axis], value, rtol=0.0, atol=tol)

    return {FACE_IDS[name]: plane(FACE_AXIS[name],
                                  0.0 if name[1] == "0" else lengths[FACE_AXIS[name]])
            for name in FACES}


# --------------------------------------------------------------------------- rank 0
def _voxel_mesh(geometry, factor: int):
    """(cells, points in voxel units, role per cell, image shape) of the coarsened image."""
    image = load_image(Path(str(geometry.path)), getattr(geometry, "dataset", None))
    lookup = _label_lookup(geometry.labels)
    unlisted = sorted(int(v) for v in np.unique(image) if v != 0 and int(v) not in lookup)
    if unlisted:
        raise ValueError(f"image labels {unlisted} are not listed in any role "
                         f"(listed: {sorted(lookup)}; 0 is void)")
    image = coarsen(image, factor)
    labels, inverse = np.unique(image, return_inverse=True)
    roles = np.array([lookup.get(int(v), 0) for v in labels], dtype=np.int32)[inverse]
    roles = roles.reshape(image.shape)
    if not roles.any():
        raise ValueError(f"image {geometry.path} holds no voxel of a listed label")
    return (*voxel_tets(roles), image.shape)


def load_image(path: Path, dataset: str | None = None) -> np.ndarray:
    """The 3-D integer label array of a .npy, .tif/.tiff or HDF5 (.h5/.hdf5) file."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        image = np.load(path)
    elif suffix in (".tif", ".tiff"):
        import tifffile

        image = tifffile.imread(path)
    elif suffix in (".h5", ".hdf5"):
        image = _hdf5(path, dataset)
    else:
        raise ValueError(f"image {path.name}: expected .npy, .tif/.tiff or .h5/.hdf5")
    image = np.asarray(image)
    if image.ndim != 3 or not (np.issubdtype(image.dtype, np.integer) or image.dtype == bool):
        raise ValueError(f"image {path.name} must be a 3-D integer array, "
                         f"got shape {image.shape} of {image.dtype}")
    return image


def _hdf5(path: Path, dataset: str | None) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as f:
        names = [k for k in f if isinstance(f[k], h5py.Dataset)]
        if dataset is None and len(names) != 1:
            raise ValueError(f"{path.name}: name the dataset (datasets: {names})")
        name = dataset if dataset is not None else names[0]
        if name not in f:
            raise ValueError(f"{path.name} has no dataset {name!r} (datasets: {names})")
        return f[name][()]


def _label_lookup(labels: dict) -> dict[int, int]:
    """Image label -> role value (1, 2, ... in the order of ``labels``)."""
    lookup = {}
    for value, values in enumerate(labels.values(), start=1):
        for label in values:
            if int(label) == 0:
                raise ValueError("label 0 is void and cannot be given a role")
            if int(label) in lookup:
                raise ValueError(f"label {label} is listed for more than one role")
            lookup[int(label)] = value
    return lookup


def coarsen(image: np.ndarray, factor: int) -> np.ndarray:
    """Blocks of factor³ voxels -> their majority label (ties to the smaller nonzero label).

    The image is cropped to a multiple of ``factor`` along each axis.
    """
    if factor == 1:
        return image
    n = [s // factor for s in image.shape]
    if min(n) == 0:
        raise ValueError(f"image of shape {image.shape} is smaller than coarsen = {factor}")
    blocks = image[: n[0] * factor, : n[1] * factor, : n[2] * factor]
    blocks = blocks.reshape(n[0], factor, n[1], factor, n[2], factor)
    blocks = blocks.transpose(0, 2, 4, 1, 3, 5).reshape(*n, factor**3)
    labels = np.unique(blocks)
    best = np.zeros(n, dtype=image.dtype)
    best_count = np.full(n, -1)
    for label in np.concatenate([labels[labels != 0], labels[labels == 0]]):
        count = np.count_nonzero(blocks == label, axis=-1)
        wins = count > best_count  # strict: earlier labels keep ties
        best[wins], best_count[wins] = label, count[wins]
    return best


def voxel_tets(roles: np.ndarray):
    """Six Kuhn tetrahedra per voxel with role > 0: (cells, integer points, role per cell).

    Vertices are numbered in lexicographic order of the used grid points only.
    """
    grid = np.array(roles.shape) + 1
    strides = np.array([grid[1] * grid[2], grid[2], 1])
    voxels = np.argwhere(roles > 0)
    cells = (voxels @ strides)[:, None, None] + (KUHN @ strides)[None]
    used = np.zeros(int(np.prod(grid)), dtype=bool)
    used[cells.ravel()] = True
    number = np.cumsum(used) - 1
    points = np.stack(np.unravel_index(np.flatnonzero(used), tuple(grid)), axis=1)
    values = np.repeat(roles[tuple(voxels.T)], len(KUHN))
    return number[cells.reshape(-1, 4)].astype(np.int64), points.astype(np.float64), values
