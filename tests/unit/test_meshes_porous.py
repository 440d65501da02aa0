"""Porous meshes (inverse opal, composite, fibre with clusters) against closed forms; serial and
mpirun -n 2.

All at the default resolution.  Curved surfaces are faceted (CURVATURE_POINTS = 48 edges per
circle); measured errors: sphere volumes -0.62 %, sphere areas -0.34 %, inverse-opal porosity
-0.44 % (the thin wall that is left: +2.1 %, so it is checked in m^3 against 1 % of the pores),
pore area +0.48 % (faceted windows are smaller holes), planes cut by pores +0.85 %, the thin
coating shell +1.3 %; the collector and the box faces are exact.  Interface areas are summed
over the owned facet triangles: dS cannot reach facets between ranks (no shared-facet ghosts).
"""

import math

import pytest

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from meshes import Domain, build, quality
from meshes.composite import pack_particles
from meshes.fibre_clusters import place_pores
from meshes.inverse_opal import lattice_sites, pore_radius
from solver.schema import CompositeGeometry, FibreClustersGeometry, InverseOpalGeometry

pytestmark = pytest.mark.parallel

COMM = MPI.COMM_WORLD
REL = 0.01  # closed forms within 1 %

D = 300e-9  # inverse opal: template sphere diameter
A = D * math.sqrt(2.0)  # FCC cell edge
T_C = 60e-9  # collector slab


# ------------------------------------------------------------------------------ helpers
def gsum(value):
    return COMM.allreduce(value, op=MPI.SUM)


def integrate(form) -> float:
    return gsum(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)))


def volume(d: Domain, tag: int) -> float:
    dx = ufl.Measure("dx", domain=d.mesh, subdomain_data=d.cell_tags)
    return integrate(dolfinx.fem.Constant(d.mesh, 1.0) * dx(tag))


def area(d: Domain, name: str) -> float:
    """Area of a named facet group: ds for boundaries, the owned triangles for interfaces."""
    if name.startswith("interface:"):
        x = d.mesh.geometry.x[dolfinx.mesh.entities_to_geometry(
            d.mesh, 2, owned_facets(d, d.facet_ids[name]))]
        return gsum(0.5 * np.linalg.norm(np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]),
                                         axis=1).sum())
    ds = ufl.Measure("ds", domain=d.mesh, subdomain_data=d.facet_tags)
    return integrate(dolfinx.fem.Constant(d.mesh, 1.0) * ds(d.facet_ids[name]))


def owned_facets(d: Domain, tag: int) -> np.ndarray:
    n_owned = d.mesh.topology.index_map(2).size_local
    facets = d.facet_tags.find(tag)
    return facets[facets < n_owned].astype(np.int32)


def midpoints(d: Domain, name: str) -> np.ndarray:
    return dolfinx.mesh.compute_midpoints(d.mesh, 2, owned_facets(d, d.facet_ids[name]))


def assert_rel(actual, expected, rel=REL, what=""):
    assert abs(actual / expected - 1.0) <= rel, f"{what}: {actual} vs {expected}"


def assert_facets_consistent(d: Domain) -> None:
    """Every exterior facet carries one boundary name; interface facets are interior and lie
    between cells of their two roles (where both cells are on this rank)."""
    mesh = d.mesh
    mesh.topology.create_connectivity(2, 3)
    f2c = mesh.topology.connectivity(2, 3)
    n_owned = mesh.topology.index_map(2).size_local
    exterior = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    exterior = exterior[exterior < n_owned]
    n_cells = mesh.topology.index_map(3).size_local + mesh.topology.index_map(3).num_ghosts
    role_tag = np.zeros(n_cells, dtype=np.int32)
    role_tag[d.cell_tags.indices] = d.cell_tags.values
    named = 0
    for name, tag in d.facet_ids.items():
        facets = owned_facets(d, tag)
        assert gsum(facets.size) > 0, f"facet group {name} is empty"
        on_boundary = np.isin(facets, exterior)
        if not name.startswith("interface:"):
            assert on_boundary.all(), name
            named += facets.size
            continue
        assert not on_boundary.any(), name
        expected = sorted(d.regions[role] for role in name.split(":")[1:])
        for facet in facets:
            cells = f2c.links(facet)
            if cells.size == 2:
                assert sorted(role_tag[cells]) == expected, name
    assert gsum(named) == gsum(exterior.size)
    assert len(np.unique(d.facet_tags.indices)) == d.facet_tags.indices.size
    tagged = np.isin(np.arange(mesh.topology.index_map(3).size_local), d.cell_tags.indices)
    assert tagged.all() and set(np.unique(d.cell_tags.values)) <= set(d.regions.values())


