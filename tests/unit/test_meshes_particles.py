"""Particle meshes (ellipsoid, wire, core_shell, yolk_shell, film, a sphere under an extruded
SEI) against closed forms: region volumes, wetted and interface areas, facet names and places,
boundary bookkeeping, pins; serial and mpirun -n 2, at the default element sizes (the SEI at
coarse given ones)."""

import math
from dataclasses import dataclass, field

import pytest

import solver.mpi_env  # noqa: F401  (MPI of the wheel first)

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI
from scipy.special import ellipeinc, ellipkinc

from meshes import Domain, build, quality
from solver.schema import (CoreShellGeometry, EllipsoidGeometry, FilmGeometry, SphereGeometry,
                           WireGeometry, YolkShellGeometry)

pytestmark = pytest.mark.parallel

COMM = MPI.COMM_WORLD
NM = 1e-9
TOL = 0.01  # relative, at the default resolution
ATOL = 1e-8 * 100 * NM  # where facets lie: gmsh places vertices to ~1e-16 of the unit body


# ------------------------------------------------------------------------- closed forms
def ball(radius):
    return 4.0 / 3.0 * math.pi * radius**3


def sphere_area(radius):
    return 4.0 * math.pi * radius**2


def ellipsoid_area(*axes):
    """Surface of the ellipsoid (Legendre's form with incomplete elliptic integrals)."""
    a, b, c = sorted(axes, reverse=True)
    phi = math.acos(c / a)
    m = a**2 * (b**2 - c**2) / (b**2 * (a**2 - c**2))
    return 2 * math.pi * c**2 + 2 * math.pi * a * b / math.sin(phi) * (
        ellipeinc(phi, m) * math.sin(phi) ** 2 + ellipkinc(phi, m) * math.cos(phi) ** 2)


# ------------------------------------------------------------------------- where facets lie
def plane(axis, value):
    return lambda x: np.abs(x[:, axis] - value) < ATOL


def sphere(radius, center=(0.0, 0.0, 0.0)):
    return lambda x: np.abs(np.linalg.norm(x - np.asarray(center), axis=1) - radius) \
        < 1e-6 * radius


def ellipsoid(*axes):
    return lambda x: np.abs(np.sum((x / np.asarray(axes)) ** 2, axis=1) - 1.0) < 1e-5


def cylinder(radius):
    return lambda x: np.abs(np.hypot(x[:, 0], x[:, 1]) - radius) < 1e-6 * radius


def symmetry_facets(dimension, symmetry):
    """The sphere builder's symmetry facets: name -> (where, roller axis)."""
    return {
        ("radial", "full"): {"center": (plane(0, 0.0), 0)},
        ("radial", "octant"): {"center": (plane(0, 0.0), 0)},
        ("axisymmetric", "full"): {"axis": (plane(0, 0.0), 0)},
        ("axisymmetric", "octant"): {"axis": (plane(0, 0.0), 0),
                                     "equator": (plane(1, 0.0), 1)},
        ("3d", "full"): {},
        ("3d", "octant"): {name: (plane(i, 0.0), i) for i, name in enumerate(("x0", "y0", "z0"))},
    }[(dimension, symmetry)]


# ------------------------------------------------------------------------- cases
@dataclass
class Case:
    """A geometry and what its mesh must show (whole-body volumes and areas)."""

    geometry: object
    volumes: dict  # role -> volume
    areas: dict  # facet name -> area (wetted names and interfaces at least)
    wetted: dict  # wetted facet name -> role of the cells it bounds (exterior facets)
    where: dict  # facet name -> predicate on its vertices: all named facets, exactly
    rollers: dict = field(default_factory=dict)  # facet name -> axis
    clamped: tuple = ()
    body_factor: float = 1.0
    pin_groups: tuple = ()  # pin indices that hold one body each


