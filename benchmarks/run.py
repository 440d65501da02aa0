"""`make bench`: the coupled demo physics on a 3-D octant of ~2·10^5 unknowns, on 1 and 2 MPI
ranks, against the floor of DESIGN §8 measured in the same run. Prints a table and writes
benchmarks/results.json. Ratios, not absolute times, are what to compare between machines."""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = {  # name: (mesh size in nm for the 250 nm demo particle, time steps)
    "demo-3d-2e5": (10.0, 2),
}


def measure(size_nm: float, steps: int, ranks: int) -> dict:
    python = Path(sys.executable)
    cmd = [str(python), str(HERE / "coupled.py"), str(size_nm), str(steps)]
    if ranks > 1:
        cmd = [str(python.parent / "mpirun"), "-n", str(ranks)] + cmd
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main() -> None:
    results = {}
    for name, (size, steps) in CASES.items():
        runs = {ranks: measure(size, steps, ranks) for ranks in (1, 2)}
        one, two = runs[1], runs[2]
        results[name] = {"runs": runs, "speedup_1_to_2_ranks": one["wall_s"] / two["wall_s"]}
        print(f"\n{name}: {one['dofs']} unknowns, preset {one['preset']}, {steps} steps")
        print(f"{'ranks':>5} {'wall s':>8} {'Newton':>6} {'Krylov':>6} {'s/Newton':>9} "
              f"{'floor s':>8} {'Newton/floor':>12}")
        for ranks, r in runs.items():
            print(f"{ranks:>5} {r['wall_s']:8.2f} {r['newton_iterations']:>6} "
                  f"{r['krylov_iterations']:>6} {r['time_per_newton_s']:9.3f} "
                  f"{r['floor_s']:8.3f} {r['newton_over_floor']:12.2f}")
        print(f"speed-up 1 → 2 ranks: {results[name]['speedup_1_to_2_ranks']:.2f}")
    (HERE / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
