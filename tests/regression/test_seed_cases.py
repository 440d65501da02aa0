"""Coarse versions of the seed cases (cases/seeds/, docs/validation.md): each completes, hits
its protocol limits and gives physically bounded results (not numbers of a previous run); the
seed studies make valid cases of them."""

import numpy as np
import pytest
from support import CASES, run

from postprocess import readers
from solver.sweep import load_study

SHORT_CYCLE = ("protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.3}}, "
               "{extract: {c_rate: 2}, until: {soc: 0.05}}]")


def _bounded_ice(out, cycle_index: int = 0) -> float:
    ice = float(readers.cycles(out)["coulombic_efficiency"][cycle_index])
    assert 0.0 < ice < 1.0, ice  # below the no-SEI value 1: the film took some species
    return ice


def test_seed000_scaffold_sn_co(tmp_path):
    _, record = run("seeds/seed000_scaffold_sn_co.yaml", tmp_path, "protocol.cycles=1",
                    "solver.dt.initial=15 s",
                    "protocol.steps=[{insert: {c_rate: 4}, until: {soc: 0.06}}, "
                    "{extract: {c_rate: 4}, until: {soc: 0.02}}]")
    assert record["status"] == "completed"
    s = readers.summary(tmp_path)
    assert np.nanmax(s["soc"]) == pytest.approx(0.06, abs=1e-9)
    assert s["soc"][-1] == pytest.approx(0.02, abs=1e-9)
    free = 100 * 2.405 * (0.06 - 0.01)  # free swelling of the walls; W and pores take none
    assert 0.0 < np.nanmax(s["volume_change_pct"]) < free
    _bounded_ice(tmp_path)


@pytest.mark.parametrize("chem", ["na", "li", "si"])
def test_seed001_particle(tmp_path, chem):
    _, record = run(f"seeds/seed001_particle_{chem}.yaml", tmp_path, "geometry.radius=50 nm",
                    "geometry.mesh.sei_layers=3", "physics.fracture.length=8 nm", SHORT_CYCLE)
    assert record["status"] == "completed"
    s = readers.summary(tmp_path)
    assert np.nanmax(s["soc"]) == pytest.approx(0.3, abs=1e-9)
    assert np.nanmax(s["volume_change_pct"]) > 0.0
    _bounded_ice(tmp_path)


def test_seed001_free_particle_li(tmp_path):
    case, _ = run("seeds/seed001_free_particle_li.yaml", tmp_path, "geometry.mesh.size=10 nm",
                  "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.3}}]")
    s = readers.summary(tmp_path)
    assert s["soc"][-1] == pytest.approx(0.3, abs=1e-9)
    # finite strain, volume linear in θ: ΔV/V = β (θ̄ − θ_0) (elastic part aside)
    swelling = 100 * case.materials["active"].expansion * (0.3 - case.initial.soc)
    assert 0.95 * swelling < s["volume_change_pct"][-1] < 1.05 * swelling


@pytest.mark.parametrize("study", sorted(p.name for p in (CASES / "seeds").glob("*_study.yaml"))
                         + sorted(p.name for p in (CASES / "seeds").glob("*_size_rate_*.yaml")))
def test_seed_studies_make_valid_cases(study):
    loaded = load_study(CASES / "seeds" / study)
    assert len(loaded.cases) >= 2 and len({c.key for c in loaded.cases}) == len(loaded.cases)


def test_seed002_cnf_and_bare(tmp_path):
    cnf, bare = tmp_path / "cnf", tmp_path / "bare"
    run("seeds/seed002_cnf_sn_clusters.yaml", cnf, SHORT_CYCLE)
    run("seeds/seed002_bare_sn.yaml", bare, "geometry.mesh.size=10 nm", SHORT_CYCLE)
    s = readers.summary(cnf)
    # the fibre swells, but less than its Sn would alone: 8 % of the volume is Sn
    assert 0.0 < np.nanmax(s["volume_change_pct"]) < 100 * 4.2 * 0.3
    _bounded_ice(cnf)
    _bounded_ice(bare)


def test_seed003_particle_front(tmp_path):
    run("seeds/seed003_nanoparticle.yaml", tmp_path, "geometry.mesh.size=2 nm",
        "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.2}}]")
    s = readers.summary(tmp_path)
    assert s["soc"][-1] == pytest.approx(0.2, abs=1e-9)
    # finite strain, volume linear in θ: ΔV/V = 4.2 (θ̄ − θ_0) (elastic part aside)
    assert 100 * 4.2 * (0.2 - 0.001) * 0.95 < s["volume_change_pct"][-1] < 100 * 4.2 * 0.2
    profile = readers.profiles(tmp_path)["radial"]
    last = readers.profile_at(profile, profile["time_s"].max())
    assert last["theta"][-1] > 0.133 > last["theta"][0]  # a front inside the particle


def test_seed003_wire_front(tmp_path):
    run("seeds/seed003_nanowire.yaml", tmp_path, "geometry.mesh.size=10 nm",
        "geometry.length=100 nm", "protocol.steps=[{insert: {c_rate: 2}, until: {soc: 0.1}}]")
    assert readers.summary(tmp_path)["soc"][-1] == pytest.approx(0.1, abs=1e-9)


def test_seed004_composite_vs_particle(tmp_path):
    comp, sn = tmp_path / "composite", tmp_path / "sn"
    overrides = ("protocol.cycles=1", "geometry.mesh.size=8 nm")
    run("seeds/seed004_sn_hc_composite.yaml", comp, *overrides)
    run("seeds/seed004_sn_particle.yaml", sn, *overrides)
    dv_comp = np.nanmax(readers.summary(comp)["volume_change_pct"])
    dv_sn = np.nanmax(readers.summary(sn)["volume_change_pct"])
    assert 0.0 < dv_comp < dv_sn < 100 * 4.2  # the barely swelling carbon suppresses expansion
    assert np.nanmax(readers.summary(comp)["interface_von_mises_max_Pa"]) > 0.0
    _bounded_ice(comp)
    _bounded_ice(sn)