def _ellipsoid(dimension, symmetry, axes):
    sym = symmetry_facets(dimension, symmetry)
    where = {"surface": ellipsoid(*axes) if dimension == "3d"
             else ellipsoid(axes[0], axes[2], 1.0)}
    where.update({name: w for name, (w, _) in sym.items()})
    pins = {("3d", "full"): ((0, 1, 2),), ("axisymmetric", "full"): ((0,),)}
    return Case(
        EllipsoidGeometry(kind="ellipsoid", semi_axes=axes, dimension=dimension,
                          symmetry=symmetry),
        volumes={"active": 4 / 3 * math.pi * math.prod(axes)},
        areas={"surface": ellipsoid_area(*axes)}, wetted={"surface": "active"}, where=where,
        rollers={name: axis for name, (_, axis) in sym.items()},
        body_factor=_sphere_factor(dimension, symmetry),
        pin_groups=pins.get((dimension, symmetry), ()))


def _sphere_factor(dimension, symmetry):
    return {"radial": 4 * math.pi, "3d": 8.0 if symmetry == "octant" else 1.0,
            "axisymmetric": (4.0 if symmetry == "octant" else 2.0) * math.pi}[dimension]


def _wire(dimension, inlet):
    r, length = 50 * NM, 400 * NM
    up = 1 if dimension == "axisymmetric" else 2
    where = {"end": plane(up, 0.0), "contact": plane(up, length)}
    if dimension == "axisymmetric":
        where.update({"side": plane(0, r), "axis": plane(0, 0.0)})
    else:
        where["side"] = cylinder(r)
    return Case(
        WireGeometry(kind="wire", radius=r, length=length, inlet=inlet, dimension=dimension),
        volumes={"active": math.pi * r**2 * length},
        areas={"end": math.pi * r**2, "side": 2 * math.pi * r * length,
               "contact": math.pi * r**2},
        wetted={inlet: "active"}, where=where,
        rollers={"axis": 0} if dimension == "axisymmetric" else {}, clamped=("contact",),
        body_factor=2 * math.pi if dimension == "axisymmetric" else 1.0)


CORE, THICKNESS, GAP = 100 * NM, 20 * NM, 20 * NM


def _core_shell(dimension, symmetry, thickness=THICKNESS):
    outer = CORE + thickness
    sym = symmetry_facets(dimension, symmetry)
    where = {"surface": sphere(outer), "interface:active:shell": sphere(CORE)}
    where.update({name: w for name, (w, _) in sym.items()})
    pins = {("3d", "full"): ((0, 1, 2),), ("axisymmetric", "full"): ((0,),)}
    return Case(
        CoreShellGeometry(kind="core_shell", core_radius=CORE, shell_thickness=thickness,
                          dimension=dimension, symmetry=symmetry),
        volumes={"active": ball(CORE), "shell": ball(outer) - ball(CORE)},
        areas={"surface": sphere_area(outer), "interface:active:shell": sphere_area(CORE)},
        wetted={"surface": "shell"}, where=where,
        rollers={name: axis for name, (_, axis) in sym.items()},
        body_factor=_sphere_factor(dimension, symmetry),
        pin_groups=pins.get((dimension, symmetry), ()))


def _yolk_shell(dimension, symmetry):
    inner = CORE + GAP
    outer = inner + THICKNESS
    sym = symmetry_facets(dimension, symmetry)
    where = {"surface": sphere(outer), "inner_surface": sphere(inner),
             "yolk_surface": sphere(CORE)}
    where.update({name: w for name, (w, _) in sym.items()})
    pins = {("3d", "full"): ((0, 1, 2), (3, 4, 5)), ("axisymmetric", "full"): ((0,), (1,))}
    return Case(
        YolkShellGeometry(kind="yolk_shell", core_radius=CORE, shell_thickness=THICKNESS,
                          gap=GAP, dimension=dimension, symmetry=symmetry),
        volumes={"active": ball(CORE), "shell": ball(outer) - ball(inner)},
        areas={"surface": sphere_area(outer), "inner_surface": sphere_area(inner),
               "yolk_surface": sphere_area(CORE)},
        wetted={"surface": "shell", "inner_surface": "shell", "yolk_surface": "active"},
        where=where, rollers={name: axis for name, (_, axis) in sym.items()},
        body_factor=_sphere_factor(dimension, symmetry),
        pin_groups=pins.get((dimension, symmetry), ()))


