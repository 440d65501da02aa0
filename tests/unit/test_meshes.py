"""Meshes: measures with the dimension's weight, facet tags, pins, box faces; serial and mpirun -n 2."""

import math
from types import SimpleNamespace

import pytest

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from meshes import Domain, build, quality

pytestmark = pytest.mark.parallel

COMM = MPI.COMM_WORLD
R = 250e-9  # m: tiny SI coordinates on purpose
H = R / 5  # coarse: keeps the whole module well under the time budget
VARIANTS = [
    ("radial", "full"),
    ("radial", "octant"),
    ("axisymmetric", "full"),
    ("axisymmetric", "octant"),
    ("3d", "full"),
    ("3d", "octant"),
]
EXPECTED_IDS = {
    ("radial", "full"): {"surface": 1, "center": 2},
    ("radial", "octant"): {"surface": 1, "center": 2},
    ("axisymmetric", "full"): {"surface": 1, "axis": 2},
    ("axisymmetric", "octant"): {"surface": 1, "axis": 2, "equator": 3},
    ("3d", "full"): {"surface": 1},
    ("3d", "octant"): {"surface": 1, "x0": 2, "y0": 3, "z0": 4},
}


def sphere_geometry(dimension, symmetry, radius=R, size=H):
    return SimpleNamespace(
        kind="sphere", radius=radius, dimension=dimension, symmetry=symmetry,
        mesh=SimpleNamespace(size=size, order=1),
    )


_CACHE = {}


def sphere(dimension, symmetry) -> Domain:
    key = (dimension, symmetry)
    if key not in _CACHE:
        _CACHE[key] = build(sphere_geometry(dimension, symmetry), COMM)
    return _CACHE[key]


def gsum(value):
    return COMM.allreduce(value, op=MPI.SUM)


def integrate(domain: Domain, integrand_measure):
    return gsum(dolfinx.fem.assemble_scalar(dolfinx.fem.form(integrand_measure)))


def weight(domain: Domain):
    x = ufl.SpatialCoordinate(domain.mesh)
    return {"radial": x[0] ** 2, "axisymmetric": x[0], "3d": 1.0}[domain.dimension]


def body_volume(domain: Domain) -> float:
    dx = ufl.Measure("dx", domain=domain.mesh, subdomain_data=domain.cell_tags)
    return domain.body_factor * integrate(domain, weight(domain) * dx(1))


def wetted_area(domain: Domain) -> float:
    ds = ufl.Measure("ds", domain=domain.mesh, subdomain_data=domain.facet_tags)
    return domain.body_factor * integrate(domain, weight(domain) * ds(domain.wetted))


def owned_facets(domain: Domain, tag: int) -> np.ndarray:
    fdim = domain.mesh.topology.dim - 1
    n_owned = domain.mesh.topology.index_map(fdim).size_local
    facets = domain.facet_tags.find(tag)
    return facets[facets < n_owned]


def max_wetted_facet_size(domain: Domain) -> float:
    fdim = domain.mesh.topology.dim - 1
    facets = np.concatenate([owned_facets(domain, t) for t in domain.wetted]).astype(np.int32)
    h = domain.mesh.h(fdim, facets) if facets.size else np.zeros(1)
    return COMM.allreduce(float(h.max()), op=MPI.MAX)


def polygon_bounds(domain: Domain):
    """One-sided relative error bounds of an inscribed polygon/polyhedron (vertices on the sphere).

    A boundary facet of diameter h (2-D chord: circumradius rho = h/2; 3-D well-shaped
    triangle: rho ~ h/sqrt(3)) lies at distance sqrt(R^2 - rho^2) from the centre, so the convex
    inscribed body contains the ball of that radius and is contained in the ball of radius R:
        (1 - rho^2/R^2)^(3/2) <= V/V_exact <= 1,    (1 - rho^2/R^2) <= A/A_exact <= 1.
    For H = R/5 this allows ~1-8 %; the observed errors are ~0.5-1.4 % (sagitta h^2/(8R)).
    """
    h = max_wetted_facet_size(domain)
    rho = h / 2 if domain.dimension == "axisymmetric" else h / math.sqrt(3)
    s = (rho / domain.length) ** 2
    return 1 - (1 - s) ** 1.5, s


# ------------------------------------------------------------------------------------- spheres
@pytest.mark.parametrize("dimension,symmetry", VARIANTS)
def test_sphere_ids_and_bookkeeping(dimension, symmetry):
    d = sphere(dimension, symmetry)
    ids = EXPECTED_IDS[(dimension, symmetry)]
    assert d.facet_ids == ids
    assert d.dimension == dimension
    assert d.wetted == (ids["surface"],)
    assert d.length == pytest.approx(R, rel=1e-15)
    assert d.center == (0.0, 0.0, 0.0)
    assert d.mesh.geometry.dim == {"radial": 1, "axisymmetric": 2, "3d": 3}[dimension]
    assert d.mesh.topology.dim == d.mesh.geometry.dim
    for tag, comp in d.rollers:
        assert tag in ids.values() and 0 <= comp < d.mesh.geometry.dim
    # all cells tagged "active" = 1
    tdim = d.mesh.topology.dim
    n_owned = d.mesh.topology.index_map(tdim).size_local
    cells = d.cell_tags.indices[d.cell_tags.indices < n_owned]
    assert np.all(d.cell_tags.values == 1)
    assert gsum(cells.size) == d.mesh.topology.index_map(tdim).size_global