# ------------------------------------------------------------------------------ inverse opal
def opal_geometry(cells=1, window=0.3 * D, coating=None) -> InverseOpalGeometry:
    return InverseOpalGeometry(kind="inverse_opal", pore_diameter=D, window_diameter=window,
                               cells=cells, coating_thickness=coating, collector_thickness=T_C)


def lens(r: float, distance: float) -> float:
    """Volume of the overlap of two balls of radius r at ``distance``."""
    return math.pi * (4 * r + distance) * (2 * r - distance) ** 2 / 12


def fcc_pore_volume(r: float) -> float:
    """Pore volume per FCC cell: 4 pores, each sharing a lens with each of 12 neighbours."""
    return 4 * (4 / 3 * math.pi * r**3 - 12 / 2 * lens(r, D))


def fcc_pore_area(r: float) -> float:
    """Pore wall area per cell: 4 spheres minus 12 window caps of height r - d/2 each."""
    return 4 * (4 * math.pi * r**2 - 12 * 2 * math.pi * r * (r - D / 2))


def top_solid_area(r: float) -> float:
    """Solid area per cell of the block's top (and bottom) plane: it cuts 2 pores per a^2
    through their centres, each overlapping 4 in-plane neighbours at distance d."""
    segment = 2 * r**2 * math.acos(D / (2 * r)) - D / 2 * math.sqrt(4 * r**2 - D**2)
    return A**2 - 2 * (math.pi * r**2 - 4 / 2 * segment)


@pytest.fixture(scope="module")
def opal():
    return build(opal_geometry(), COMM)


@pytest.fixture(scope="module")
def coated():
    return build(opal_geometry(window=0.4 * D, coating=0.02 * D), COMM)


OPAL_IDS = {"x0": 1, "x1": 2, "y0": 3, "y1": 4, "z0": 5, "z1": 6, "pore": 7,
            "collector_exposed": 8, "interface:active:collector": 9}
COATED_IDS = {**OPAL_IDS, "interface:active:coating": 10, "interface:coating:collector": 11}


def test_opal_bookkeeping(opal, coated):
    assert opal.facet_ids == OPAL_IDS and coated.facet_ids == COATED_IDS
    assert opal.regions == {"active": 1, "collector": 2}
    assert coated.regions == {"active": 1, "collector": 2, "coating": 3}
    for d in (opal, coated):
        assert d.dimension == "3d" and d.body_factor == 1.0 and d.pins == ()
        assert d.wetted == (7, 6) and d.clamped == (5,)
        assert d.rollers == ((1, 0), (2, 0), (3, 1), (4, 1))
        assert d.length == pytest.approx(A) and np.allclose(d.center, A / 2, rtol=1e-14)
        assert_facets_consistent(d)


def test_opal_facet_positions(opal):
    tol = 1e-9 * A
    planes = {"x0": (0, 0.0), "x1": (0, A), "y0": (1, 0.0), "y1": (1, A), "z0": (2, -T_C),
              "z1": (2, A), "collector_exposed": (2, 0.0), "interface:active:collector": (2, 0)}
    for name, (axis, value) in planes.items():
        assert np.allclose(midpoints(opal, name)[:, axis], value, rtol=0, atol=tol), name
    # pore facets: chords of the pore spheres (midpoints just inside)
    sites = A / 2 * lattice_sites(1)
    mid = midpoints(opal, "pore")
    radius = np.linalg.norm(mid[:, None, :] - sites[None], axis=2).min(axis=1)
    r_p = pore_radius(D, 0.3 * D)
    assert np.all((radius > 0.98 * r_p) & (radius < r_p * (1 + 1e-9)))