SEI, SEI_SIZE, SEI_LAYERS = 10 * NM, 10 * NM, 2


def sei_geometry(dimension, symmetry, sei_size=SEI_SIZE, layers=SEI_LAYERS, size=20 * NM):
    return SphereGeometry(kind="sphere", radius=CORE, dimension=dimension, symmetry=symmetry,
                          sei={"thickness": SEI},
                          mesh={"size": size, "sei_layers": layers, "sei_size": sei_size})


def _sei_particle(dimension, symmetry):
    """A sphere under an SEI extruded in SEI_LAYERS layers of tangential size SEI_SIZE; the
    species enter at the interface (wetted, interior)."""
    outer = CORE + SEI
    sym = symmetry_facets(dimension, symmetry)
    where = {"surface": sphere(outer), "interface:active:sei": sphere(CORE)}
    where.update({name: w for name, (w, _) in sym.items()})
    pins = {("3d", "full"): ((0, 1, 2),), ("axisymmetric", "full"): ((0,),)}
    return Case(
        sei_geometry(dimension, symmetry),
        volumes={"active": ball(CORE), "sei": ball(outer) - ball(CORE)},
        areas={"surface": sphere_area(outer), "interface:active:sei": sphere_area(CORE)},
        wetted={"interface:active:sei": "active"}, where=where,
        rollers={name: axis for name, (_, axis) in sym.items()},
        body_factor=_sphere_factor(dimension, symmetry),
        pin_groups=pins.get((dimension, symmetry), ()))


W, BASE, FILM, RADIUS = 200 * NM, 50 * NM, 50 * NM, 60 * NM


def _film(dimension, shape):
    axisymmetric = dimension == "axisymmetric"
    up = 1 if axisymmetric else 2
    side = W / 2 if axisymmetric or shape == "particle" else W  # the meshed patch
    base_area = math.pi * (W / 2) ** 2 if axisymmetric else W**2  # the whole patch
    if axisymmetric:
        where = {"axis": plane(0, 0.0), "side": plane(0, side)}
        rollers = {"axis": 0, "side": 0}
    else:
        where = {"x0": plane(0, 0.0), "x1": plane(0, side), "y0": plane(1, 0.0),
                 "y1": plane(1, side)}
        rollers = {"x0": 0, "x1": 0, "y0": 1, "y1": 1}
    where.update({"bottom": plane(up, 0.0), "interface:active:substrate": plane(up, BASE)})
    areas = {"bottom": base_area}
    if shape == "film":
        geometry = FilmGeometry(kind="film", shape="film", thickness=FILM, width=W,
                                substrate_thickness=BASE, dimension=dimension)
        where["top"] = plane(up, BASE + FILM)
        areas.update({"top": base_area, "interface:active:substrate": base_area})
        active, factor = base_area * FILM, 1.0
    else:
        geometry = FilmGeometry(kind="film", shape="particle", radius=RADIUS, width=W,
                                substrate_thickness=BASE, dimension=dimension)
        center = (0.0, BASE, 0.0) if axisymmetric else (0.0, 0.0, BASE)
        where.update({"top": sphere(RADIUS, center), "substrate_top": plane(up, BASE)})
        disk = math.pi * RADIUS**2
        areas.update({"top": 2 * disk, "interface:active:substrate": disk,
                      "substrate_top": base_area - disk})
        active, factor = 2 / 3 * math.pi * RADIUS**3, 4.0
    return Case(geometry, volumes={"active": active, "substrate": base_area * BASE},
                areas=areas, wetted={"top": "active"}, where=where, rollers=rollers,
                clamped=("bottom",), body_factor=2 * math.pi if axisymmetric else factor)


