"""Field snapshots as PNG without ParaView, rendered offscreen: a section of the body coloured
by one field at one output time, on the deformed shape (reference points + displacement).

* radial (1-D): the cross-section through the centre, a disc coloured by the field at r;
* axisymmetric (2-D, r–z): the meridian section, mirrored about the axis;
* 3-D: the section by a plane normal to an axis (default y) through the particle's centre
  (coordinate 0; a symmetry face when the mesh only starts there, as for an octant; the middle
  of the body when 0 is outside it), cut from the tetrahedra with linear interpolation.

Drawn with matplotlib (Agg). With the optional extra ``swellfem[render]`` (pyvista/VTK), 3-D
snapshots are rendered by VTK offscreen instead: the deformed body clipped by the same plane.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from postprocess import readers  # noqa: E402
from postprocess.fields import FieldFile  # noqa: E402
from postprocess.readers import ResultsError  # noqa: E402

AXES = "xyz"
TET_EDGES = np.array([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])


@dataclass(frozen=True)
class Colouring:
    """How a field is shown: symbol, factor from SI to the unit shown, unit, colour map, and
    whether zero is the centre of the map (signed stresses)."""

    symbol: str
    scale: float
    unit: str
    cmap: str
    signed: bool = False

    def label(self) -> str:
        return f"{self.symbol} ({self.unit})" if self.unit else self.symbol


COLOURINGS = {
    "concentration": Colouring("c", 1.0, "mol/m³", "viridis"),
    "displacement": Colouring("|u|", 1e9, "nm", "viridis"),
    "von_mises": Colouring("von Mises σ_vM", 1e-6, "MPa", "inferno"),
    "hydrostatic": Colouring("hydrostatic σ_h", 1e-6, "MPa", "RdBu_r", signed=True),
    "hoop": Colouring("hoop σ_θθ", 1e-6, "MPa", "RdBu_r", signed=True),
    "plastic_strain": Colouring("ε̄_p", 1.0, "", "magma"),
    "J": Colouring("J = det F", 1.0, "", "viridis"),
    "J_c": Colouring("J_c", 1.0, "", "viridis"),
    "damage": Colouring("damage d", 1.0, "", "Reds"),
}
DEFAULT_FIELDS = ("concentration", "von_mises", "damage")  # those present are drawn by `plot`


def snapshot_path(results_dir, name: str, time_s: float) -> Path:
    """RESULTS_DIR/plots/snapshot_<field>_<time>s.png."""
    return Path(results_dir) / "plots" / f"snapshot_{name}_{time_s:.6g}s.png"


def write_snapshots(results_dir, names=None, times=None, plane: str = "y",
                    renderer: str = "auto") -> list[Path]:
    """PNG snapshots plots/snapshot_<field>_<time>s.png of each field in ``names`` (default:
    those of DEFAULT_FIELDS the run wrote) at the output times nearest ``times`` (s; default
    the last). ``plane``: normal axis of the 3-D section; ``renderer``: auto (pyvista when
    installed, for 3-D), pyvista or matplotlib. Returns the files."""
    fields = FieldFile.open(results_dir)
    dimension = readers.case(readers.require(results_dir, "case.yaml"))["geometry"]["dimension"]
    wanted = [n for n in DEFAULT_FIELDS if n in fields.names] if names is None else list(names)
    unknown = [n for n in wanted if n not in fields.names]
    if unknown:
        raise ResultsError(f"{results_dir} has no field {', '.join(map(repr, unknown))}; its "
                           f"fields are {', '.join(fields.names)}")
    if plane not in AXES:
        raise ResultsError(f"plane {plane!r}: give the normal axis of the section, x, y or z")
    render = _pick_renderer(renderer, fields.cell_type)
    soc = readers.summary(results_dir) if (Path(results_dir) / "summary.csv").is_file() else None
    (Path(results_dir) / "plots").mkdir(exist_ok=True)
    files = []
    for name in wanted:
        output_times = fields.times(name)
        for requested in ([output_times[-1]] if times is None else times):
            t, values = fields.read(name, requested)
            u = fields.read("displacement", t)[1] if "displacement" in fields.names else None
            when = f"t = {t:.4g} s{_soc_text(soc, t)}"
            path = snapshot_path(results_dir, name, t)
            render(fields, dimension, name, values, u, when, plane, path)
            files.append(path)
    return files


def _soc_text(summary: dict | None, t: float) -> str:
    if summary is None or not len(summary["time_s"]):
        return ""
    row = np.argmin(np.abs(summary["time_s"] - t))
    return f", SOC {summary['soc'][row]:.3f}"


def _pick_renderer(renderer: str, cell_type: str):
    if renderer not in ("auto", "pyvista", "matplotlib"):
        raise ResultsError(f"renderer {renderer!r}: auto, pyvista or matplotlib")
    if renderer == "matplotlib" or cell_type != "tetrahedron":
        return render_matplotlib
    try:
        import pyvista  # noqa: F401
    except ImportError:
        if renderer == "pyvista":
            raise ResultsError("the pyvista renderer needs the optional extra: pip install "
                               "'swellfem[render]'") from None
        return render_matplotlib
    return render_pyvista if renderer == "pyvista" else _pyvista_or_matplotlib


def _pyvista_or_matplotlib(*args) -> None:
    """render_pyvista, or render_matplotlib where VTK cannot render offscreen (no EGL or OSMesa
    context): a snapshot must not fail a finished run."""
    try:
        render_pyvista(*args)
    except Exception as err:  # VTK's failures have no common type
        warnings.warn(f"pyvista could not render {args[-1].name} offscreen ({err}); drawn with "
                      "matplotlib")
        render_matplotlib(*args)


# ---------------------------------------------------------------- geometry of the sections
def section_position(points: np.ndarray, axis: int) -> float:
    """Where the section normal to ``axis`` cuts: at 0 (the particle's centre; on a symmetry
    face when the body starts there) when 0 lies in the body's extent, else at its middle."""
    lo, hi = points[:, axis].min(), points[:, axis].max()
    return 0.0 if lo <= 0.0 <= hi else 0.5 * (lo + hi)


