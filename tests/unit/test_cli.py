"""The command line: exit codes, messages, the output-dir safety rule (solver mocked)."""

import subprocess
import sys
import types
from pathlib import Path

import pytest

from solver.cli import main
from solver.errors import SolveFailed

CASE = """\
name: cli-test
geometry: {kind: sphere, radius: 250 nm, dimension: radial, mesh: {size: 25 nm}}
chemistry: Li
materials: {active: {from: Sn-Li}}
protocol:
  steps:
    - {insert: {c_rate: 1}, until: {soc: 0.9}}
output: {dir: from-case}
"""
BAD = CASE.replace("radius: 250 nm", "radius: 250 kg")


@pytest.fixture
def case(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "case.yaml"
    path.write_text(CASE)
    return path


@pytest.fixture
def runs(monkeypatch):
    """Replace solver.simulation by a recorder of run_case calls."""
    calls = []

    def run_case(case, out_dir, petsc_args=(), restart=None, plots=True, progress="normal"):
        calls.append(dict(case=case, out_dir=Path(out_dir), petsc_args=petsc_args,
                          restart=restart, plots=plots, progress=progress))
        return {"status": "completed"}

    module = types.ModuleType("solver.simulation")
    module.run_case = run_case
    monkeypatch.setitem(sys.modules, "solver.simulation", module)
    return calls


def test_check_prints_resolved_case(case, capsys):
    assert main(["check", str(case), "--set", "geometry.radius=1 um"]) == 0
    out = capsys.readouterr().out
    assert "radius: 1.0e-06" in out and "name: Sn-Li" in out and "mobility: lattice_gas" in out


def test_bad_case_exit_2_without_traceback(case, capsys):
    case.write_text(BAD)
    assert main(["check", str(case)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("swellfem: error: ") and "Traceback" not in err
    assert "geometry.radius (line 2): '250 kg' is not a length" in err


def test_subprocess_exit_code_and_message(case):
    case.write_text(CASE.replace("  steps:", "  stepz:"))
    proc = subprocess.run([sys.executable, "-m", "solver.cli", "check", str(case)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "unknown key 'stepz' at protocol.stepz (line 6); did you mean 'steps'?" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("argv", [[], ["bogus"], ["check"], ["run", "x.yaml", "--bad"],
                                  ["check", "missing.yaml"], ["check", "case.yaml", "--", "-x"]])
def test_bad_command_lines_exit_2(case, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "swellfem: error: " in err and "Traceback" not in err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "materials" in capsys.readouterr().out


def test_run_calls_the_simulation(case, runs):
    assert main(["run", str(case), "--set", "protocol.cycles=2", "--no-plots",
                 "--", "-ksp_type", "cg"]) == 0
    (call,) = runs
    assert call["out_dir"] == Path("from-case") and call["case"].protocol.cycles == 2
    assert call["petsc_args"] == ["-ksp_type", "cg"]
    assert call["plots"] is False and call["restart"] is None
    assert main(["run", str(case), "-o", "elsewhere"]) == 0
    assert runs[1]["out_dir"] == Path("elsewhere") and runs[1]["plots"] is True
    assert runs[1]["progress"] == "normal"


def test_run_progress_and_monitor_flags(case, runs, capsys):
    assert main(["run", str(case), "-q", "--monitor", "--", "-ksp_type", "cg"]) == 0
    assert capsys.readouterr().out == ""  # quiet: not even where the results went
    assert runs[0]["progress"] == "quiet"
    assert runs[0]["petsc_args"] == ["-snes_monitor", "-ksp_monitor", "-ksp_type", "cg"]
    assert main(["run", str(case), "--verbose"]) == 0
    assert runs[1]["progress"] == "verbose" and runs[1]["petsc_args"] == []
    assert "results written to from-case (progress log: from-case/run.log)" in \
        capsys.readouterr().out
    assert main(["run", str(case), "-q", "-v"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_run_refuses_foreign_directory(case, runs, tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    thesis = out / "thesis.tex"
    thesis.write_text("precious")
    (out / "run.json").write_text("{}")
    assert main(["run", str(case), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "refusing to write into" in err and "thesis.tex" in err and "Traceback" not in err
    assert thesis.read_text() == "precious" and runs == []


def test_run_output_dir_rules(case, runs, tmp_path, capsys):
    out = tmp_path / "old"
    out.mkdir()
    (out / "summary.csv").write_text("")
    assert main(["run", str(case), "-o", str(out)]) == 2  # no run.json: not ours
    assert "no run.json" in capsys.readouterr().err
    (out / "run.json").write_text("{}")
    (out / "plots").mkdir()
    assert main(["run", str(case), "-o", str(out)]) == 0  # a previous results directory
    (out / "case.yaml").write_text(CASE)
    assert main(["run", str(out / "case.yaml"), "-o", str(out)]) == 2
    assert "would be overwritten" in capsys.readouterr().err
    assert main(["run", str(case), "-o", str(case)]) == 2  # a file
    assert main(["run", str(case), "--restart", str(tmp_path / "nope")]) == 2
    assert "has no checkpoint/" in capsys.readouterr().err
    (out / "checkpoint").mkdir()
    assert main(["run", str(case), "-o", str(out), "--restart", str(out)]) == 2
    assert "would overwrite" in capsys.readouterr().err
    assert len(runs) == 1


def test_run_exit_codes_for_failures(case, runs, monkeypatch, capsys):
    def failing(*args, **kwargs):
        raise SolveFailed("Newton did not converge at t = 12 s after 10 cut-backs")

    monkeypatch.setattr(sys.modules["solver.simulation"], "run_case", failing)
    assert main(["run", str(case)]) == 3
    assert "Newton did not converge" in capsys.readouterr().err

    def crashing(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(sys.modules["solver.simulation"], "run_case", crashing)
    assert main(["run", str(case)]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_materials(capsys):
    assert main(["materials"]) == 0
    out = capsys.readouterr().out
    assert all(n in out for n in ("Sn-Li", "Sn-Na", "Si-Li"))
    assert main(["materials", "Sn-Na"]) == 0
    out = capsys.readouterr().out
    assert "property" in out and "confidence" in out and "Wang, Liu, Mao & Huang 2012" in out
    assert main(["materials", "Sn-K"]) == 2


def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("swellfem", "dolfinx", "basix", "ufl", "ffcx", "petsc4py", "PETSc", "mpi4py",
                "MPI library", "MPI ranks", "mumps", "superlu_dist", "hypre", "gmsh"):
        assert key in out


def test_plot(case, monkeypatch, tmp_path, capsys):
    assert main(["plot", str(tmp_path / "none")]) == 2
    assert main(["plot", str(tmp_path)]) == 2  # no summary.csv: not a results directory
    err = capsys.readouterr().err
    assert "does not exist" in err and "has no summary.csv" in err and "Traceback" not in err
    done = []
    module = types.ModuleType("postprocess.plots")
    module.plot_results = lambda folder, snapshots: done.append((folder, snapshots)) or []
    monkeypatch.setitem(sys.modules, "postprocess.plots", module)
    assert main(["plot", str(tmp_path), "--no-snapshots"]) == 0 and done == [(tmp_path, False)]


def test_mesh_writes_xdmf(case, tmp_path, capsys):
    out = tmp_path / "m" / "sphere.xdmf"
    assert main(["mesh", str(case), "-o", str(out)]) == 0
    assert out.exists() and out.with_suffix(".h5").exists()
    report = capsys.readouterr().out
    assert "10 cells" in report and "11 vertices" in report and "h_min" in report
    assert main(["mesh", str(case), "-o", "x.msh"]) == 2