SPHERICAL = [("radial", "full"), ("axisymmetric", "octant"), ("axisymmetric", "full"),
             ("3d", "octant"), ("3d", "full")]
CASES = {
    "ellipsoid-3d-octant": lambda: _ellipsoid("3d", "octant", (200 * NM, 150 * NM, 100 * NM)),
    "ellipsoid-3d-full": lambda: _ellipsoid("3d", "full", (200 * NM, 150 * NM, 100 * NM)),
    "ellipsoid-axi-octant": lambda: _ellipsoid("axisymmetric", "octant",
                                               (150 * NM, 150 * NM, 100 * NM)),
    "ellipsoid-axi-full": lambda: _ellipsoid("axisymmetric", "full",
                                             (100 * NM, 100 * NM, 180 * NM)),
    **{f"wire-{d[:3]}-{inlet}": (lambda d=d, inlet=inlet: _wire(d, inlet))
       for d in ("axisymmetric", "3d") for inlet in ("end", "side")},
    **{f"core_shell-{d[:3]}-{s}": (lambda d=d, s=s: _core_shell(d, s)) for d, s in SPHERICAL},
    **{f"yolk_shell-{d[:3]}-{s}": (lambda d=d, s=s: _yolk_shell(d, s)) for d, s in SPHERICAL},
    **{f"sei_extruded-{d[:3]}-{s}": (lambda d=d, s=s: _sei_particle(d, s))
       for d, s in SPHERICAL if d != "radial"},
    **{f"film-{d[:3]}-{shape}": (lambda d=d, shape=shape: _film(d, shape))
       for d in ("axisymmetric", "3d") for shape in ("film", "particle")},
}
_BUILT = {}


def built(name) -> tuple[Case, Domain]:
    if name not in _BUILT:
        case = CASES[name]()
        _BUILT[name] = case, build(case.geometry, COMM)
    return _BUILT[name]


# ------------------------------------------------------------------------- measures
def gsum(value):
    return COMM.allreduce(value, op=MPI.SUM)


def weight(domain: Domain):
    x = ufl.SpatialCoordinate(domain.mesh)
    return {"radial": x[0] ** 2, "axisymmetric": x[0], "3d": 1.0}[domain.dimension]


def integrate(form) -> float:
    return gsum(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)))


def volume(domain: Domain, role: str) -> float:
    dx = ufl.Measure("dx", domain=domain.mesh, subdomain_data=domain.cell_tags)
    return domain.body_factor * integrate(weight(domain) * dx(domain.regions[role]))


def boundary_area(domain: Domain, tags) -> float:
    ds = ufl.Measure("ds", domain=domain.mesh, subdomain_data=domain.facet_tags)
    return domain.body_factor * integrate(weight(domain) * ds(tuple(tags)))


def owned_facets(domain: Domain, tag: int) -> np.ndarray:
    n_owned = domain.mesh.topology.index_map(domain.tdim - 1).size_local
    facets = domain.facet_tags.find(tag)
    return facets[facets < n_owned].astype(np.int32)


def facet_vertices(domain: Domain, facets: np.ndarray) -> np.ndarray:
    """(facets, vertices, 3) coordinates."""
    nodes = dolfinx.mesh.entities_to_geometry(domain.mesh, domain.tdim - 1, facets)
    return domain.mesh.geometry.x[nodes]


