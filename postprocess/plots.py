"""PNG plots of a results directory: histories from summary.csv (SOC, stresses against time and
SOC, swelling, voltage, SEI and damage), coulombic efficiency per cycle from cycles.csv, profiles
from the probes and field snapshots (postprocess.snapshots); and of a parameter study, from its
study.csv."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from postprocess import readers  # noqa: E402
from postprocess.snapshots import write_snapshots  # noqa: E402

MPA = 1e-6
STRESSES = (("surface_hoop_max_Pa", "surface hoop, max"),
            ("hydrostatic_max_Pa", "hydrostatic, max (centre in insertion)"),
            ("hydrostatic_min_Pa", "hydrostatic, min"),
            ("von_mises_max_Pa", "von Mises, max"))
SEI_DAMAGE = ("sei_thickness_mean_m", "sei_cracked_area_fraction",
              "particle_damage_volume_fraction", "inventory_lost_mol")


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_soc(s: dict, folder: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(s["time_s"], s["soc"], color="C0")
    ax.set(xlabel="time (s)", ylabel="state of charge θ̄", title="State of charge")
    ax.grid(alpha=0.3)
    return _save(fig, folder / "soc.png")


def plot_stresses(s: dict, folder: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in STRESSES:
        if np.isfinite(s[key]).any():
            ax.plot(s["time_s"], s[key] * MPA, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="time (s)", ylabel="stress (MPa)", title="Stresses (tension > 0)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, folder / "stresses.png")


def plot_stresses_soc(s: dict, folder: Path) -> Path:
    """The stresses of plot_stresses against the state of charge (insertion and extraction
    trace different paths)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in STRESSES:
        if np.isfinite(s[key]).any():
            ax.plot(s["soc"], s[key] * MPA, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="state of charge θ̄", ylabel="stress (MPa)",
           title="Stresses against SOC (tension > 0)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, folder / "stresses_soc.png")


def plot_sei_damage(s: dict, folder: Path) -> Path:
    """SEI thickness, cracked SEI area and damaged particle volume, and the species the SEI
    took from the particle, against time (the panels whose columns have values)."""
    panels = []
    if np.isfinite(s["sei_thickness_mean_m"]).any():
        panels.append(("SEI thickness (nm)", "SEI thickness", [
            (s["sei_thickness_mean_m"] * 1e9, "mean of all films"),
            *[(s[k] * 1e9, label) for k, label in (
                ("sei_thickness_min_m", "thinnest point (film formed last)"),
                ("sei_thickness_max_m", "thickest point (film formed last)"))
              if k in s and np.isfinite(s[k]).any()]]))
    fractions = [(s[k], label) for k, label in (
        ("sei_cracked_area_fraction", "SEI: cracked area fraction"),
        ("particle_damage_volume_fraction", "particle: damaged volume fraction"))
        if np.isfinite(s[k]).any()]
    if fractions:
        panels.append(("fraction", "Cracking and damage", fractions))
    if np.isfinite(s["inventory_lost_mol"]).any():
        panels.append(("species taken by the SEI (mol)", "Inventory lost",
                       [(s["inventory_lost_mol"], None)]))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4), squeeze=False)
    for ax, (ylabel, title, lines) in zip(axes[0], panels):
        for values, label in lines:
            ax.plot(s["time_s"] / 3600, values, label=label)
        ax.set(xlabel="time (h)", ylabel=ylabel, title=title)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
        if any(label for _, label in lines):
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return _save(fig, folder / "sei_damage.png")


def plot_cycles(c: dict, folder: Path) -> Path:
    """Capacities inserted and extracted, and the coulombic efficiency, per cycle."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    cycle = c["cycle"].astype(int)
    left.plot(cycle, c["insertion_capacity_mAh_g"], "o-", label="inserted")
    left.plot(cycle, c["extraction_capacity_mAh_g"], "s--", label="extracted")
    left.set(xlabel="cycle", ylabel="capacity (mAh/g)", title="Capacity per cycle")
    left.legend(fontsize=8)
    right.plot(cycle, c["coulombic_efficiency"] * 100, "o-", color="C3")
    right.set(xlabel="cycle", ylabel="coulombic efficiency (%)",
              title="Coulombic efficiency (extracted / inserted)")
    for ax in (left, right):
        ax.set_xticks(cycle)
        ax.grid(alpha=0.3)
    return _save(fig, folder / "cycles.png")


def plot_volume(s: dict, folder: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(s["soc"], s["volume_change_pct"], color="C2")
    ax.set(xlabel="state of charge θ̄", ylabel="volume change (%)", title="Swelling")
    ax.grid(alpha=0.3)
    return _save(fig, folder / "volume_change.png")


def _half_cycles(s: dict):
    """(cycle, inserting, rows) for each stretch of rows with one sign of the current,
    starting from the state before it (rests and holds at zero current are skipped)."""
    sign = np.sign(np.nan_to_num(s["current_A"]))
    start = None
    for k in range(1, len(sign) + 1):
        if start is not None and (k == len(sign) or sign[k] != sign[start]):
            yield int(s["cycle"][start]), sign[start] > 0, np.arange(start - 1, k)
            start = None
        if k < len(sign) and start is None and sign[k] != 0:
            start = k


def plot_voltage(s: dict, folder: Path) -> Path:
    """Voltage against the capacity passed in each half cycle; solid inserting, dashed
    extracting, one colour per cycle."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for cycle, inserting, rows in _half_cycles(s):
        q = np.abs(s["capacity_mAh_g"][rows] - s["capacity_mAh_g"][rows[0]])
        ax.plot(q, s["voltage_V"][rows], "-" if inserting else "--", color=f"C{cycle - 1}",
                label=f"cycle {cycle}, {'insertion' if inserting else 'extraction'}")
    ax.set(xlabel="capacity (mAh/g)", ylabel="voltage vs metal (V)", title="Voltage")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, folder / "voltage_capacity.png")


