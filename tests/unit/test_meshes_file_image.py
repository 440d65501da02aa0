"""Meshes from files (gmsh .msh, meshio .vtu/.xdmf), voxel images (.npy, .tif, .h5) and the mesh
report: exact volumes and areas, tags by role, interfaces, errors; serial and mpirun -n 2."""

import math
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from meshes import build
from meshes.box import build_box
from meshes.gmsh_session import gmsh_model
from meshes.image import coarsen
from meshes.report import format_report, mesh_report
from solver.schema import FileGeometry, ImageGeometry

pytestmark = pytest.mark.parallel

COMM = MPI.COMM_WORLD
UM = 1e-6
H = 1e-7  # voxel edge (m)
OUTER = 5  # physical surface of the msh: the face x = 0


@pytest.fixture(scope="module")
def folder():
    """One directory shared by all ranks for the module."""
    path = Path(COMM.bcast(tempfile.mkdtemp(prefix="swellfem-files-") if COMM.rank == 0 else None))
    yield path
    COMM.barrier()
    if COMM.rank == 0:
        shutil.rmtree(path)


@pytest.fixture(scope="module")
def two_boxes(folder) -> Path:
    """[0, 2] x [0, 1]^2 (um) fragmented at x = 1: volumes 7 and 9, the face x = 0 as group 5."""
    path = folder / "two_boxes.msh"
    with gmsh_model("two_boxes", COMM) as gmsh:
        if gmsh is not None:
            occ = gmsh.model.occ
            left, right = occ.addBox(0, 0, 0, 1, 1, 1), occ.addBox(1, 0, 0, 1, 1, 1)
            occ.fragment([(3, left)], [(3, right)])
            occ.synchronize()
            gmsh.model.addPhysicalGroup(3, [left], 7)
            gmsh.model.addPhysicalGroup(3, [right], 9)
            outer = [t for _, t in gmsh.model.getBoundary([(3, left)], oriented=False)
                     if abs(occ.getCenterOfMass(2, t)[0]) < 1e-9]
            gmsh.model.addPhysicalGroup(2, outer, OUTER)
            gmsh.option.setNumber("Mesh.MeshSizeMax", 0.4)
            gmsh.model.mesh.generate(3)
            gmsh.write(str(path))
    COMM.barrier()
    return path


def gsum(value):
    return COMM.allreduce(value, op=MPI.SUM)


def integral(form) -> float:
    return gsum(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)))


def volume(d, value) -> float:
    dx = ufl.Measure("dx", domain=d.mesh, subdomain_data=d.cell_tags)
    return integral(1.0 * dx(value))


def area(d, value, interior=False) -> float:
    measure = ufl.Measure("dS" if interior else "ds", domain=d.mesh, subdomain_data=d.facet_tags)
    return integral(1.0 * measure(value))


def file_geometry(path, **extra):
    spec = dict(kind="file", path=str(path), unit="1 um",
                regions={"active": [7], "shell": [9]}, wetted=[OUTER])
    return FileGeometry(**{**spec, **extra})


def check_two_boxes(d):
    assert d.regions == {"active": 1, "shell": 2}
    assert d.facet_ids == {f"tag{OUTER}": OUTER, "interface:active:shell": OUTER + 1}
    assert d.wetted == (OUTER,) and d.dimension == "3d" and d.body_factor == 1.0
    assert d.length == pytest.approx(2 * UM, rel=1e-12)
    assert np.allclose(d.center, (UM, UM / 2, UM / 2), rtol=1e-12)
    for value in (1, 2):
        assert volume(d, value) == pytest.approx(UM**3, rel=1e-10)
    assert area(d, OUTER) == pytest.approx(UM**2, rel=1e-10)
    assert area(d, OUTER + 1, interior=True) == pytest.approx(UM**2, rel=1e-10)


# ----------------------------------------------------------------------------- files
def test_msh_regions_facets_and_interface(two_boxes):
    check_two_boxes(build(file_geometry(two_boxes), COMM))


@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
def test_meshio_round_trip(two_boxes, folder, suffix):
    path = folder / f"two_boxes{suffix}"
    if COMM.rank == 0:
        import meshio

        source = meshio.read(two_boxes)
        tags = source.cell_data["gmsh:physical"]
        blocks = {kind: [(b.data, d) for b, d in zip(source.cells, tags) if b.type == kind]
                  for kind in ("tetra", "triangle")}
        cells = [(kind, np.concatenate([c for c, _ in pairs])) for kind, pairs in blocks.items()]
        data = [np.concatenate([d for _, d in pairs]).astype(np.int32) for pairs in blocks.values()]
        meshio.write(path, meshio.Mesh(source.points, cells, cell_data={"region": data}))
    COMM.barrier()
    check_two_boxes(build(file_geometry(path), COMM))