def slice_tetrahedra(points: np.ndarray, tets: np.ndarray, axis: int, position: float,
                     values: list[np.ndarray]):
    """The section of a tetrahedral mesh by the plane x[axis] = position: (section points
    (k, 3), triangles (m, 3) into them, each array of ``values`` interpolated linearly along
    the cut edges). Each cut tetrahedron gives a triangle or a quadrilateral (two triangles).

    Points within 1e-6 of an edge length of the plane count as just below it, so a plane
    through mesh points (a symmetry face) is cut just above them; the slivers that leaves along
    edges lying in the plane (area below 1e-4 of their longest edge squared) are dropped."""
    distance = points[:, axis] - position
    edge = np.median(np.linalg.norm(points[tets[:, 0]] - points[tets[:, 1]], axis=1))
    distance[np.abs(distance) < 1e-6 * edge] = -1e-6 * edge
    d = distance[tets]
    tets = tets[(d.min(axis=1) < 0) & (d.max(axis=1) > 0)]
    a, b = tets[:, TET_EDGES[:, 0]], tets[:, TET_EDGES[:, 1]]
    da, db = distance[a], distance[b]
    crossing = da * db < 0
    weight = np.where(crossing, da / np.where(crossing, da - db, 1.0), 0.0)
    first = np.argsort(~crossing, axis=1, kind="stable")[:, :4]  # the 3 or 4 cut edges first
    a, b, weight = (np.take_along_axis(x, first, axis=1) for x in (a, b, weight))
    valid = np.take_along_axis(crossing, first, axis=1)

    def along(f):
        w = weight.reshape(weight.shape + (1,) * (f.ndim - 1))
        return f[a] + w * (f[b] - f[a])

    corners = along(points)  # (cut, 4, 3)
    in_plane = [i for i in range(3) if i != axis]
    centre = (corners * valid[..., None]).sum(axis=1) / valid.sum(axis=1)[:, None]
    offset = corners[..., in_plane] - centre[:, None, in_plane]
    angle = np.where(valid, np.arctan2(offset[..., 1], offset[..., 0]), np.inf)
    cyclic = np.argsort(angle, axis=1)  # quadrilateral corners in order round the centre
    quad = np.take_along_axis(valid, cyclic, axis=1)[:, 3]
    base = 4 * np.arange(len(tets))[:, None]
    triangles = np.vstack([base + cyclic[:, [0, 1, 2]], (base + cyclic[:, [0, 2, 3]])[quad]])
    sides = corners.reshape(-1, 3)[triangles]
    sides = sides - np.roll(sides, 1, axis=1)
    area = 0.5 * np.linalg.norm(np.cross(sides[:, 0], sides[:, 1]), axis=1)
    triangles = triangles[area >= 1e-4 * np.max(np.sum(sides**2, axis=2), axis=1)]
    used, triangles = np.unique(triangles, return_inverse=True)
    return (corners.reshape(-1, 3)[used], triangles.reshape(-1, 3),
            [along(f).reshape((-1,) + f.shape[1:])[used] for f in values])