def plot_dqdv(s: dict, folder: Path) -> Path:
    """Differential capacity dQ/dV of each half cycle (insertion negative, extraction
    positive); increments with |ΔV| < 1e-7 V are dropped."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for cycle, inserting, rows in _half_cycles(s):
        q, v = s["capacity_mAh_g"][rows], s["voltage_V"][rows]
        dq, dv = np.diff(q), np.diff(v)
        keep = np.abs(dv) > 1e-7
        ax.plot(0.5 * (v[1:] + v[:-1])[keep],
                -np.abs(dq[keep] / dv[keep]) if inserting else np.abs(dq[keep] / dv[keep]),
                "-" if inserting else "--", color=f"C{cycle - 1}", lw=0.8,
                label=f"cycle {cycle}, {'insertion' if inserting else 'extraction'}")
    ax.set(xlabel="voltage vs metal (V)", ylabel="dQ/dV (mAh/g/V)",
           title="Differential capacity", yscale="symlog")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, folder / "dqdv.png")


def plot_overpotential(s: dict, folder: Path) -> Path:
    """V − U_eq: the kinetic (and film) overpotential at the surface, against time."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(s["time_s"] / 3600, s["overpotential_V"] * 1e3, color="C3")
    ax.set(xlabel="time (h)", ylabel="V − U_eq (mV)", title="Overpotential")
    ax.grid(alpha=0.3)
    return _save(fig, folder / "overpotential.png")