def test_axisymmetric_file(folder):
    """Unit square (r, z) of triangles: revolved volume 2π ∫ r dA = π, face r = 1 has area 2π."""
    path = folder / "square.vtu"
    if COMM.rank == 0:
        import meshio

        n = 4
        i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        corner = (i * (n + 1) + j).ravel()
        cells = np.concatenate([np.stack([corner, corner + n + 1, corner + n + 2], 1),
                                np.stack([corner, corner + n + 2, corner + 1], 1)])
        right = np.arange(n) + n * (n + 1)
        points = np.stack(np.meshgrid(np.linspace(0, 1, n + 1), np.linspace(0, 1, n + 1),
                                      indexing="ij"), -1).reshape(-1, 2)
        lines = np.stack([right, right + 1], 1)
        mesh = meshio.Mesh(points, [("triangle", cells), ("line", lines)],
                           cell_data={"tags": [np.full(len(cells), 3), np.full(n, 2)]})
        meshio.write(path, mesh)
    COMM.barrier()
    geometry = FileGeometry(kind="file", path=str(path), unit="1 um", dimension="axisymmetric",
                            regions={"active": [3]}, wetted=[2], rollers={"x": []})
    d = build(geometry, COMM)
    assert d.dimension == "axisymmetric" and d.body_factor == pytest.approx(2 * math.pi)
    report = mesh_report(d)
    assert report["volume"] == pytest.approx(math.pi * UM**3, rel=1e-10)
    assert report["wetted_area"] == pytest.approx(2 * math.pi * UM**2, rel=1e-10)
    assert report["porosity"] is None
    assert 0.0 < report["regions"]["active"]["quality_min"] <= 1.0


def test_file_errors(two_boxes):
    with pytest.raises(ValueError, match=r"\[9\]"):
        build(file_geometry(two_boxes, regions={"active": [7]}), COMM)
    with pytest.raises(ValueError, match="42"):
        build(file_geometry(two_boxes, wetted=[42]), COMM)
    with pytest.raises(FileNotFoundError):
        build(file_geometry(two_boxes.with_name("missing.msh")), COMM)


# ----------------------------------------------------------------------------- images
def ball(n=36, radius=16, core=0):
    """Voxels whose centre lies within ``radius`` of the image centre: label 1 (2 within core)."""
    r = np.linalg.norm(np.indices((n, n, n)) + 0.5 - n / 2, axis=0)
    image = (r <= radius).astype(np.uint8)
    image[r <= core] = 2
    return image


def exposed_faces(image, a, b):
    """Number of voxel faces between label sets a and b (padding with 0 outside)."""
    padded = np.pad(image, 1)
    count = 0
    for axis in range(3):
        lo = np.take(padded, np.arange(padded.shape[axis] - 1), axis=axis)
        hi = np.take(padded, np.arange(1, padded.shape[axis]), axis=axis)
        count += np.sum(np.isin(lo, a) & np.isin(hi, b)) + np.sum(np.isin(lo, b) & np.isin(hi, a))
    return int(count)


def save(folder, name, image):
    path = folder / name
    if COMM.rank == 0:
        if path.suffix == ".npy":
            np.save(path, image)
        elif path.suffix == ".tif":
            import tifffile

            tifffile.imwrite(path, image)
        else:
            import h5py

            with h5py.File(path, "w") as f:
                f["segmentation"] = image
    COMM.barrier()
    return path


def image_geometry(path, labels=None, **extra):
    spec = dict(kind="image", path=str(path), voxel_size=H, labels=labels or {"active": [1]})
    return ImageGeometry(**{**spec, **extra})


def test_voxel_sphere_volume_and_wetted_area(folder):
    image, radius = ball(), 16
    d = build(image_geometry(save(folder, "ball.npy", image)), COMM)
    voxels = volume(d, 1)
    assert voxels == pytest.approx(image.sum() * H**3, rel=1e-12)
    assert abs(voxels / (4 / 3 * math.pi * (radius * H) ** 3) - 1) < 0.03
    assert area(d, d.facet_ids["wetted"]) == pytest.approx(
        exposed_faces(image, [0], [1]) * H**2, rel=1e-12)
    for face in ("x0", "x1", "y0", "y1", "z0", "z1"):
        assert area(d, d.facet_ids[face]) == 0.0
    assert d.length == pytest.approx(36 * H) and np.allclose(d.center, 18 * H)


def test_voxel_core_shell_interface(folder):
    image = ball(core=8)
    labels = {"shell": [1], "core": [2]}
    d = build(image_geometry(save(folder, "core_shell.npy", image), labels), COMM)
    assert d.regions == {"shell": 1, "core": 2}
    assert d.facet_ids["interface:core:shell"] == 8
    assert volume(d, 2) == pytest.approx(np.sum(image == 2) * H**3, rel=1e-12)
    assert area(d, 8, interior=True) == pytest.approx(exposed_faces(image, [1], [2]) * H**2,
                                                      rel=1e-12)
    report = mesh_report(d)
    assert report["regions"]["shell"]["wetted_area"] == pytest.approx(
        exposed_faces(image, [0], [1, 2]) * H**2, rel=1e-12)
    assert report["regions"]["core"]["wetted_area"] == 0.0
    assert report["regions"]["core"]["cells"] == 6 * np.sum(image == 2)
    assert report["cells"] == 6 * np.count_nonzero(image)


