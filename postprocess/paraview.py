"""ParaView files for a results directory, written without ParaView.

fields.xdmf (dolfinx) holds one grid collection per field, which ParaView shows as separate
blocks: a displacement in one block cannot warp a concentration in another. ``write_paraview``
adds RESULTS_DIR/paraview/:

* ``all_fields.xdmf``: every field on one grid per output time (XML only, pointing into
  ../fields.h5; nothing is copied), which ParaView opens as one dataset;
* ``state.py``: a pvpython script opening it with a sensible view: the body moved by its
  displacement (Warp By Vector, scale 1, on the reference mesh in metres: the swollen shape),
  coloured by concentration, a clip through the centre of a full 3-D body (an octant or a
  half shows its symmetry faces instead), at the last output time.
"""

from __future__ import annotations

import copy
import os
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from postprocess import readers
from postprocess.fields import FieldFile

FIELDS_NAME, SCRIPT_NAME = "all_fields.xdmf", "state.py"


def paraview_executables() -> list[str]:
    """The ParaView programs on PATH (pvpython, pvbatch, paraview)."""
    return [p for p in ("pvpython", "pvbatch", "paraview") if shutil.which(p)]


def write_paraview(results_dir) -> tuple[Path, Path]:
    """Write paraview/all_fields.xdmf and paraview/state.py; returns their paths."""
    results_dir = Path(results_dir).resolve()
    fields = FieldFile.open(results_dir)
    dimension = readers.case(readers.require(results_dir, "case.yaml"))["geometry"]["dimension"]
    folder = results_dir / "paraview"
    folder.mkdir(exist_ok=True)
    merged = folder / FIELDS_NAME
    tree = ET.ElementTree(merged_xdmf(fields.xdmf))
    ET.indent(tree)
    _write_atomic(merged, '<?xml version="1.0"?>\n' + ET.tostring(tree.getroot(),
                                                                   encoding="unicode") + "\n")
    script = folder / SCRIPT_NAME
    _write_atomic(script, state_script(fields, dimension, folder))
    return merged, script


def merged_xdmf(fields_xdmf: Path) -> ET.Element:
    """An XDMF document with one temporal collection whose grid at each output time carries
    every field of ``fields_xdmf`` (its HDF5 paths made relative to the paraview/ folder)."""
    domain = ET.parse(fields_xdmf).getroot().find("Domain")
    mesh = next(g for g in domain.findall("Grid") if g.get("GridType") == "Uniform")
    attributes: dict[str, list[ET.Element]] = {}  # time as written → the fields' attributes
    for collection in domain.findall("Grid"):
        if collection.get("GridType") == "Collection":
            for grid in collection.findall("Grid"):
                attributes.setdefault(grid.find("Time").get("Value"), []).append(
                    grid.find("Attribute"))
    root = ET.Element("Xdmf", Version="3.0")
    series = ET.SubElement(ET.SubElement(root, "Domain"), "Grid", Name="fields",
                           GridType="Collection", CollectionType="Temporal")
    for time, fields in sorted(attributes.items(), key=lambda item: float(item[0])):
        grid = ET.SubElement(series, "Grid", Name="fields", GridType="Uniform")
        grid.append(_relocated(mesh.find("Topology")))
        grid.append(_relocated(mesh.find("Geometry")))
        ET.SubElement(grid, "Time", Value=time)
        grid.extend(_relocated(a) for a in fields)
    return root


def _relocated(element: ET.Element) -> ET.Element:
    """A copy of ``element`` whose HDF5 references point one folder up."""
    moved = copy.deepcopy(element)
    for item in moved.iter("DataItem"):
        if item.get("Format") == "HDF":
            item.text = "../" + item.text.strip()
    return moved


def state_script(fields: FieldFile, dimension: str, folder: Path) -> str:
    """The pvpython script (text) for ``fields`` of a body of ``dimension``."""
    names = fields.names
    colour = "concentration" if "concentration" in names else names[0]
    displacement = "displacement" if "displacement" in names else None
    last_time = float(max(fields.times(colour)))
    y = fields.points[:, 1]
    clip = dimension == "3d" and y.min() < 0.0 < y.max()  # a full body around its centre
    if displacement is None:
        shape = "shape = reader  # no displacement field was written"
    elif dimension == "radial":  # u_r is a scalar along the x axis of the 1-D mesh
        shape = (f'shape = WarpByScalar(registrationName="swollen shape", Input=reader)\n'
                 f'shape.Scalars = ["POINTS", "{displacement}"]\n'
                 f'shape.Normal = [1.0, 0.0, 0.0]\nshape.UseNormal = 1\nshape.ScaleFactor = 1.0')
    else:
        shape = (f'shape = WarpByVector(registrationName="swollen shape", Input=reader)\n'
                 f'shape.Vectors = ["POINTS", "{displacement}"]\nshape.ScaleFactor = 1.0')
    if clip:
        shown = ('shown = Clip(registrationName="clip through the centre", Input=shape)\n'
                 'shown.ClipType = "Plane"\n'
                 'shown.ClipType.Origin = [0.0, 0.0, 0.0]\n'
                 'shown.ClipType.Normal = [0.0, 1.0, 0.0]')
    else:
        shown = "shown = shape"
    view = {"radial": 'display.LineWidth = 6.0\nview.InteractionMode = "2D"',
            "axisymmetric": 'view.InteractionMode = "2D"'}.get(dimension, "")
    what = {True: "clipped through the centre (plane y = 0)",
            False: "whole (a symmetric part shows its symmetry faces)"}[clip]
    filters = {n for n in ("Clip", "WarpByScalar", "WarpByVector") if f"{n}(" in shape + shown}
    names_used = ", ".join(sorted(filters | {"ColorBy", "GetActiveViewOrCreate", "Render",
                                             "GetAnimationScene", "SaveScreenshot", "Show",
                                             "Xdmf3ReaderT"}))
    imports = textwrap.fill(f"from paraview.simple import ({names_used})", width=99,
                            subsequent_indent=" " * 28)
    return f'''"""ParaView state for the swellfem results in {folder.parent}.

The fields on the body moved by its displacement (scale 1: the swollen shape), coloured by
{colour}, {what}, at the last output time t = {last_time:.6g} s.
Written by `swellfem paraview`. Run it with
    paraview --script={folder / SCRIPT_NAME}       (the GUI)
    pvpython {folder / SCRIPT_NAME} [picture.png]  (offscreen; saves a picture if named)
"""

import os
import sys

{imports}

try:
    HERE = os.path.dirname(os.path.abspath(__file__))
except NameError:  # run by the GUI's script runner
    HERE = {str(folder)!r}
ARRAYS = {names!r}  # point arrays of {FIELDS_NAME}
COLOUR = {colour!r}
LAST_TIME = {last_time!r}  # s

reader = Xdmf3ReaderT(registrationName="swellfem fields",
                      FileName=[os.path.join(HERE, {FIELDS_NAME!r})])
reader.PointArrays = ARRAYS
scene = GetAnimationScene()
scene.UpdateAnimationUsingDataTimeSteps()
scene.AnimationTime = LAST_TIME
view = GetActiveViewOrCreate("RenderView")

{shape}
{shown}

display = Show(shown, view)
ColorBy(display, ("POINTS", COLOUR))
display.RescaleTransferFunctionToDataRange(True, False)
display.SetScalarBarVisibility(view, True)
{view}
view.ResetCamera()
Render()
if len(sys.argv) > 1 and sys.argv[1].endswith(".png"):
    SaveScreenshot(sys.argv[1], view, ImageResolution=[1200, 900])
'''


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
