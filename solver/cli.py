"""Command line `swellfem` (DESIGN.md §3): run, sweep, check, mesh, plot, snapshot, paraview,
materials, info.

Exit codes: 0 success, 2 bad input (one-paragraph message, no traceback), 3 the solution
failed or SIGTERM stopped the run (a checkpoint is written), 1 anything else. Only rank 0
prints (and post-processes); dolfinx/PETSc are imported only when needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from postprocess.readers import ResultsError
from solver.case import CaseError, dump_case, load_case
from solver.errors import SolveFailed, Terminated

KNOWN_RESULTS = frozenset({"case.yaml", "run.json", "run.log", "summary.csv", "cycles.csv",
                           "fields.xdmf", "fields.h5", "profiles", "checkpoint", "plots",
                           "paraview"})
MONITORS = ["-snes_monitor", "-ksp_monitor"]  # what --monitor passes to PETSc


class UsageError(Exception):
    """A bad command line (exit code 2)."""


def _comm() -> Any:
    import solver.mpi_env  # noqa: F401  (the wheel's MPI first)
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _print(text: str = "", file: Any = None) -> None:
    """Print on rank 0 only."""
    if _comm().rank == 0:
        print(text, file=file or sys.stdout, flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"{message} (see {self.prog} --help)")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            _print(message.rstrip("\n"), file)


def check_output_dir(out: Path, case_file: Path) -> None:
    """CaseError unless `out` is absent, empty or a previous swellfem results directory
    that the run would not destroy the case file in."""
    refuse = f"refusing to write into {out}:"
    if out.exists() and not out.is_dir():
        raise CaseError(f"{refuse} it is a file, not a directory; choose another with -o")
    if case_file.resolve().is_relative_to(out.resolve()):
        raise CaseError(f"{refuse} the case file {case_file} lies inside it and would be "
                        "overwritten; copy the case file elsewhere or choose another directory")
    names = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    foreign = [n for n in names if n not in KNOWN_RESULTS]
    if foreign:
        raise CaseError(f"{refuse} it contains files swellfem did not write: {', '.join(foreign)}; "
                        "choose another directory with -o or output.dir, or remove them")
    if names and "run.json" not in names:
        raise CaseError(f"{refuse} it has no run.json, so it is not a swellfem results directory "
                        f"(found {', '.join(names)}); choose another directory with -o")


def on_root(work: Callable[[], Any], comm: Any = None) -> Any:
    """Run ``work`` (file-system checks, post-processing) on rank 0 of ``comm`` (default
    COMM_WORLD) and return its result on every rank; its CaseError or ResultsError is raised
    on every rank."""
    comm = _comm() if comm is None else comm
    result, message = None, None
    if comm.rank == 0:
        try:
            result = work()
        except (CaseError, ResultsError) as e:
            message = str(e)
    result, message = comm.bcast((result, message), root=0)
    if message is not None:
        raise CaseError(message)
    return result


def _progress_level(args: argparse.Namespace) -> str:
    return "quiet" if args.quiet else "verbose" if args.verbose else "normal"


def _run(args: argparse.Namespace, petsc: list[str]) -> int:
    case = load_case(args.case, args.set)
    out = Path(args.output) if args.output else case.output_dir()
    restart = Path(args.restart) if args.restart else None
    if restart is not None and not (restart / "checkpoint").is_dir():
        raise CaseError(f"restart directory {restart} has no checkpoint/ (it must be the results "
                        "directory of an earlier run)")
    if restart is not None and restart.resolve() == out.resolve():
        raise CaseError(f"the restart would overwrite {restart}; give a new results directory "
                        "with -o")
    on_root(lambda: check_output_dir(out, Path(args.case)))
    from solver.simulation import run_case

    level = _progress_level(args)
    run_case(case, out, petsc_args=MONITORS + petsc if args.monitor else petsc,
             restart=restart, plots=not args.no_plots, progress=level)
    if level != "quiet":
        _print(f"results written to {out} (progress log: {out / 'run.log'})")
    return 0


def _check(args: argparse.Namespace, petsc: list[str]) -> int:
    _print(dump_case(load_case(args.case, args.set)).rstrip("\n"))
    return 0


def _mesh(args: argparse.Namespace, petsc: list[str]) -> int:
    case = load_case(args.case, args.set)
    out = Path(args.output or f"{case.name}-mesh.xdmf")
    if out.suffix != ".xdmf":
        raise CaseError(f"mesh output {out} must end in .xdmf")
    comm = _comm()
    import dolfinx.io

    from meshes import build, quality
    from meshes.report import format_report, mesh_report

    domain = build(case.geometry, comm)
    mesh, tdim = domain.mesh, domain.mesh.topology.dim
    if comm.rank == 0:
        out.parent.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    mesh.topology.create_connectivity(tdim - 1, tdim)
    domain.facet_tags.name, domain.cell_tags.name = "facet_tags", "cell_tags"
    with dolfinx.io.XDMFFile(comm, str(out), "w") as f:
        f.write_mesh(mesh)
        f.write_meshtags(domain.facet_tags, mesh.geometry)
        f.write_meshtags(domain.cell_tags, mesh.geometry)
    q = quality(domain)
    tags = ", ".join(f"{k}={v}" for k, v in domain.facet_ids.items())
    _print(f"{out}: {case.geometry.kind} ({domain.dimension}), {q['num_cells']} cells, "
           f"{q['num_vertices']} vertices, h_min = {q['h_min']:.3g} m, h_max = {q['h_max']:.3g} m"
           f"; facet tags: {tags or 'none'}")
    _print(format_report(mesh_report(domain)))
    return 0


def _plot(args: argparse.Namespace, petsc: list[str]) -> int:
    results = Path(args.dir)
    if (results / "study.csv").is_file():
        files = on_root(lambda: _plot_study(results))
    else:
        from postprocess.plots import plot_results

        files = on_root(lambda: plot_results(results, snapshots=not args.no_snapshots))
    _print(f"plots written to {results / 'plots'} ({len(files)} files)")
    return 0


def _plot_study(folder: Path) -> list[Path]:
    """The study plots from STUDY_DIR/study.csv: its parameters are the columns between
    'status' and the first metric."""
    import csv

    from postprocess.plots import plot_study
    from solver.sweep.ledger import METRICS

    with open(folder / "study.csv", newline="") as f:
        header = next(csv.reader(f), [])
    metrics = {m: text for m, text in METRICS.items() if m in header}
    if "status" not in header or not metrics:
        raise ResultsError(f"{folder / 'study.csv'} is not a study table written by swellfem "
                           "sweep (no status or metric columns)")
    first_metric = min(header.index(m) for m in metrics)
    return plot_study(folder, header[header.index("status") + 1:first_metric], metrics)


def _snapshot(args: argparse.Namespace, petsc: list[str]) -> int:
    from postprocess.snapshots import write_snapshots

    results = Path(args.dir)
    files = on_root(lambda: write_snapshots(results, args.field, args.time, args.plane,
                                            args.renderer))
    _print("\n".join(f"wrote {f}" for f in files))
    return 0


def _paraview(args: argparse.Namespace, petsc: list[str]) -> int:
    from postprocess.paraview import paraview_executables, write_paraview

    merged, script = on_root(lambda: write_paraview(Path(args.dir)))
    found = on_root(paraview_executables)
    _print(f"wrote {script} and {merged} (every field on one grid per output time)")
    if found:
        _print(f"open it with: paraview --script={script}\n"
               f"or save a picture offscreen: pvpython {script} picture.png")
    else:
        _print("ParaView (paraview, pvpython, pvbatch) is not on PATH here: run the script "
               f"where it is installed (paraview --script={script.name}, or pvpython "
               f"{script.name} picture.png in {script.parent})")
    return 0


def _sweep(args: argparse.Namespace, petsc: list[str]) -> int:
    from solver.sweep import collect, load_study, run_study, write_slurm

    study = load_study(args.study)
    if args.slurm:
        script = write_slurm(study, args.ranks_per_case, args.rerun_failed)
        _print(f"wrote {script} ({len(study.cases)} array tasks); its header shows how to "
               "submit it and the collector")
        return 0
    if args.collect:
        counts = collect(study, plots=not args.no_plots, quiet=args.quiet)
    else:
        counts = run_study(study, args.ranks_per_case, args.rerun_failed, args.only,
                           plots=not args.no_plots, quiet=args.quiet)
    if not args.quiet or counts["failed"]:
        _print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 3 if counts["failed"] else 0


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _materials(args: argparse.Namespace, petsc: list[str]) -> int:
    from solver import materials

    if args.name is None:
        rows = [["name", "chemistry", "host", "description"]]
        rows += [[n, (e := materials.entry(n))["chemistry"] or "inactive", e["host"],
                  " ".join(e["description"].split())] for n in materials.names()]
        _print(_table(rows))
        return 0
    try:
        e = materials.entry(args.name)
    except KeyError as err:
        raise CaseError(err.args[0]) from None
    rows = [["property", "value", "confidence", "source"]]
    rows += [[k, str(p["value"]), p["confidence"], p["source"]] for k, p in e["properties"].items()]
    _print(f"{e['name']}: {e['chemistry']} in {e['host']}. {' '.join(e['description'].split())}\n"
           f"confidence: V verified, L literature, U uncertain\n\n{_table(rows)}")
    return 0


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception as e:  # report, never fail: info is for diagnosing broken installs
        return f"not available ({type(e).__name__})"


def _info(args: argparse.Namespace, petsc: list[str]) -> int:
    from importlib.metadata import version

    comm = _comm()
    from mpi4py import MPI

    rows = [["swellfem", version("swellfem")], ["python", platform.python_version()]]
    rows += [[m, _version(m)] for m in ("dolfinx", "basix", "ufl", "ffcx", "petsc4py", "mpi4py")]
    rows += [["MPI library", " ".join(MPI.Get_library_version().splitlines()[0].split())],
             ["MPI ranks", str(comm.size)]]
    try:
        from petsc4py import PETSc

        rows.append(["PETSc", ".".join(map(str, PETSc.Sys.getVersion()))])
        rows += [[f"PETSc + {p}", "yes" if PETSc.Sys.hasExternalPackage(p) else "no"]
                 for p in ("mumps", "superlu_dist", "hypre")]
    except Exception as e:  # as above: report what is missing
        rows.append(["PETSc", f"not available ({type(e).__name__})"])
    rows.append(["gmsh", _version("gmsh")])
    _print(_table(rows))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="swellfem", description="Chemo-mechanics of alloy battery anodes.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_case(name: str, help_: str) -> argparse.ArgumentParser:
        s = sub.add_parser(name, help=help_, description=help_)
        s.add_argument("case", metavar="CASE", help="case file (YAML)")
        s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a key, e.g. --set geometry.radius='300 nm' (repeatable)")
        return s

    s = with_case("run", "run a case; PETSc options may follow --")
    s.add_argument("-o", "--output", metavar="DIR", help="results directory (beats output.dir)")
    s.add_argument("--restart", metavar="DIR",
                   help="continue from the checkpoint of the results directory DIR (same mesh, "
                        "any number of ranks; written periodically, at the end of each protocol "
                        "step, on failure and on SIGTERM) into a new results directory")
    s.add_argument("--no-plots", action="store_true", help="do not write plots at the end")
    s.add_argument("--monitor", action="store_true",
                   help=f"PETSc's Newton and Krylov residual monitors ({' '.join(MONITORS)}; "
                        "any PETSc option may also follow --)")
    verbosity = s.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true",
                           help="print nothing but errors (RESULTS_DIR/run.log still gets the "
                                "progress lines)")
    verbosity.add_argument("-v", "--verbose", action="store_true",
                           help="a progress line for every increment and every cut-back "
                                "(default: one every ~2 s and one at the end of each protocol "
                                "step)")
    s.set_defaults(func=_run)
    with_case("check", "validate a case and print it resolved (SI, defaults)").set_defaults(
        func=_check)
    s = with_case("mesh", "mesh the geometry only and report its quality")
    s.add_argument("-o", "--output", metavar="MESH.xdmf", help="default: NAME-mesh.xdmf")
    s.set_defaults(func=_mesh)
    s = sub.add_parser("sweep", help="run a parameter study (a base case over parameter "
                       "values)", description="run the cases of a study file still to do into "
                       "STUDY_DIR/cases/KEY and write STUDY_DIR/study.csv and plots/")
    s.add_argument("study", metavar="STUDY", help="study file (YAML)")
    s.add_argument("--ranks-per-case", type=int, metavar="N",
                   help="run cases side by side on groups of N ranks (default: every case on "
                        "all ranks)")
    s.add_argument("--rerun-failed", action="store_true",
                   help="run the cases that failed before again (they are skipped otherwise)")
    s.add_argument("--no-plots", action="store_true", help="write no plots")
    s.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing but failures (each case still writes its run.log)")
    only = s.add_mutually_exclusive_group()
    only.add_argument("--slurm", action="store_true",
                      help="write STUDY_DIR/sweep.slurm, a Slurm job array (one task per case), "
                           "instead of running")
    only.add_argument("--only", type=int, metavar="I", help="run case I only (an array task)")
    only.add_argument("--collect", action="store_true",
                      help="rebuild study.csv and the plots from the case directories")
    s.set_defaults(func=_sweep)
    s = sub.add_parser("plot", help="write PNG plots of a results directory (or of a study "
                       "directory) into DIR/plots", description="PNG plots of a results "
                       "directory: SOC, stresses against time and SOC, swelling, voltage, SEI "
                       "and damage, coulombic efficiency per cycle, profiles and field "
                       "snapshots at the last output time; of a study directory: maps and "
                       "lines of its metrics over the swept parameters")
    s.add_argument("dir", metavar="DIR")
    s.add_argument("--no-snapshots", action="store_true", help="no field snapshots")
    s.set_defaults(func=_plot)
    s = sub.add_parser("snapshot", help="PNG sections of fields at output times "
                       "(DIR/plots/snapshot_FIELD_TIMEs.png), without ParaView",
                       description="a section of the body (the disc of a radial run, the "
                       "meridian of an axisymmetric one, a plane of a 3-D one) on the deformed "
                       "shape, coloured by a field; matplotlib, or pyvista (VTK) for 3-D when "
                       "installed (pip install 'swellfem[render]')")
    s.add_argument("dir", metavar="DIR")
    s.add_argument("--field", action="append", metavar="NAME",
                   help="field to show (repeatable; default: concentration, von_mises and "
                        "damage, those written)")
    s.add_argument("--time", action="append", type=float, metavar="SECONDS",
                   help="output time nearest to this (repeatable; default: the last)")
    s.add_argument("--plane", choices=("x", "y", "z"), default="y",
                   help="normal of the 3-D section (through the particle's centre; default y)")
    s.add_argument("--renderer", choices=("auto", "matplotlib", "pyvista"), default="auto",
                   help="auto: pyvista for 3-D when installed, else matplotlib")
    s.set_defaults(func=_snapshot)
    s = sub.add_parser("paraview", help="write DIR/paraview/state.py, a ParaView (pvpython) "
                       "script showing the swollen body coloured by concentration",
                       description="write DIR/paraview/all_fields.xdmf (every field on one "
                       "grid per output time) and DIR/paraview/state.py; ParaView is not needed "
                       "to write them")
    s.add_argument("dir", metavar="DIR")
    s.set_defaults(func=_paraview)
    s = sub.add_parser("materials", help="list the material library, or one entry with sources")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.set_defaults(func=_materials)
    sub.add_parser("info", help="versions, MPI and PETSc packages").set_defaults(func=_info)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    petsc: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, petsc = argv[:i], argv[i + 1:]
    try:
        args = _parser().parse_args(argv)
        if petsc and args.command != "run":
            raise UsageError("options after -- are PETSc options and are accepted by run only")
        return args.func(args, petsc)
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    except (CaseError, UsageError, ResultsError) as e:
        _print(f"swellfem: error: {e}", sys.stderr)
        return 2
    except SolveFailed as e:
        _print(f"swellfem: the solution failed: {e}", sys.stderr)
        return 3
    except Terminated as e:
        _print(f"swellfem: {e}; its checkpoint continues the run with --restart", sys.stderr)
        return 3
    except BrokenPipeError:  # e.g. `swellfem check case.yaml | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _print("swellfem: interrupted", sys.stderr)
        return 130
    except Exception:
        if _comm().rank == 0:
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