def plot_profile(name: str, profile: dict, folder: Path) -> Path:
    times = np.unique(profile["time_s"])
    picks = times[np.linspace(0, len(times) - 1, min(len(times), 5)).astype(int)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for t in picks:
        p = readers.profile_at(profile, t)
        r = p["r_m"] * 1e9
        axes[0].plot(r, p["theta"], label=f"t = {t:.3g} s")
        axes[1].plot(r, p["sigma_tt_Pa"] * MPA, label=f"σ_tt, t = {t:.3g} s")
        axes[1].plot(r, p["sigma_rr_Pa"] * MPA, "--", color=axes[1].lines[-1].get_color())
    axes[0].set(xlabel="r (nm)", ylabel="θ", title=f"{name}: site fraction")
    axes[1].set(xlabel="r (nm)", ylabel="stress (MPa)",
                title=f"{name}: hoop (solid), radial (dashed)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, folder / f"profile_{name}.png")


def plot_results(results_dir, snapshots: bool = True) -> list[Path]:
    """Write every plot that applies to ``results_dir`` into ``results_dir/plots`` (with
    ``snapshots``, also the default field snapshots at the last output time); returns the
    files. ResultsError if it is not a results directory."""
    results_dir = readers.require(results_dir, "summary.csv")
    folder = results_dir / "plots"
    folder.mkdir(exist_ok=True)
    s = readers.summary(results_dir)
    files = [plot_soc(s, folder), plot_stresses(s, folder), plot_stresses_soc(s, folder),
             plot_volume(s, folder)]
    if np.isfinite(s["voltage_V"]).any():
        files += [plot_voltage(s, folder), plot_dqdv(s, folder), plot_overpotential(s, folder)]
    if any(np.isfinite(s[k]).any() for k in SEI_DAMAGE):
        files.append(plot_sei_damage(s, folder))
    if (results_dir / "cycles.csv").is_file():
        c = readers.cycles(results_dir)
        if (np.nan_to_num(c["extraction_capacity_mAh_g"]) > 0).any():
            files.append(plot_cycles(c, folder))
    files += [plot_profile(n, p, folder) for n, p in readers.profiles(results_dir).items()
              if len(p["time_s"])]
    if snapshots and (results_dir / "fields.xdmf").is_file():
        files += write_snapshots(results_dir)
    return files


# ---------------------------------------------------------------- parameter studies
def _metric_axis(name: str, description: str) -> tuple[float, str, str]:
    """(scale, label, file stem) of a study metric column: _Pa shown in MPa, _pct in %."""
    for suffix, scale, unit in (("_Pa", MPA, " (MPa)"), ("_pct", 1.0, " (%)")):
        if name.endswith(suffix):
            return scale, description + unit, name.removesuffix(suffix)
    return 1.0, description, name


def _numbers(values: list[str]) -> np.ndarray | None:
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return None


def _levels(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Position of each value among the distinct values (ascending when numbers), and the
    labels of the distinct values."""
    numbers = _numbers(values)
    keyed = values if numbers is None else list(numbers)
    distinct = list(dict.fromkeys(keyed)) if numbers is None else sorted(set(keyed))
    index = {v: i for i, v in enumerate(distinct)}
    labels = [str(v) if numbers is None else f"{v:.3g}" for v in distinct]
    return np.array([index[v] for v in keyed]), labels


def _place(ax, axis: str, values: list[str]) -> np.ndarray:
    """Coordinates of ``values`` on the ``axis`` ('x' or 'y') of ``ax``: the numbers (on a log
    scale when positive over a decade or more), or positions labelled with the values."""
    numbers = _numbers(values)
    if numbers is None:
        positions, labels = _levels(values)
        getattr(ax, f"set_{axis}ticks")(range(len(labels)), labels)
        return positions
    if numbers.min() > 0 and numbers.max() >= 10 * numbers.min():
        getattr(ax, f"set_{axis}scale")("log")
    return numbers


def _study_map(fig, ax, a: list[str], b: list[str], z: np.ndarray, failed: np.ndarray,
               label: str) -> None:
    """``z`` over two parameters: cells of the grid, annotated, when the cases form one; else
    points coloured by ``z``. Failed cases are marked."""
    ia, la = _levels(a)
    ib, lb = _levels(b)
    if len(z) == len(la) * len(lb) == len(set(zip(ia, ib))):
        grid = np.full((len(lb), len(la)), np.nan)
        grid[ib, ia] = z
        shown = ax.pcolormesh(np.arange(len(la) + 1) - 0.5, np.arange(len(lb) + 1) - 0.5,
                              np.ma.masked_invalid(grid), cmap="viridis")
        ax.set_xticks(range(len(la)), la)
        ax.set_yticks(range(len(lb)), lb)
        for i, j, v, bad in zip(ia, ib, z, failed):
            text = "failed" if bad else f"{v:.3g}" if np.isfinite(v) else ""
            dark = bad or not np.isfinite(v) or shown.norm(v) < 0.6
            ax.text(i, j, text, ha="center", va="center", fontsize=8,
                    color="k" if bad else "w" if dark else "k")
    else:
        x, y = _place(ax, "x", a), _place(ax, "y", b)
        shown = ax.scatter(x, y, c=z, cmap="viridis")
        if failed.any():
            ax.scatter(x[failed], y[failed], marker="x", color="r", label="failed")
            ax.legend(fontsize=7)
    fig.colorbar(shown, ax=ax, label=label)


def _study_points(ax, values: list[str], z: np.ndarray, failed: np.ndarray,
                  joined: bool) -> None:
    """``z`` against one parameter (``joined``: a line through the points in order); failed
    cases as red dotted verticals."""
    x = _place(ax, "x", values)
    order = np.argsort(x, kind="stable")
    ax.plot(x[order], z[order], "o-" if joined else "o", color="C0")
    for xf in x[failed]:
        ax.axvline(xf, color="r", ls=":", lw=1)
    ax.grid(alpha=0.3)


def plot_study(study_dir, parameters, metrics: dict[str, str]) -> list[Path]:
    """Plots of a parameter study from its study.csv into ``study_dir/plots``, one per metric
    (column: description) that has values: over two parameters a map (NAME_map.png), else the
    metric against each parameter (NAME.png; joined by a line for a single parameter).
    Returns the files."""
    study_dir = Path(study_dir)
    with open(study_dir / "study.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    folder = study_dir / "plots"
    folder.mkdir(exist_ok=True)
    columns = {p: [r[p] for r in rows] for p in parameters}
    failed = np.array([r["status"] == "failed" for r in rows])
    files = []
    for metric, description in metrics.items():
        scale, label, stem = _metric_axis(metric, description)
        z = np.array([float(r[metric]) if r[metric] else np.nan for r in rows]) * scale
        if not np.isfinite(z).any():
            continue
        if len(parameters) == 2:
            fig, ax = plt.subplots(figsize=(6.5, 4.8))
            _study_map(fig, ax, *columns.values(), z, failed, label)
            ax.set(xlabel=f"{parameters[0]} (SI)", ylabel=f"{parameters[1]} (SI)", title=label)
            files.append(_save(fig, folder / f"{stem}_map.png"))
            continue
        fig, axes = plt.subplots(1, len(parameters), figsize=(5 * len(parameters), 4),
                                 squeeze=False)
        for ax, (name, values) in zip(axes[0], columns.items()):
            _study_points(ax, values, z, failed, joined=len(parameters) == 1)
            ax.set(xlabel=f"{name} (SI)", ylabel=label)
        files.append(_save(fig, folder / f"{stem}.png"))
    return files