def facet_area(domain: Domain, tag: int) -> float:
    """body_factor·∫ w over the facets of ``tag`` summed facet by facet from the vertices (exact
    for flat facets and the linear weight r).  Interior facets too: dS cannot be assembled on
    facets between ranks with the meshes' ghost mode (none)."""
    x = facet_vertices(domain, owned_facets(domain, tag))
    if domain.dimension == "radial":
        w = x[:, 0, 0] ** 2
    elif domain.dimension == "axisymmetric":
        w = np.linalg.norm(x[:, 1] - x[:, 0], axis=1) * x[:, :, 0].mean(axis=1)
    else:
        w = 0.5 * np.linalg.norm(np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]), axis=1)
    return domain.body_factor * gsum(float(w.sum()))


def cell_region(domain: Domain) -> np.ndarray:
    imap = domain.mesh.topology.index_map(domain.tdim)
    region = np.full(imap.size_local + imap.num_ghosts, -1, dtype=np.int32)
    region[domain.cell_tags.indices] = domain.cell_tags.values
    return region


def adjacent_regions(domain: Domain, facets: np.ndarray) -> list[set]:
    fdim = domain.tdim - 1
    domain.mesh.topology.create_connectivity(fdim, domain.tdim)
    f2c = domain.mesh.topology.connectivity(fdim, domain.tdim)
    region = cell_region(domain)
    return [set(region[f2c.links(f)].tolist()) for f in facets]


def exterior(domain: Domain) -> np.ndarray:
    domain.mesh.topology.create_connectivity(domain.tdim - 1, domain.tdim)
    return dolfinx.mesh.exterior_facet_indices(domain.mesh.topology)


# ------------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", CASES)
def test_bookkeeping(name):
    case, d = built(name)
    ids = d.facet_ids
    assert set(ids) == set(case.where)
    assert len(set(ids.values())) == len(ids)
    assert d.regions == {role: i + 1 for i, role in enumerate(case.volumes)}
    assert d.wetted == tuple(ids[n] for n in case.wetted)
    assert sorted(d.rollers) == sorted((ids[n], axis) for n, axis in case.rollers.items())
    assert d.clamped == tuple(ids[n] for n in case.clamped)
    assert d.body_factor == pytest.approx(case.body_factor, rel=1e-15)
    assert d.mesh.geometry.dim == {"radial": 1, "axisymmetric": 2, "3d": 3}[d.dimension]
    assert all(0 <= axis < d.mesh.geometry.dim for _, axis in d.rollers)
    extent = np.abs(d.mesh.geometry.x).max(initial=0.0)
    assert COMM.allreduce(extent, op=MPI.MAX) <= d.length * (1 + 1e-12)
    if d.dimension != "3d":
        assert d.mesh.geometry.x[:, 0].min(initial=0.0) >= -1e-12 * d.length  # r >= 0
    # every cell has a region
    region = cell_region(d)[: d.mesh.topology.index_map(d.tdim).size_local]
    assert np.all(np.isin(region, list(d.regions.values())))


@pytest.mark.parametrize("name", CASES)
def test_region_volumes(name):
    case, d = built(name)
    for role, expected in case.volumes.items():
        assert volume(d, role) == pytest.approx(expected, rel=TOL), role


@pytest.mark.parametrize("name", CASES)
def test_areas(name):
    case, d = built(name)
    for facet, expected in case.areas.items():
        tag = d.facet_ids[facet]
        measured = facet_area(d, tag) if facet.startswith("interface:") else \
            boundary_area(d, [tag])
        assert measured == pytest.approx(expected, rel=TOL), facet
    outside = [n for n in case.wetted if not n.startswith("interface:")]
    if outside:
        assert boundary_area(d, [d.facet_ids[n] for n in outside]) == pytest.approx(
            sum(case.areas[n] for n in outside), rel=TOL)


