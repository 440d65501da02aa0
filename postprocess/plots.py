"""PNG plots of a results directory: histories from summary.csv, profiles from the probes."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from postprocess import readers  # noqa: E402

MPA = 1e-6


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
    for key, label in (("surface_hoop_max_Pa", "surface hoop, max"),
                       ("hydrostatic_max_Pa", "hydrostatic, max (centre in insertion)"),
                       ("hydrostatic_min_Pa", "hydrostatic, min"),
                       ("von_mises_max_Pa", "von Mises, max")):
        if np.isfinite(s[key]).any():
            ax.plot(s["time_s"], s[key] * MPA, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="time (s)", ylabel="stress (MPa)", title="Stresses (tension > 0)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, folder / "stresses.png")


def plot_volume(s: dict, folder: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(s["soc"], s["volume_change_pct"], color="C2")
    ax.set(xlabel="state of charge θ̄", ylabel="volume change (%)", title="Swelling")
    ax.grid(alpha=0.3)
    return _save(fig, folder / "volume_change.png")


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


def plot_results(results_dir) -> list[Path]:
    """Write every plot for ``results_dir`` into ``results_dir/plots``; returns the files."""
    results_dir = Path(results_dir)
    folder = results_dir / "plots"
    folder.mkdir(exist_ok=True)
    s = readers.summary(results_dir)
    files = [plot_soc(s, folder), plot_stresses(s, folder), plot_volume(s, folder)]
    files += [plot_profile(n, p, folder) for n, p in readers.profiles(results_dir).items()
              if len(p["time_s"])]
    return files