def test_opal_porosity_areas_collector(opal):
    r_p = pore_radius(D, 0.3 * D)
    pores = fcc_pore_volume(r_p)
    wall = volume(opal, 1)
    assert_rel(A**3 - wall, pores, what="pore volume (porosity)")
    assert abs(wall - (A**3 - pores)) <= REL * pores  # the wall: the same error in m^3
    assert volume(opal, 2) == pytest.approx(A * A * T_C, rel=1e-12)
    assert_rel(area(opal, "pore"), fcc_pore_area(r_p), what="pore area")
    # planar faces with faceted circular holes: the small solid part sees the holes' error
    # (measured +0.85 % top and base, -0.16 % exposed collector, +0.43 % lateral)
    assert_rel(area(opal, "z1"), top_solid_area(r_p), rel=0.02, what="top face")
    assert_rel(area(opal, "interface:active:collector"), top_solid_area(r_p), rel=0.02,
               what="base")
    assert_rel(area(opal, "collector_exposed"), A**2 - top_solid_area(r_p), what="exposed")
    wetted = sum(area(opal, name) for name in ("pore", "z1"))
    assert_rel(wetted, fcc_pore_area(r_p) + top_solid_area(r_p), what="wetted")
    assert area(opal, "z0") == pytest.approx(A * A, rel=1e-12)
    for name in ("x0", "x1", "y0", "y1"):  # block faces (periodic: like the top) + slab
        assert_rel(area(opal, name), top_solid_area(r_p) + A * T_C, what=name)


def test_coated_opal(coated):
    r_p = pore_radius(D, 0.4 * D)
    r_in = r_p - 0.02 * D
    assert_rel(A**3 - volume(coated, 1), fcc_pore_volume(r_p), what="pores of the wall")
    assert_rel(A**3 - volume(coated, 1) - volume(coated, 3), fcc_pore_volume(r_in),
               what="pores left by the coating")
    # a thin shell: the difference of two faceted volumes (measured +1.3 %)
    assert_rel(volume(coated, 3), fcc_pore_volume(r_p) - fcc_pore_volume(r_in), rel=0.02,
               what="coating")
    assert_rel(area(coated, "pore"), fcc_pore_area(r_in), what="wetted pore area")
    assert_rel(area(coated, "interface:active:coating"), fcc_pore_area(r_p), what="wall")
    assert_rel(area(coated, "z1"), top_solid_area(r_in), rel=0.02, what="top")  # +0.92 %
    assert_rel(area(coated, "interface:coating:collector"),  # a thin ring: +1.6 %
               top_solid_area(r_in) - top_solid_area(r_p), rel=0.03, what="coating base")


def test_opal_two_cells():
    """2x2x2 cells build (~87k cells, ~10 s) with the same porosity."""
    d = build(opal_geometry(cells=2), COMM)
    q = quality(d)
    assert 50_000 < q["num_cells"] < 200_000
    assert d.length == pytest.approx(2 * A)
    assert_rel(8 * A**3 - volume(d, 1), 8 * fcc_pore_volume(pore_radius(D, 0.3 * D)))
    assert_rel(area(d, "pore"), 8 * fcc_pore_area(pore_radius(D, 0.3 * D)))


def test_opal_rejects_closed_geometries():
    with pytest.raises(ValueError, match="window_diameter"):
        build(opal_geometry(window=0.6 * D), COMM)
    with pytest.raises(ValueError, match="coating_thickness"):
        build(opal_geometry(window=0.3 * D, coating=0.03 * D), COMM)


