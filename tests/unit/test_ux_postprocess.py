"""Post-processing without a run: field files written by dolfinx as a run writes them, read
back, cut into sections, rendered as PNG snapshots and opened by the ParaView script; the
verification table from records."""

import ast
import json

import numpy as np
import pytest
from dolfinx import fem, io, mesh as dmesh
from matplotlib import image
from mpi4py import MPI

from postprocess import verification_table
from postprocess.fields import FieldFile
from postprocess.paraview import write_paraview
from postprocess.snapshots import section_position, slice_tetrahedra, write_snapshots
from solver.cli import main

L = 1e-7  # m
TIMES = (0.0, 5.0, 12.5)


def concentration(x, t=1.0):
    """A linear field (exact in P1 and along any cut), mol/m³."""
    return 1e4 + t * (3e10 * x[0] - 2e10 * x[1] + 1e10 * x[2])


def write_results(folder, domain, dimension: str):
    """fields.xdmf/.h5 with concentration, displacement and von Mises at TIMES, and the
    case.yaml that names the dimension (what a results directory holds for these)."""
    folder.mkdir()
    (folder / "case.yaml").write_text(f"geometry: {{kind: sphere, dimension: {dimension}}}\n")
    gdim = domain.geometry.dim
    c = fem.Function(fem.functionspace(domain, ("Lagrange", 1)), name="concentration")
    u = fem.Function(fem.functionspace(domain, ("Lagrange", 1, (gdim,))), name="displacement")
    vm = fem.Function(fem.functionspace(domain, ("Lagrange", 1)), name="von_mises")
    with io.XDMFFile(domain.comm, str(folder / "fields.xdmf"), "w") as f:
        f.write_mesh(domain)
        for t in TIMES:
            c.interpolate(lambda x: concentration(x, t))
            u.interpolate(lambda x: 0.01 * t * x[:gdim])
            vm.interpolate(lambda x: 1e6 * t * (1 + x[0] / L))
            for field in (c, u, vm):
                f.write_function(field, t)
    return folder


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A cube [−L, L]³ of tetrahedra around the origin (a full 3-D body)."""
    domain = dmesh.create_box(MPI.COMM_SELF, [[-L, -L, -L], [L, L, L]], [4, 4, 4])
    return write_results(tmp_path_factory.mktemp("box") / "results", domain, "3d")


@pytest.fixture(scope="module")
def meridian(tmp_path_factory):
    """An r–z rectangle of triangles (an axisymmetric body)."""
    domain = dmesh.create_rectangle(MPI.COMM_SELF, [[0, -L], [L, L]], [4, 8])
    return write_results(tmp_path_factory.mktemp("axi") / "results", domain, "axisymmetric")


def assert_png_with_content(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    pixels = image.imread(path)[..., :3]
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    rgb = (pixels * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 100 and pixels.std() > 0.05, path  # a colour map, not a blank page


def test_field_file(box):
    fields = FieldFile.open(box)
    assert fields.names == ["concentration", "displacement", "von_mises"]
    assert fields.cell_type == "tetrahedron" and fields.cells.shape[1] == 4
    assert np.allclose(fields.times("concentration"), TIMES)
    t, c = fields.read("concentration", 6.0)  # the nearest output time
    assert t == 5.0 and np.allclose(c, concentration(fields.points.T, 5.0), rtol=1e-12)
    assert fields.read("displacement", 12.5)[1].shape == (len(fields.points), 3)


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("position", [0.0, 0.3 * L, -L])  # through nodes, between, on a face
def test_section_of_tetrahedra(box, axis, position):
    """A plane section of the cube: area (2L)², linear fields interpolated exactly."""
    fields = FieldFile.open(box)
    c = concentration(fields.points.T)
    points, triangles, (values,) = slice_tetrahedra(fields.points, fields.cells, axis,
                                                    position, [c])
    assert np.allclose(points[:, axis], position, atol=1e-6 * L)
    sides = points[triangles[:, 1:]] - points[triangles[:, :1]]
    area = 0.5 * np.linalg.norm(np.cross(sides[:, 0], sides[:, 1]), axis=1).sum()
    assert area == pytest.approx(4 * L**2, rel=1e-5)
    assert np.allclose(values, concentration(points.T), rtol=1e-5)


def test_section_position():
    points = np.array([[0.0, 0.0, 2.0], [1.0, 1.0, 3.0]])
    assert [section_position(points, axis) for axis in range(3)] == [0.0, 0.0, 2.5]


def test_snapshots_3d_and_axisymmetric(box, meridian):
    files = write_snapshots(box, renderer="matplotlib")
    assert [f.name for f in files] == ["snapshot_concentration_12.5s.png",
                                       "snapshot_von_mises_12.5s.png"]
    files += write_snapshots(meridian, ["displacement"], [0.0, 5.0], renderer="matplotlib")
    assert files[-2].name == "snapshot_displacement_0s.png"
    for f in files[:2] + files[-1:]:  # (|u| = 0 at t = 0: one colour, by design)
        assert_png_with_content(f)


def test_snapshot_command_errors(box, capsys):
    assert main(["snapshot", str(box), "--field", "damage"]) == 2
    assert "has no field 'damage'; its fields are concentration, displacement, von_mises" \
        in capsys.readouterr().err
    assert main(["snapshot", str(box.parent / "missing")]) == 2
    assert main(["paraview", str(box.parent)]) == 2  # not a results directory
    assert "Traceback" not in capsys.readouterr().err


def test_paraview_script_for_a_full_body(box):
    merged, script = write_paraview(box)
    tree = ast.parse(script.read_text())
    compile(tree, str(script), "exec")
    assigned = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, (ast.List, ast.Constant))}
    assert assigned["ARRAYS"] == FieldFile.open(box).names
    assert "Clip(" in script.read_text()  # a full body: clipped through its centre
    assert merged.read_text().count('<Grid Name="fields" GridType="Uniform">') == len(TIMES)


def test_verification_table(tmp_path):
    def record(benchmark, quantity, error, tolerance, passed, ranks, session, test="t::a"):
        return dict(benchmark=benchmark, quantity=quantity, error=error, tolerance=tolerance,
                    at_least=benchmark.startswith("B12"), passed=passed, ranks=ranks,
                    test=test, session=session, date=session)

    records = [record("B12 MMS", "rate", 2.01, 1.9, True, 1, "2026-01-02T00:00:00"),
               record("B2 potentiostatic", "|σ| at τ = 0.1", 3e-4, 1e-3, True, 2,
                      "2026-01-01T00:00:00", test="t::b"),
               record("B12 MMS", "rate (old name)", 1.7, 1.9, False, 1, "2026-01-01T00:00:00"),
               record("B12 MMS", "rate", 1.5, 1.9, False, 1, "2026-01-03T00:00:00")]
    (tmp_path / "test_x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "verification.md"
    assert verification_table.main([str(tmp_path), "-o", str(out)]) == 0
    rows = [line for line in out.read_text().splitlines() if line.startswith("| B")]
    assert rows == ["| B2 potentiostatic | \\|σ\\| at τ = 0.1 | ≤ 0.001 | 0.0003 | 2 | pass |",
                    "| B12 MMS | rate | ≥ 1.9 | 1.5 | 1 | **FAIL** |"]  # the latest session
    assert "2 comparisons, 1 failed; recorded 2026-01-01 to 2026-01-03." in out.read_text()
    assert verification_table.main([str(tmp_path / "none"), "-o", str(out)]) == 2


def test_plot_command_on_a_study_directory(tmp_path, capsys):
    """`swellfem plot STUDY_DIR`: the parameters are the study.csv columns before the metrics."""
    rows = ["index,key,status,geometry.radius,protocol.steps.0.insert.c_rate,peak_hoop_Pa,"
            "max_von_mises_Pa,ice,wall_time_s,error"]
    rows += [f"{i},k{i},completed,{r},{c},{1e6 * r * 1e8 * c},{2e6 * c},,1.0,"
             for i, (r, c) in enumerate([(5e-8, 1), (1e-7, 1), (5e-8, 2), (1e-7, 2)])]
    (tmp_path / "study.csv").write_text("\n".join(rows) + "\n")
    assert main(["plot", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == f"plots written to {tmp_path / 'plots'} (2 files)"
    for name in ("peak_hoop_map.png", "max_von_mises_map.png"):
        assert_png_with_content(tmp_path / "plots" / name)