def _magnitude(values: np.ndarray) -> np.ndarray:
    """A scalar field as is; a vector field by its length (the radial u_r by |u_r|)."""
    return np.linalg.norm(values, axis=1) if values.ndim == 2 else values


def _length_unit(points: np.ndarray) -> tuple[float, str]:
    """(factor from m, unit) for the axes: nm below 5 µm of extent, else µm."""
    extent = np.ptp(points, axis=0).max()
    return (1e9, "nm") if extent < 5e-6 else (1e6, "µm")


def _colour_range(colouring: Colouring, values: np.ndarray) -> dict:
    """Keyword arguments fixing the colour scale: signed fields centred on zero."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if colouring.signed and lo < 0 < hi:
        return {"norm": TwoSlopeNorm(0.0, lo, hi)}
    return {"vmin": lo, "vmax": hi if hi > lo else lo + 1e-30}


# ---------------------------------------------------------------- renderers
def render_matplotlib(fields: FieldFile, dimension: str, name: str, values: np.ndarray,
                      u: np.ndarray | None, when: str, plane: str, path: Path) -> None:
    """The section of the body coloured by ``values`` (SI, at the mesh points), on the shape
    moved by the displacement ``u`` (m; None: the reference shape), titled with ``when`` (the
    output time), into ``path``."""
    colouring = COLOURINGS[name]
    shown = _magnitude(values) * colouring.scale
    factor, unit = _length_unit(fields.points)
    fig, ax = plt.subplots(figsize=(5.8, 4.6))
    if fields.cell_type == "interval":  # the cross-section of the sphere: a disc
        r = fields.points[:, 0] + (0.0 if u is None else u)
        order = np.argsort(fields.points[:, 0])
        phi = np.linspace(0.0, 2 * np.pi, 121)[:, None]
        x, y = r[order] * np.cos(phi) * factor, r[order] * np.sin(phi) * factor
        colours = np.broadcast_to(shown[order], x.shape)
        image = ax.pcolormesh(x, y, colours, shading="gouraud", cmap=colouring.cmap,
                              **_colour_range(colouring, shown))
        labels = ("x", "y")
    else:
        if fields.cell_type == "triangle":
            xy = fields.points[:, :2] + (0.0 if u is None else u[:, :2])
            triangles = fields.cells
            labels = ("r", "z") if dimension == "axisymmetric" else ("x", "y")
            if dimension == "axisymmetric":  # the meridian section and its mirror image
                xy = np.vstack([xy, xy * [-1.0, 1.0]])
                triangles = np.vstack([triangles, triangles + len(fields.points)])
                shown = np.concatenate([shown, shown])
        else:
            axis = AXES.index(plane)
            moved = fields.points if u is None else fields.points + u
            points, triangles, (shown, xyz) = slice_tetrahedra(
                fields.points, fields.cells, axis, section_position(fields.points, axis),
                [shown, moved])
            if not len(triangles):
                raise ResultsError(f"the section normal to {plane} misses the body")
            in_plane = [i for i in range(3) if i != axis]
            xy = xyz[:, in_plane]
            labels = tuple(AXES[i] for i in in_plane)
        image = ax.tripcolor(xy[:, 0] * factor, xy[:, 1] * factor, triangles, shown,
                             shading="gouraud", cmap=colouring.cmap, antialiased=False,
                             **_colour_range(colouring, shown))
    bar = fig.colorbar(image, ax=ax, label=colouring.label())
    bar.formatter.set_useOffset(False)
    bar.update_ticks()
    ax.set_aspect("equal")
    shape = "deformed shape" if u is not None else "reference shape"
    ax.set(xlabel=f"{labels[0]} ({unit})", ylabel=f"{labels[1]} ({unit})",
           title=f"{colouring.symbol} at {when}\n{_section_name(fields, dimension, plane)}, "
                 f"{shape}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _section_name(fields: FieldFile, dimension: str, plane: str) -> str:
    if fields.cell_type == "interval":
        return "section through the centre"
    if fields.cell_type == "triangle":
        return "meridian section" if dimension == "axisymmetric" else "plane body"
    axis = AXES.index(plane)
    position = section_position(fields.points, axis)
    factor, unit = _length_unit(fields.points)
    at = position * factor if abs(position) > 1e-5 * np.ptp(fields.points[:, axis]) else 0.0
    return f"section {plane} = {at:.4g} {unit}"


def render_pyvista(fields: FieldFile, dimension: str, name: str, values: np.ndarray,
                   u: np.ndarray | None, when: str, plane: str, path: Path) -> None:
    """3-D: the deformed body clipped by the section plane (keeping the side beyond it, seen
    from the plane's side), coloured by ``values``, rendered by VTK offscreen into ``path``."""
    import pyvista as pv

    colouring = COLOURINGS[name]
    axis = AXES.index(plane)
    grid = pv.UnstructuredGrid({pv.CellType.TETRA: fields.cells}, fields.points)
    unit = colouring.unit.replace("³", "^3")  # VTK's font has no Greek or superscripts
    label = f"{name.replace('_', ' ')} ({unit})" if unit else name.replace("_", " ")
    grid.point_data[label] = _magnitude(values) * colouring.scale
    if u is not None:
        grid.point_data["u"] = u  # interpolated onto the cut by the clip
    origin = np.zeros(3)
    origin[axis] = section_position(fields.points, axis)
    body = grid.clip(normal=AXES[axis], origin=origin, invert=False)
    if u is not None:
        body.points = body.points + body.point_data["u"]
    lo, hi = float(grid.point_data[label].min()), float(grid.point_data[label].max())
    if colouring.signed and lo < 0 < hi:
        lo, hi = -max(-lo, hi), max(-lo, hi)
    plotter = pv.Plotter(off_screen=True, window_size=(900, 720))
    plotter.add_mesh(body, scalars=label, cmap=colouring.cmap,
                     clim=(lo, hi if hi > lo else lo + 1e-30), scalar_bar_args={"title": label})
    shape = "deformed shape" if u is not None else "reference shape"
    plotter.add_text(f"{label} at {when}, {shape}", font_size=10)
    view = np.full(3, 0.35)
    view[axis] = -1.0
    plotter.view_vector(view, viewup=(0, 0, 1) if axis != 2 else (0, 1, 0))
    plotter.screenshot(str(path))
    plotter.close()