def test_same_mesh_for_any_number_of_ranks(opal):
    q_world, q_self = quality(opal), quality(build(opal_geometry(), MPI.COMM_SELF))
    assert q_world["num_cells"] == q_self["num_cells"]
    assert q_world["num_vertices"] == q_self["num_vertices"]
    assert q_world["h_min"] == pytest.approx(q_self["h_min"], rel=1e-12)


# ------------------------------------------------------------------------------ composite
BOX = (300e-9, 300e-9, 300e-9)
R = 50e-9


def composite_geometry(seed=1, **changes) -> CompositeGeometry:
    spec = dict(kind="composite", size=BOX, particle_radius=R, radius_spread=0.2,
                volume_fraction=0.1, seed=seed, rollers=["x0", "y0", "z0"], wetted=["z1"])
    return CompositeGeometry(**{**spec, **changes})


@pytest.fixture(scope="module")
def composite():
    return build(composite_geometry(), COMM)


def test_composite_bookkeeping(composite):
    d = composite
    assert d.facet_ids == {"x0": 1, "x1": 2, "y0": 3, "y1": 4, "z0": 5, "z1": 6,
                           "interface:active:matrix": 7}
    assert d.regions == {"active": 1, "matrix": 2}
    assert d.rollers == ((1, 0), (3, 1), (5, 2)) and d.wetted == (6,)
    assert d.clamped == () and d.pins == () and d.body_factor == 1.0
    assert d.length == pytest.approx(300e-9) and np.allclose(d.center, 150e-9, rtol=1e-14)
    assert_facets_consistent(d)
    centres, radii = pack_particles(composite_geometry())
    mid = midpoints(d, "interface:active:matrix")
    scaled = np.linalg.norm(mid[:, None, :] - centres[None], axis=2) / radii[None]
    assert np.all((scaled.min(axis=1) > 0.98) & (scaled.min(axis=1) < 1 + 1e-9))


def test_composite_volumes_and_interface(composite):
    _, radii = pack_particles(composite_geometry())
    particles = np.sum(4 / 3 * math.pi * radii**3)
    box = np.prod(BOX)
    assert_rel(volume(composite, 1), particles, what="particles")
    assert_rel(volume(composite, 2), box - particles, what="matrix")
    assert_rel(area(composite, "interface:active:matrix"), np.sum(4 * math.pi * radii**2),
               what="interface")
    for name in ("x0", "x1", "y0", "y1", "z0", "z1"):
        assert area(composite, name) == pytest.approx(300e-9**2, rel=1e-12)


def test_composite_packing():
    geometry = composite_geometry()
    centres, radii = pack_particles(geometry)
    # the achieved fraction (0.108 for 5 particles) is the target within half a particle
    largest = 4 / 3 * math.pi * (R * (1 + 2 * 0.2)) ** 3
    achieved = np.sum(4 / 3 * math.pi * radii**3) / np.prod(BOX)
    assert abs(achieved - 0.1) <= 0.5 * largest / np.prod(BOX), achieved
    assert np.all(np.abs(radii / R - 1) <= 2 * 0.2 + 1e-12)
    gap = R / 5
    distance = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    apart = distance - radii[:, None] - radii[None] + np.eye(radii.size) * 1e9
    assert apart.min() >= gap * (1 - 1e-12)
    assert np.all(centres - radii[:, None] >= gap * (1 - 1e-12))
    assert np.all(np.asarray(BOX) - centres - radii[:, None] >= gap * (1 - 1e-12))
    # reproducible from the seed
    again = pack_particles(composite_geometry())
    assert np.array_equal(again[0], centres) and np.array_equal(again[1], radii)
    other = pack_particles(composite_geometry(seed=2))
    assert other[0].shape != centres.shape or not np.allclose(other[0], centres)


def test_composite_unreachable_fraction():
    with pytest.raises(ValueError, match="random sequential addition"):
        pack_particles(composite_geometry(volume_fraction=0.45, radius_spread=0.0))
    with pytest.raises(ValueError, match="faces"):
        pack_particles(composite_geometry(size=(60e-9, 300e-9, 300e-9)))


