"""`make bench`: the coupled demo physics (cases/demo.yaml) on 3-D octant spheres of about
5·10^4, 2·10^5 and 5·10^5 unknowns, with the `iterative` preset on 1 and 2 MPI ranks (and the
`direct` preset at the smallest size for comparison), each against the floor of DESIGN §8
measured in the same run. Prints a table and writes benchmarks/results.json. Ratios, not
absolute times, are what to compare between machines.

    python benchmarks/run.py [SIZE ...] [--out PATH]     (SIZE: 5e4, 2e5, 5e5; default all)

Timings are noisy when other work shares the cores: each run records the CPU time the rest of
the machine used meanwhile (``others_cpu_fraction``: 0 = idle machine, 1 = all cores busy).
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = 2  # time steps per run (Δτ = 0.01 each, see coupled.py)
SIZES = {  # name: mesh size in nm for the 250 nm demo particle (dofs measured: P2 u, P1 θ, μ)
    "5e4": 16.0,  # 52 022
    "2e5": 9.8,  # 204 503
    "5e5": 7.3,  # 459 750
}
RUNS = [("iterative", 1), ("iterative", 2)]  # per size
EXTRA = {"5e4": [("direct", 1), ("direct", 2)]}  # comparison rows

NOTES = {
    "wall_s": "time-stepping loop only (max over ranks); set-up (mesh, forms, JIT) in setup_s",
    "seconds_per_newton": "wall_s / newton_iterations",
    "floor_seconds": "one CG+GAMG elasticity solve (same displacement degree, rigid-body "
                     "near-nullspace) + one CG+GAMG P1 diffusion solve (mass + Δτ·stiffness), "
                     "rtol 1e-8, each with its assembly and preconditioner set-up, on the same "
                     "mesh, in the same process: median of 3 after a warm-up solve",
    "per_newton_over_floor": "seconds_per_newton / floor_seconds",
    "speedup_2_ranks": "wall_s on 1 rank / wall_s on 2 ranks, iterative preset",
    "peak_rss_bytes": "resource.getrusage(RUSAGE_SELF).ru_maxrss * 1024 after the time steps "
                      "(before the floor), max over ranks; nothing subtracted",
    "rss_after_imports_bytes": "ru_maxrss right after the imports, max over ranks",
    "peak_rss_bytes_per_dof": "per case: peak_rss_bytes / dofs (max over ranks, nothing "
                              "subtracted); per size: that of the 1-rank iterative run, i.e. "
                              "the whole problem in one process",
    "peak_rss_increase_bytes_per_dof": "(peak RSS - RSS after imports) / dofs, max over ranks",
    "others_cpu_fraction": "CPU time used by other processes during the run / (cores * run "
                           "time): timings with a large value are contended",
}


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(size_nm: float, preset: str, ranks: int) -> dict:
    python = Path(sys.executable)
    cmd = [str(python), str(HERE / "coupled.py"), str(size_nm), str(STEPS), preset]
    if ranks > 1:
        cmd = [str(python.parent / "mpirun"), "-n", str(ranks)] + cmd
    busy, mine, start = _busy_seconds(), _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"benchmark run failed: {' '.join(cmd)}\n{done.stdout[-2000:]}"
                 f"\n{done.stderr[-4000:]}")
    elapsed = time.perf_counter() - start
    others = (_busy_seconds() - busy) - (_children_cpu() - mine)
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["mesh_size_nm"] = size_nm
    result["run_s"] = elapsed
    result["others_cpu_fraction"] = max(0.0, others) / ((os.cpu_count() or 1) * elapsed)
    return result


HEADER = (f"{'case':<20} {'dofs':>7} {'ranks':>5} {'wall s':>7} {'setup s':>7} {'Newton':>6} "
          f"{'Krylov':>6} {'Kry/N':>5} {'s/Newton':>8} {'floor s':>7} {'N/floor':>7} "
          f"{'RSS MB':>7} {'others':>6}")


def row(name: str, r: dict) -> str:
    return (f"{name:<20} {r['dofs']:>7} {r['ranks']:>5} {r['wall_s']:7.1f} {r['setup_s']:7.1f} "
            f"{r['newton_iterations']:>6} {r['krylov_iterations']:>6} "
            f"{r['krylov_per_newton']:5.0f} {r['seconds_per_newton']:8.2f} "
            f"{r['floor_seconds']:7.2f} {r['per_newton_over_floor']:7.2f} "
            f"{r['peak_rss_bytes'] / 2**20:7.0f} {r['others_cpu_fraction']:6.2f}")


def main() -> None:
    args = sys.argv[1:]
    out = HERE / "results.json"
    if "--out" in args:
        i = args.index("--out")
        out = Path(args[i + 1])
        del args[i:i + 2]
    sizes = {k: SIZES[k] for k in (args or SIZES)}
    start = time.perf_counter()
    cases, per_size = {}, {}
    print(HEADER, flush=True)
    for size, nm in sizes.items():
        for preset, ranks in RUNS + EXTRA.get(size, []):
            name = f"{preset}-{size}-{ranks}rank"
            cases[name] = measure(nm, preset, ranks)
            print(row(name, cases[name]), flush=True)
        one, two = cases[f"iterative-{size}-1rank"], cases[f"iterative-{size}-2rank"]
        per_size[size] = {
            "mesh_size_nm": nm, "dofs": one["dofs"],
            "speedup_2_ranks": one["wall_s"] / two["wall_s"],
            "speedup_2_ranks_per_newton": one["seconds_per_newton"] / two["seconds_per_newton"],
            "peak_rss_bytes_per_dof": one["peak_rss_bytes_per_dof"],
            "peak_rss_increase_bytes_per_dof": one["peak_rss_increase_bytes_per_dof"],
            "rss_after_imports_bytes": one["rss_after_imports_bytes"],
            "peak_rss_bytes_per_dof_2_ranks_max": two["peak_rss_bytes_per_dof"],
            "peak_rss_bytes_per_dof_2_ranks_sum": two["peak_rss_bytes_all_ranks"] / two["dofs"],
        }
        if f"direct-{size}-1rank" in cases:
            d1, d2 = cases[f"direct-{size}-1rank"], cases[f"direct-{size}-2rank"]
            per_size[size]["speedup_2_ranks_direct"] = d1["wall_s"] / d2["wall_s"]
    print(f"\n{'size':<5} {'dofs':>7} {'speed-up 1→2':>12} {'(per Newton)':>12} "
          f"{'RSS B/dof':>9} {'ΔRSS B/dof':>10} {'RSS after imports MB':>20}")
    for size, s in per_size.items():
        print(f"{size:<5} {s['dofs']:>7} {s['speedup_2_ranks']:12.2f} "
              f"{s['speedup_2_ranks_per_newton']:12.2f} {s['peak_rss_bytes_per_dof']:9.0f} "
              f"{s['peak_rss_increase_bytes_per_dof']:10.0f} "
              f"{s['rss_after_imports_bytes'] / 2**20:20.0f}")
        if "speedup_2_ranks_direct" in s:
            print(f"{'':<5} direct preset speed-up 1→2: {s['speedup_2_ranks_direct']:.2f}")
    total = time.perf_counter() - start
    print(f"\nRSS B/dof: peak ru_maxrss of the 1-rank iterative run / dofs, nothing subtracted; "
          f"ΔRSS: minus the RSS after imports.\ntotal {total / 60:.1f} min on "
          f"{os.cpu_count()} cores; 'others' = share of the cores used by other processes "
          f"during the run", flush=True)
    out.write_text(json.dumps({"steps_per_run": STEPS, "cores": os.cpu_count(),
                               "total_s": total, "notes": NOTES, "sizes": per_size,
                               "cases": cases}, indent=2) + "\n")


if __name__ == "__main__":
    main()