@pytest.mark.parametrize("name", CASES)
def test_facets_named_and_placed(name):
    """Each name has facets whose vertices lie where it says; every exterior facet carries one
    name, interfaces are interior between their two roles, wetted facets bound their role."""
    case, d = built(name)
    outside = exterior(d)
    tagged_exterior = 0
    for facet, tag in d.facet_ids.items():
        facets = owned_facets(d, tag)
        assert gsum(facets.size) > 0, f"facet {facet} ({tag}) is empty"
        x = facet_vertices(d, facets).reshape(-1, 3)
        assert np.all(case.where[facet](x)), facet
        on_boundary = np.isin(facets, outside)
        neighbours = adjacent_regions(d, facets)
        if facet.startswith("interface:"):
            roles = {d.regions[r] for r in facet.split(":")[1:]}
            assert sorted(facet.split(":")[1:]) == facet.split(":")[1:]
            assert not np.any(on_boundary)
            # a facet between ranks has one local cell
            assert all(n == roles or (len(n) == 1 and n <= roles) for n in neighbours)
        else:
            assert np.all(on_boundary), facet
            tagged_exterior += facets.size
        if facet in case.wetted and not facet.startswith("interface:"):
            assert all(n == {d.regions[case.wetted[facet]]} for n in neighbours), facet
    n_owned = d.mesh.topology.index_map(d.tdim - 1).size_local
    assert gsum(tagged_exterior) == gsum(int(np.sum(outside < n_owned)))
    assert np.unique(d.facet_tags.indices).size == d.facet_tags.indices.size


@pytest.mark.parametrize("name", CASES)
def test_pins(name):
    """Pins are mesh vertices, each group holds one body against all rigid motions, and none
    hinders the radial expansion about the centre."""
    case, d = built(name)
    assert sorted(i for group in case.pin_groups for i in group) == list(range(len(d.pins)))
    x = d.mesh.geometry.x
    for point, comps in d.pins:
        dist = np.linalg.norm(x - np.asarray(point), axis=1)
        assert COMM.allreduce(bool(dist.size and dist.min() < 1e-9 * d.length), op=MPI.LOR)
        offset = np.asarray(point) - np.asarray([0.0, d.center[2], 0.0]
                                                if d.dimension == "axisymmetric" else d.center)
        assert np.allclose(offset[list(comps)], 0.0, atol=1e-12 * d.length)
    for group in case.pin_groups:
        assert np.linalg.matrix_rank(rigid_modes(d, [d.pins[i] for i in group])) == \
            (6 if d.dimension == "3d" else 1)


def rigid_modes(domain: Domain, pins) -> np.ndarray:
    """Rows: the pinned components; columns: rigid motions (3-D: 3 translations, 3 rotations;
    axisymmetric: the translation along z)."""
    rows = []
    for point, comps in pins:
        p = np.asarray(point)
        if domain.dimension == "axisymmetric":
            rows += [[1.0 if comp == 1 else 0.0] for comp in comps]
            continue
        modes = [np.eye(3)[k] for k in range(3)] + [np.cross(np.eye(3)[k], p) for k in range(3)]
        rows += [[mode[comp] for mode in modes] for comp in comps]
    return np.asarray(rows)


def test_interior_facet_measure_agrees():
    """∫ w dS over the interfaces equals the facet-by-facet sum (in parallel too: the meshes
    are ghosted by shared facets)."""
    for name in ("core_shell-rad-full", "core_shell-axi-octant", "core_shell-3d-octant",
                 "film-3d-particle", "sei_extruded-3d-octant"):
        _, d = built(name)
        dS = ufl.Measure("dS", domain=d.mesh, subdomain_data=d.facet_tags)
        w = weight(d) if d.dimension == "3d" else weight(d)("+")
        for facet, tag in d.facet_ids.items():
            if facet.startswith("interface:"):
                measured = d.body_factor * integrate(w * dS(tag))
                assert measured == pytest.approx(facet_area(d, tag), rel=1e-10)


