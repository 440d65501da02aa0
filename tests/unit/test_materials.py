"""The material library: every entry loads, every number has a source and a confidence."""

import pytest

from solver import materials
from solver.case import Material
from solver.schema import ElasticMaterial
from solver.units import ureg

NAMES = materials.names()


def test_library_names():
    assert NAMES == ["CNF", "Co", "Cu", "HC-Na", "SEI-Li", "SEI-LiF", "SEI-NaF", "Si-Li", "Sn-Li",
                     "Sn-Na", "W"]
    with pytest.raises(KeyError, match="the library has: CNF, Co, Cu, HC-Na, SEI-Li"):
        materials.entry("Sn-K")


@pytest.mark.parametrize("name", NAMES)
def test_entry_is_complete_and_sourced(name):
    e = materials.entry(name)
    assert e["name"] == name and e["description"].strip()
    if e["chemistry"] is None:  # elastic only: an inactive phase or a collector
        assert {"E", "nu", "density"} <= set(e["properties"]) <= {"E", "nu", "density", "Gc"}
    else:
        assert e["chemistry"] in ("Li", "Na") and e["host"] in ("Sn", "Si", "HC")
        assert name == f"{e['host']}-{e['chemistry']}"
    for key, p in e["properties"].items():
        assert set(p) == {"value", "source", "confidence"}, key
        assert p["confidence"] in ("V", "L", "U"), key
        assert len(p["source"].strip()) > 10, key
        if not isinstance(p["value"], dict):  # structured values (ocv) are checked on loading
            ureg.Quantity(str(p["value"]))  # parses as a quantity
    assert set(materials.properties(name)) == set(e["properties"])


HOSTS = [n for n in NAMES if materials.entry(n)["chemistry"]]


@pytest.mark.parametrize("name", [n for n in NAMES if n not in HOSTS])
def test_elastic_entry_resolves(name):
    m = ElasticMaterial.model_validate({"from": name})
    assert m.name == name and 1e9 < m.E < 5e11 and 0 < m.nu < 0.5 and m.density > 0


@pytest.mark.parametrize("name", HOSTS)
def test_entry_resolves(name):
    m = Material.model_validate({"from": name})
    assert m.name == name and m.chemistry == materials.entry(name)["chemistry"]
    for key in ("E", "nu", "D", "c_max", "expansion", "density", "ocv" if name != "Si-Li" else "E"):
        assert getattr(m, key) is not None, key
    assert m.Omega * m.c_max == pytest.approx(m.expansion, rel=1e-12)
    assert 1e9 < m.E < 2e11 and 0 < m.nu < 0.5
    if materials.entry(name)["host"] != "HC":  # alloy hosts: softening and plastic flow data
        for key in ("molar_mass", "E_alloyed", "nu_alloyed", "yield_stress", "Gc"):
            assert getattr(m, key) is not None, key
        assert 1e9 < m.E_alloyed < m.E


def test_physics_md_values():
    sn_li = Material.model_validate({"from": "Sn-Li"})
    assert (sn_li.c_max, sn_li.expansion, sn_li.E_alloyed) == (2.61e5, 2.6, 28.6e9)
    assert sn_li.Omega == pytest.approx(9.96e-6, rel=1e-3)
    sn_na = Material.model_validate({"from": "Sn-Na"})
    assert (sn_na.c_max, sn_na.expansion, sn_na.D) == (2.30e5, 4.2, 1e-16)
    si = Material.model_validate({"from": "Si-Li"})
    assert (si.c_max, si.density, si.molar_mass) == (3.11e5, 2330.0, 0.0280855)