@pytest.mark.parametrize("dimension,symmetry", VARIANTS)
def test_sphere_volume_and_wetted_area(dimension, symmetry):
    d = sphere(dimension, symmetry)
    v_err = body_volume(d) / (4 / 3 * math.pi * R**3) - 1
    a_err = wetted_area(d) / (4 * math.pi * R**2) - 1
    if dimension == "radial":
        assert abs(v_err) < 1e-12 and abs(a_err) < 1e-12
    else:
        v_tol, a_tol = polygon_bounds(d)
        assert -v_tol <= v_err <= 1e-12, (v_err, v_tol)
        assert -a_tol <= a_err <= 1e-12, (a_err, a_tol)
        assert v_err < 0.02 and a_err < 0.02  # and not absurdly loose (H = R/5)


@pytest.mark.parametrize("dimension,symmetry", VARIANTS)
def test_sphere_facet_tags(dimension, symmetry):
    d = sphere(dimension, symmetry)
    fdim = d.mesh.topology.dim - 1
    d.mesh.topology.create_connectivity(fdim, fdim + 1)
    tol = 1e-9 * R
    where = {
        "surface": lambda p: np.isclose(np.linalg.norm(p, axis=1), R, rtol=0, atol=1e-6 * R)
        if dimension == "radial" else np.linalg.norm(p, axis=1) <= R + tol,
        "center": lambda p: np.abs(p[:, 0]) < tol,
        "axis": lambda p: np.abs(p[:, 0]) < tol,
        "equator": lambda p: np.abs(p[:, 1]) < tol,
        "x0": lambda p: np.abs(p[:, 0]) < tol,
        "y0": lambda p: np.abs(p[:, 1]) < tol,
        "z0": lambda p: np.abs(p[:, 2]) < tol,
    }
    total = 0
    for name, tag in d.facet_ids.items():
        facets = owned_facets(d, tag)
        count = gsum(facets.size)
        assert count > 0, f"facet {name} ({tag}) is empty"
        total += count
        mid = dolfinx.mesh.compute_midpoints(d.mesh, fdim, facets.astype(np.int32))
        assert np.all(where[name](mid)), name
        if name == "surface" and dimension != "radial":  # chord/facet midpoints lie inside
            assert np.all(np.linalg.norm(mid, axis=1) > 0.9 * R)
    # every exterior facet carries exactly one name
    n_owned = d.mesh.topology.index_map(fdim).size_local
    exterior = dolfinx.mesh.exterior_facet_indices(d.mesh.topology)
    assert total == gsum(int(np.sum(exterior < n_owned)))
    assert len(np.unique(d.facet_tags.indices)) == d.facet_tags.indices.size


@pytest.mark.parametrize("dimension,symmetry", VARIANTS)
def test_sphere_pins_are_vertices(dimension, symmetry):
    d = sphere(dimension, symmetry)
    expected = {
        ("axisymmetric", "full"): (((0.0, 0.0, 0.0), (1,)),),
        ("3d", "full"): (((0.0, 0.0, 0.0), (0, 1, 2)), ((R / 2, 0.0, 0.0), (1, 2)),
                         ((0.0, R / 2, 0.0), (2,))),
    }.get((dimension, symmetry), ())
    assert len(d.pins) == len(expected)
    x = d.mesh.geometry.x
    for (point, comps), (point_e, comps_e) in zip(d.pins, expected, strict=True):
        assert np.allclose(point, point_e, rtol=0, atol=1e-15) and tuple(comps) == comps_e
        dist = np.linalg.norm(x - np.asarray(point), axis=1)
        found = COMM.allreduce(bool(dist.size and dist.min() < 1e-9 * R), op=MPI.LOR)
        assert found, f"pin {point} is not a mesh vertex"


def test_axisymmetric_half_plane_and_rollers():
    for symmetry in ("full", "octant"):
        d = sphere("axisymmetric", symmetry)
        assert d.mesh.geometry.x[:, 0].min(initial=0.0) >= -1e-12 * R
        ids = d.facet_ids
        if symmetry == "octant":
            assert d.rollers == ((ids["axis"], 0), (ids["equator"], 1))
            assert d.body_factor == pytest.approx(4 * math.pi)  # quarter disk -> upper half ball
            assert d.mesh.geometry.x[:, 1].min(initial=0.0) >= -1e-12 * R
        else:
            assert d.rollers == ((ids["axis"], 0),)
            assert d.body_factor == pytest.approx(2 * math.pi)


def test_body_factors_and_rollers_3d_radial():
    assert sphere("radial", "full").body_factor == pytest.approx(4 * math.pi)
    assert sphere("radial", "full").rollers == ((2, 0),)
    o = sphere("3d", "octant")
    assert o.body_factor == 8.0
    assert o.rollers == ((2, 0), (3, 1), (4, 2))
    f = sphere("3d", "full")
    assert f.body_factor == 1.0 and f.rollers == ()