def test_default_sizes():
    _, radial = built("core_shell-rad-full")
    assert quality(radial)["num_cells"] == 10 + 2  # core R/10, the shell 20 nm at 10 nm
    thin = build(_core_shell("radial", "full", thickness=4 * NM).geometry, COMM)
    assert quality(thin)["num_cells"] == 10 + 2  # at least two across the shell
    _, wire = built("wire-axi-end")
    assert quality(wire)["h_max"] <= 2 * 50 * NM / 5


def test_thin_shell_is_refined():
    """A shell thinner than two core elements gets a finer size: two elements across it."""
    thickness = 4 * NM
    d = build(_core_shell("axisymmetric", "octant", thickness).geometry, COMM)
    shell = d.cell_tags.find(d.regions["shell"])
    shell = shell[shell < d.mesh.topology.index_map(d.tdim).size_local]
    h = d.mesh.h(d.tdim, shell)
    assert COMM.allreduce(float(h.max(initial=0.0)), op=MPI.MAX) <= thickness
    core = build(_core_shell("axisymmetric", "octant").geometry, COMM)
    assert quality(d)["num_cells"] < 10 * quality(core)["num_cells"]  # graded, not uniform
    assert volume(d, "shell") == pytest.approx(ball(CORE + thickness) - ball(CORE), rel=TOL)


def test_same_mesh_for_any_number_of_ranks():
    for name in ("yolk_shell-axi-full", "film-3d-particle", "sei_extruded-3d-octant"):
        case, d = built(name)
        q_world, q_self = quality(d), quality(build(case.geometry, MPI.COMM_SELF))
        assert q_world["num_cells"] == q_self["num_cells"]
        assert q_world["num_vertices"] == q_self["num_vertices"]
        assert q_world["h_min"] == pytest.approx(q_self["h_min"], rel=1e-12)


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("sei_extruded")])
def test_sei_extruded_in_layers(name):
    """The extruded SEI: its vertices on the n + 1 spheres R + kt/n, every cell spanning one
    layer (radial extent t/n), tangentially of the size asked."""
    _, d = built(name)
    sei = d.cell_tags.find(d.regions["sei"])
    sei = sei[sei < d.mesh.topology.index_map(d.tdim).size_local]
    nodes = dolfinx.mesh.entities_to_geometry(d.mesh, d.tdim, sei)
    r = np.linalg.norm(d.mesh.geometry.x[nodes], axis=2)
    layer = SEI / SEI_LAYERS
    k = (r - CORE) / layer
    assert np.allclose(k, np.round(k), atol=1e-6) and k.min() > -1e-6
    assert np.unique(np.concatenate(COMM.allgather(np.round(k).ravel()))).size == SEI_LAYERS + 1
    assert np.all(np.ptp(r, axis=1) < layer * (1 + 1e-6))
    h = d.mesh.h(d.tdim, sei)  # the longest edge: a prism's diagonal ≈ hypot(size, t/n)
    assert COMM.allreduce(float(h.max(initial=0.0)), op=MPI.MAX) < 2 * math.hypot(SEI_SIZE,
                                                                                 layer)


def test_sei_extruded_is_coarse():
    """The extruded SEI's tangential size is its own: far fewer cells than the isotropic SEI
    of the same layers, whose elements are t/n in every direction."""
    _, extruded = built("sei_extruded-3d-octant")
    isotropic = build(sei_geometry("3d", "octant", sei_size=None), COMM)
    assert quality(extruded)["num_cells"] < 0.4 * quality(isotropic)["num_cells"]
    assert volume(isotropic, "sei") == pytest.approx(ball(CORE + SEI) - ball(CORE), rel=TOL)


def test_bad_inputs():
    with pytest.raises(ValueError, match="a = b"):
        build(EllipsoidGeometry(kind="ellipsoid", semi_axes=(2e-7, 1e-7, 1e-7),
                                dimension="axisymmetric"), COMM)
    with pytest.raises(ValueError, match="half the width"):
        build(FilmGeometry(kind="film", shape="particle", radius=1e-7, width=2e-7,
                           substrate_thickness=5e-8), COMM)