def test_image_faces_are_not_wetted(folder):
    """The upper half of the ball: its cut lies on the image face x0, a roller, not wetted."""
    image = ball()[18:]
    d = build(image_geometry(save(folder, "half.npy", image), rollers=["x0"]), COMM)
    assert d.rollers == ((d.facet_ids["x0"], 0),)
    assert area(d, d.facet_ids["x0"]) == pytest.approx(image[0].sum() * H**2, rel=1e-12)
    wetted = exposed_faces(image, [0], [1]) - image[0].sum()
    assert area(d, d.facet_ids["wetted"]) == pytest.approx(wetted * H**2, rel=1e-12)


def random_labels(shape, seed=3):
    image = np.random.default_rng(seed).integers(0, 3, size=shape).astype(np.uint16)
    image[1:-1, 1:-1, 1:-1] = np.maximum(image[1:-1, 1:-1, 1:-1], 1)
    return image


@pytest.mark.parametrize("name", ["labels.tif", "labels.h5"])
def test_formats_give_identical_meshes(folder, name):
    image = random_labels((7, 6, 5))
    labels = {"active": [1], "matrix": [2]}
    reference = build(image_geometry(save(folder, "labels.npy", image), labels), COMM)
    other = build(image_geometry(save(folder, name, image), labels, dataset="segmentation"
                                 if name.endswith(".h5") else None), COMM)
    assert mesh_report(other) == mesh_report(reference)
    assert other.facet_ids == reference.facet_ids
    for d in (reference, other):
        assert d.mesh.topology.index_map(0).size_global == \
            reference.mesh.topology.index_map(0).size_global


def test_coarsen_majority_and_mesh(folder):
    block = np.array([[[1, 1], [2, 2]], [[1, 2], [0, 0]]])  # 3 x 1, 3 x 2, 2 x 0: tie 1 vs 2
    assert coarsen(block, 2)[0, 0, 0] == 1
    assert coarsen(np.array([0, 0, 0, 0, 3, 3, 3, 3]).reshape(2, 2, 2), 2)[0, 0, 0] == 3
    assert coarsen(np.array([0, 0, 0, 0, 0, 3, 3, 3]).reshape(2, 2, 2), 2)[0, 0, 0] == 0
    small = random_labels((4, 3, 3), seed=5)
    large = np.pad(small.repeat(2, 0).repeat(2, 1).repeat(2, 2), ((0, 1), (0, 0), (0, 0)))
    labels = {"active": [1], "matrix": [2]}
    coarse = build(image_geometry(save(folder, "large.npy", large), labels, coarsen=2), COMM)
    exact = build(ImageGeometry(kind="image", path=str(save(folder, "small.npy", small)),
                                voxel_size=2 * H, labels=labels), COMM)
    a, b = mesh_report(coarse), mesh_report(exact)
    assert a["cells"] == b["cells"]
    for role in labels:
        assert a["regions"][role]["volume"] == pytest.approx(b["regions"][role]["volume"],
                                                             rel=1e-12)


def test_image_errors(folder):
    image = ball(n=8, radius=3)
    image[0, 0, 0] = 4
    path = save(folder, "stray.npy", image)
    with pytest.raises(ValueError, match=r"\[4\]"):
        build(image_geometry(path), COMM)
    with pytest.raises(ValueError, match="void"):
        build(image_geometry(path, {"active": [1, 4], "pore": [0]}), COMM)
    with pytest.raises(ValueError, match="dataset"):
        build(image_geometry(save(folder, "stray.h5", image), dataset="nope"), COMM)


# ----------------------------------------------------------------------------- report
def test_report_of_a_box():
    size = (2 * UM, UM, UM)
    geometry = SimpleNamespace(size=size, mesh=SimpleNamespace(size=UM / 2), rollers=[],
                               wetted=["x1"])
    report = mesh_report(build_box(geometry, COMM))
    region = report["regions"]["active"]
    assert report["volume"] == pytest.approx(math.prod(size), rel=1e-12)
    assert region["volume"] == report["volume"]
    assert report["wetted_area"] == pytest.approx(UM**2, rel=1e-12)
    assert 0.0 < region["quality_min"] <= region["quality_mean"] <= 1.0
    assert region["cells"] == report["cells"]
    assert abs(report["porosity"]) < 1e-12
    text = format_report(report)
    assert "active" in text and "porosity" in text
    assert report == COMM.bcast(report, root=0)