# ------------------------------------------------------------------------------ fibre
R_F, LENGTH, R_P = 30e-9, 60e-9, 8e-9


def fibre_geometry(**changes) -> FibreClustersGeometry:
    spec = dict(kind="fibre_clusters", fibre_radius=R_F, length=LENGTH, pore_radius=R_P,
                porosity=0.05, filled_fraction=0.5, seed=3)
    return FibreClustersGeometry(**{**spec, **changes})


@pytest.fixture(scope="module")
def fibre():
    return build(fibre_geometry(), COMM)


def test_fibre_bookkeeping(fibre):
    d = fibre
    assert d.facet_ids == {"lateral": 1, "z0": 2, "z1": 3, "pore": 4,
                           "interface:active:fibre": 5}
    assert d.regions == {"active": 1, "fibre": 2}
    assert d.wetted == (1,) and d.rollers == ((2, 2), (3, 2)) and d.clamped == ()
    assert d.length == pytest.approx(LENGTH) and d.center == (0.0, 0.0, LENGTH / 2)
    assert_facets_consistent(d)
    for name, axis_value in (("z0", 0.0), ("z1", LENGTH)):
        assert np.allclose(midpoints(d, name)[:, 2], axis_value, rtol=0, atol=1e-9 * LENGTH)
    rho = np.linalg.norm(midpoints(d, "lateral")[:, :2], axis=1)
    assert np.all((rho > 0.99 * R_F) & (rho < R_F * (1 + 1e-9)))


def test_fibre_pins_are_vertices(fibre):
    assert fibre.pins == (((0.0, 0.0, 0.0), (0, 1)), ((R_F / 2, 0.0, 0.0), (1,)))
    x = fibre.mesh.geometry.x
    for point, _ in fibre.pins:
        dist = np.linalg.norm(x - np.asarray(point), axis=1)
        assert COMM.allreduce(bool(dist.size and dist.min() < 1e-9 * R_F), op=MPI.LOR), point


def test_fibre_volumes_and_areas(fibre):
    centres, filled = place_pores(fibre_geometry())
    assert centres.shape == (4, 3) and filled.sum() == 2  # round(0.05 V / v_p), half filled
    pore = 4 / 3 * math.pi * R_P**3
    cylinder = math.pi * R_F**2 * LENGTH
    assert_rel(volume(fibre, 2), cylinder - filled.size * pore, what="fibre")
    assert_rel(volume(fibre, 1), filled.sum() * pore, what="clusters")
    assert_rel(area(fibre, "lateral"), 2 * math.pi * R_F * LENGTH, what="lateral")
    sphere = 4 * math.pi * R_P**2
    assert_rel(area(fibre, "pore"), (~filled).sum() * sphere, what="empty pores")
    assert_rel(area(fibre, "interface:active:fibre"), filled.sum() * sphere, what="clusters")
    assert area(fibre, "z0") == pytest.approx(math.pi * R_F**2, rel=REL)


def test_fibre_placement():
    centres, filled = place_pores(fibre_geometry())
    gap = R_P / 2
    distance = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(4) * 1e9
    assert distance.min() >= 2 * R_P + gap * (1 - 1e-12)
    assert np.all(np.linalg.norm(centres[:, :2], axis=1) <= R_F - R_P - gap)
    assert np.all((centres[:, 2] >= R_P + gap) & (centres[:, 2] <= LENGTH - R_P - gap))
    again = place_pores(fibre_geometry())
    assert np.array_equal(again[0], centres) and np.array_equal(again[1], filled)
    assert not np.allclose(place_pores(fibre_geometry(seed=4))[0], centres)


def test_fibre_rejects_too_many_pores():
    with pytest.raises(ValueError, match="increase pore_radius or reduce length"):
        place_pores(fibre_geometry(length=10e-6, porosity=0.3))
    with pytest.raises(ValueError, match="does not fit"):
        place_pores(fibre_geometry(pore_radius=25e-9))