def test_radial_cells_and_default_size():
    d = build(SimpleNamespace(kind="sphere", radius=R, dimension="radial", symmetry="full",
                              mesh=SimpleNamespace(size=None, order=1)), COMM)
    q = quality(d)
    assert q["num_cells"] == 20 and q["num_vertices"] == 21
    assert q["h_min"] == pytest.approx(R / 20) and q["h_max"] == pytest.approx(R / 20)
    d = sphere("radial", "full")
    assert quality(d)["num_cells"] == math.ceil(R / H)
    d = build(sphere_geometry("radial", "full", size=0.3 * R), COMM)
    assert quality(d)["num_cells"] == 4  # ceil(1/0.3)


def test_quality_gmsh():
    d = sphere("3d", "octant")
    q = quality(d)
    assert q["num_cells"] > 0 and q["num_vertices"] > 0
    assert 0 < q["h_min"] <= q["h_max"] < 3 * H


def test_same_mesh_for_any_number_of_ranks():
    """rank 0 generates the gmsh mesh, so a per-rank COMM_SELF build gives the same counts."""
    for dimension, symmetry in [("3d", "full"), ("axisymmetric", "full")]:
        q_world = quality(sphere(dimension, symmetry))
        q_self = quality(build(sphere_geometry(dimension, symmetry), MPI.COMM_SELF))
        assert q_world["num_cells"] == q_self["num_cells"]
        assert q_world["num_vertices"] == q_self["num_vertices"]
        assert q_world["h_min"] == pytest.approx(q_self["h_min"], rel=1e-12)
        assert q_world["h_max"] == pytest.approx(q_self["h_max"], rel=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError):
        build(SimpleNamespace(kind="cylinder"), COMM)
    with pytest.raises(ValueError):
        build(sphere_geometry("2d", "full"), COMM)
    with pytest.raises(ValueError):
        build(sphere_geometry("3d", "half"), COMM)
    with pytest.raises(ValueError):
        build(SimpleNamespace(kind="box", size=(1e-7, 1e-7, 1e-7), rollers=["w0"], wetted=[],
                              mesh=SimpleNamespace(size=None)), COMM)


# ------------------------------------------------------------------------------------- box
SIZE = (400e-9, 200e-9, 100e-9)


@pytest.fixture(scope="module")
def box():
    geometry = SimpleNamespace(kind="box", size=SIZE, rollers=["x0", "y0", "z0"],
                               wetted=["z1", "x1"], mesh=SimpleNamespace(size=50e-9, order=1))
    return build(geometry, COMM)


def test_box_bookkeeping(box):
    ids = {"x0": 1, "x1": 2, "y0": 3, "y1": 4, "z0": 5, "z1": 6}
    assert box.facet_ids == ids
    assert box.dimension == "3d"
    assert box.rollers == ((1, 0), (3, 1), (5, 2))
    assert box.wetted == (6, 2)
    assert box.pins == ()
    assert box.body_factor == 1.0
    assert box.length == pytest.approx(400e-9)
    assert np.allclose(box.center, (200e-9, 100e-9, 50e-9), rtol=1e-14, atol=0)
    q = quality(box)
    assert q["num_cells"] == 6 * 8 * 4 * 2 and q["num_vertices"] == 9 * 5 * 3


def test_box_volume_and_areas(box):
    lx, ly, lz = SIZE
    assert body_volume(box) == pytest.approx(lx * ly * lz, rel=1e-12)
    assert wetted_area(box) == pytest.approx(lx * ly + ly * lz, rel=1e-12)
    ds = ufl.Measure("ds", domain=box.mesh, subdomain_data=box.facet_tags)
    areas = {"x": ly * lz, "y": lx * lz, "z": lx * ly}
    for name, tag in box.facet_ids.items():
        assert integrate(box, 1.0 * ds(tag)) == pytest.approx(areas[name[0]], rel=1e-12)


def test_box_face_tags(box):
    fdim = 2
    for name, tag in box.facet_ids.items():
        facets = owned_facets(box, tag)
        assert gsum(facets.size) == 2 * {"x": 4 * 2, "y": 8 * 2, "z": 8 * 4}[name[0]]
        axis = "xyz".index(name[0])
        value = 0.0 if name[1] == "0" else SIZE[axis]
        mid = dolfinx.mesh.compute_midpoints(box.mesh, fdim, facets.astype(np.int32))
        assert np.allclose(mid[:, axis], value, rtol=0, atol=1e-9 * SIZE[axis]), name


def test_box_default_mesh_size():
    geometry = SimpleNamespace(kind="box", size=SIZE, rollers=[], wetted=["z1"],
                               mesh=SimpleNamespace(size=None, order=1))
    d = build(geometry, COMM)  # size = max/8 = 50 nm -> 8 x 4 x 2
    assert quality(d)["num_cells"] == 6 * 8 * 4 * 2
    assert d.rollers == ()
