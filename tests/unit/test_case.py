"""Case files: loading, units, error messages, overrides, round trip, reference docs."""

from pathlib import Path

import pytest

from solver.case import BoxGeometry, Case, CaseError, dump_case, load_case, reference_markdown

CASE = """\
name: sn-na-sphere
geometry:
  kind: sphere
  radius: 250 nm
  dimension: 3d
  mesh: {size: 12 nm, order: 2}
chemistry: Na
materials:
  active: {from: Sn-Na, yield_stress: 0.5 GPa}
initial: {soc: 0.0}
physics: {kinematics: small, stress_coupling: two_way, mobility: lattice_gas}
temperature: 25 degC
protocol:
  cycles: 2
  steps:
    - {insert: {c_rate: 1}, until: {soc: 0.95}}
    - {rest: 10 min}
    - {extract: {c_rate: C/10}, until: {soc: 0.05, time: 1 h}}
    - {hold: {theta: 0.9}, until: {time: 1 h}}
solver:
  preset: direct
  petsc: {ksp_type: preonly, pc_factor_mat_solver_type: mumps}
  dt: {initial: 1 s, max: 60 s}
  newton: {rtol: 1.0e-8, max_it: 20}
output:
  dir: out/sn
  fields: {every: 5, names: [concentration, hoop]}
  probes:
    - {name: radial, direction: [1, 0, 0], points: 51}
"""


def write(tmp_path: Path, text: str = CASE, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error(tmp_path: Path, text: str, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(CaseError) as info:
        load_case(write(tmp_path, text), overrides)
    return str(info.value)


def test_full_case_loads_in_si(tmp_path):
    case = load_case(write(tmp_path))
    assert case.geometry.radius == pytest.approx(2.5e-7)
    assert case.geometry.mesh.size == pytest.approx(1.2e-8)
    assert case.geometry.symmetry == "octant"
    assert case.temperature == pytest.approx(298.15)
    m = case.materials["active"]
    assert m.name == "Sn-Na" and m.chemistry == "Na"
    assert m.yield_stress == pytest.approx(5e8)
    assert m.E == pytest.approx(50e9) and m.D == pytest.approx(1e-16)
    assert m.Omega == pytest.approx(4.2 / 2.30e5)
    assert m.molar_mass == pytest.approx(0.11871)
    steps = case.protocol.steps
    assert [s.kind for s in steps] == ["insert", "rest", "extract", "hold"]
    assert steps[0].c_rate == 1.0 and steps[0].until_soc == 0.95
    assert steps[1].until_time == pytest.approx(600)
    assert steps[2].c_rate == pytest.approx(0.1) and steps[2].until_time == pytest.approx(3600)
    assert steps[3].theta == 0.9
    assert case.solver.dt.initial == 1.0 and case.solver.dt.max == 60.0
    assert case.solver.newton.rtol == 1e-8 and case.solver.newton.atol == 1e-10
    assert case.output.probes[0].center == (0.0, 0.0, 0.0)
    assert case.output_dir() == Path("out/sn")


def test_defaults(tmp_path):
    text = """\
name: minimal
geometry: {kind: sphere, radius: 1e-6}
chemistry: Li
materials: {active: {from: Sn-Li}}
protocol: {steps: [{insert: {c_rate: 2C}, until: {soc: 0.5}}]}
"""
    case = load_case(write(tmp_path, text))
    assert case.geometry.radius == 1e-6
    assert case.geometry.mesh.size == pytest.approx(5e-8)  # radius / 20
    assert case.geometry.dimension == "3d" and case.geometry.mesh.order == 2
    assert case.temperature == 298.15 and case.initial.soc == 0.0
    assert case.physics.stress_coupling == "two_way" and case.physics.mobility == "lattice_gas"
    assert case.protocol.cycles == 1 and case.protocol.steps[0].c_rate == 2.0
    assert case.solver.dt.initial is None and case.solver.newton.max_it == 12
    assert case.output.fields.names == ["concentration", "displacement", "von_mises",
                                        "hydrostatic", "hoop", "J", "J_c", "plastic_strain",
                                        "damage", "sei_thickness"]
    assert case.output_dir() == Path("results/minimal")


@pytest.mark.parametrize("key, given, expected", [
    ("geometry.radius", "250 nm", 2.5e-7),
    ("geometry.radius", "0.25 um", 2.5e-7),
    ("temperature", "25 degC", 298.15),
    ("protocol.steps.3.until.time", "1 h", 3600.0),
    ("protocol.steps.1.rest", "90 s", 90.0),
    ("materials.active.E", "0.5 GPa", 5e8),
    ("materials.active.D", "1e-12 cm^2/s", 1e-16),
    ("materials.active.c_max", "0.23 mol/cm^3", 2.3e5),
    ("materials.active.density", "7.287 g/cm^3", 7287.0),
    ("protocol.steps.0.insert.c_rate", "C/10", 0.1),
    ("protocol.steps.0.insert.c_rate", "2C", 2.0),
    ("protocol.steps.0.insert.c_rate", "0.5 C", 0.5),
])
def test_units(tmp_path, key, given, expected):
    case = load_case(write(tmp_path), [f"{key}={given}"])
    values = {
        "geometry.radius": lambda c: c.geometry.radius,
        "temperature": lambda c: c.temperature,
        "protocol.steps.3.until.time": lambda c: c.protocol.steps[3].until_time,
        "protocol.steps.1.rest": lambda c: c.protocol.steps[1].until_time,
        "protocol.steps.0.insert.c_rate": lambda c: c.protocol.steps[0].c_rate,
    }
    value = values[key](case) if key in values else getattr(
        case.materials["active"], key.split(".")[-1])
    assert value == pytest.approx(expected, rel=1e-12)


def test_unknown_key_names_line_and_suggestion(tmp_path):
    msg = error(tmp_path, CASE.replace("  radius: 250 nm", "  radus: 250 nm"))
    assert "unknown key 'radus' at geometry.radus (line 4); did you mean 'radius'?" in msg
    assert "valid keys: kind, radius, dimension, symmetry, sei, mesh" in msg
    assert "required key is missing" not in msg  # the typo explains it
    msg = error(tmp_path, CASE.replace("yield_stress:", "yeild_stress:"))
    assert "materials.active.yeild_stress (line 9); did you mean 'yield_stress'?" in msg
    msg = error(tmp_path, CASE.replace("{c_rate: 1}", "{c_rate: 1, crate: 2}"))
    assert "protocol.steps.0.insert.crate (line 16); did you mean 'c_rate'?" in msg


def test_wrong_unit(tmp_path):
    msg = error(tmp_path, CASE.replace("250 nm", "250 kg"))
    assert ("geometry.radius (line 4): '250 kg' is not a length; write e.g. '250 nm' or a "
            "number in m") in msg
    msg = error(tmp_path, CASE.replace("25 degC", "25 kPa"))
    assert "temperature (line 12): '25 kPa' is not a temperature" in msg
    msg = error(tmp_path, CASE.replace("{rest: 10 min}", "{rest: ten minutes}"))
    assert "protocol.steps.1.rest (line 17)" in msg and "not a time" in msg


def test_invalid_values(tmp_path):
    msg = error(tmp_path, CASE.replace("250 nm", "-3 nm"))
    assert "geometry.radius (line 4): given '-3 nm'; must be greater than 0" in msg
    msg = error(tmp_path, CASE.replace("dimension: 3d", "dimension: 2d"))
    assert "geometry.dimension (line 5): '2d' is not allowed; allowed: 'radial', " in msg
    msg = error(tmp_path, CASE.replace("c_rate: 1}", "c_rate: fast}"))
    assert "protocol.steps.0.insert.c_rate (line 16): 'fast' is not a C-rate" in msg
    msg = error(tmp_path, CASE.replace("soc: 0.95", "soc: 1.0"))
    assert "protocol.steps.0.until.soc (line 16)" in msg
    msg = error(tmp_path, CASE.replace("theta: 0.9", "theta: 1.5"))
    assert "protocol.steps.3.hold.theta (line 19): hold needs 0 < theta < 1" in msg
    msg = error(tmp_path, CASE.replace("until: {soc: 0.95}", "until: {voltage: 0.1 V}"),
                ("materials.active.ocv=null",))
    assert "protocol.steps.0 (line 16): step 0 uses a voltage, which needs an ocv" in msg
    msg = error(tmp_path, CASE.replace("until: {soc: 0.95}", "until: {voltage: 1 A}"))
    assert "protocol.steps.0.until.voltage (line 16): '1 A' is not a voltage" in msg
    msg = error(tmp_path, CASE.replace("kinematics: small", "kinematics: large"))
    assert "physics.kinematics (line 11)" in msg and "small" in msg and "finite" in msg
    msg = error(tmp_path, CASE.replace("kind: sphere", "kind: torus"))
    assert "geometry.kind (line 3): geometry kind 'torus' is unknown; implemented kinds: " \
           "sphere, box, ellipsoid, wire, core_shell" in msg
    msg = error(tmp_path, CASE.replace("max: 60 s", "max: 0.5 s"))
    assert "solver.dt (line 23): need min <= initial <= max" in msg
    msg = error(tmp_path, CASE.replace("- {rest: 10 min}", "- {rest: 10 min, hold: {theta: 1}}"))
    assert "protocol.steps.1 (line 17): a step needs exactly one of insert" in msg


def test_several_problems_in_one_paragraph(tmp_path):
    msg = error(tmp_path, CASE.replace("250 nm", "250 kg").replace("dimension: 3d", "dimension: x"))
    assert msg.startswith(f"{tmp_path / 'case.yaml'} has 2 problems: (1) ")
    assert "\n" not in msg


def test_materials_errors(tmp_path):
    msg = error(tmp_path, CASE.replace("from: Sn-Na", "from: Sn-K"))
    assert "materials.active.from (line 9): unknown material 'Sn-K'; the library has: " \
           "CNF, Co, Cu, HC-Na, SEI-Li, SEI-LiF, SEI-NaF, Si-Li, Sn-Li, Sn-Na, W" in msg
    msg = error(tmp_path, CASE.replace("  active:", "  anode:"))
    assert "the 'active' material is required" in msg
    msg = error(tmp_path, CASE.replace("chemistry: Na", "chemistry: Li"))
    assert "materials.active (line 9): material 'Sn-Na' is data for Na but the case has " \
           "chemistry Li" in msg
    msg = error(tmp_path, CASE, ("materials.active.Omega=1e-5", "materials.active.expansion=4.2"))
    assert "materials.active.Omega (from --set): Omega = 1e-05 m^3/mol disagrees" in msg
    msg = error(tmp_path, CASE, ("materials.active.nu=0.5",))
    assert "materials.active.nu (from --set): given 0.5; must be less than 0.5" in msg


def test_material_inline_and_omega_override(tmp_path):
    inline = "{E: 10 GPa, nu: 0.3, D: 7.08e-15, c_max: 2.29e4, Omega: 3.497e-6, density: 4140}"
    case = load_case(write(tmp_path, CASE.replace("chemistry: Na", "chemistry: Li").replace(
        "{from: Sn-Na, yield_stress: 0.5 GPa}", inline)))
    m = case.materials["active"]
    assert m.name == "inline" and m.chemistry is None
    assert m.expansion == pytest.approx(3.497e-6 * 2.29e4)
    case = load_case(write(tmp_path), ["materials.active.Omega=2e-5"])
    assert case.materials["active"].Omega == 2e-5
    assert case.materials["active"].expansion == pytest.approx(2e-5 * 2.30e5)
    msg = error(tmp_path, CASE.replace("{from: Sn-Na, yield_stress: 0.5 GPa}", "{E: 1 GPa}"))
    assert "materials.active.nu (line 9): required key is missing" in msg


def test_yaml_syntax_error_and_missing_file(tmp_path):
    msg = error(tmp_path, CASE.replace("radius: 250 nm", "radius: [250 nm"))
    assert "YAML syntax error at line 5" in msg
    msg = error(tmp_path, CASE.replace("  dimension: 3d", "  dimension: 3d\n  dimension: radial"))
    assert "duplicate key 'dimension' at geometry.dimension (lines 5 and 6)" in msg
    with pytest.raises(CaseError, match="does not exist"):
        load_case(tmp_path / "nope.yaml")
    msg = error(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in msg and "found a list" in msg
    assert "found an empty file" in error(tmp_path, "# nothing\n")


def test_overrides(tmp_path):
    case = load_case(write(tmp_path), ["geometry.radius=1 um", "protocol.steps.0.insert.c_rate=2",
                                       "protocol.cycles=5", "solver.petsc.ksp_rtol=1e-8",
                                       "geometry.dimension=radial"])
    assert case.geometry.radius == pytest.approx(1e-6)
    assert case.protocol.steps[0].c_rate == 2.0 and case.protocol.cycles == 5
    assert case.solver.petsc["ksp_rtol"] == 1e-8
    assert case.geometry.dimension == "radial"
    msg = error(tmp_path, CASE, ("geometry.radus=3",))
    assert "unknown key 'radus' at geometry.radus (from --set); did you mean 'radius'?" in msg
    msg = error(tmp_path, CASE, ("protocol.steps.7.rest=3",))
    assert "protocol.steps is a list of 4 items; '7' is not an index of it" in msg
    with pytest.raises(CaseError, match="write key.path=value"):
        load_case(write(tmp_path), ["geometry.radius"])


def test_box_geometry(tmp_path):
    box = "geometry: {kind: box, size: [1 um, 1 um, 2 um], wetted: [z1]}"
    text = CASE.replace("geometry:\n  kind: sphere\n  radius: 250 nm\n  dimension: 3d\n"
                        "  mesh: {size: 12 nm, order: 2}", box)
    case = load_case(write(tmp_path, text))
    assert isinstance(case.geometry, BoxGeometry)
    assert case.geometry.size == pytest.approx((1e-6, 1e-6, 2e-6))
    assert case.geometry.rollers == ["x0", "y0", "z0"]
    assert case.geometry.mesh.size == pytest.approx(2e-6 / 8)
    assert "free to move along y" in error(tmp_path, text, ("geometry.rollers=[x0, z1]",))
    assert "no face is wetted" in error(tmp_path, text, ("geometry.wetted=[]",))


def test_round_trip(tmp_path):
    case = load_case(write(tmp_path))
    text = dump_case(case)
    again = load_case(write(tmp_path, text, "resolved.yaml"))
    assert again == case
    assert dump_case(again) == text
    assert "from:" not in text and "name: Sn-Na" in text


def test_reference_docs_are_current():
    committed = Path(__file__).parents[2] / "docs" / "case-reference.md"
    assert committed.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/case-reference.md is stale; regenerate it (command at its top)")


def test_reference_covers_every_key():
    text = reference_markdown()
    for model in (Case, BoxGeometry):
        for key in model.model_fields:
            assert f"| `{key}` |" in text
    assert "| `radius` | length | m | **required** | > 0 |" in text


def test_formula_properties(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CASE.replace("from: Sn-Na", "from: Sn-Na, E: '50 GPa * (1 - 0.6*theta)'"))
    active = load_case(path).materials["active"]
    assert active.E == 50e9 and active.formulas == {"E": "50 GPa * (1 - 0.6*theta)"}
    msg = error(tmp_path, CASE.replace("from: Sn-Na", "from: Sn-Na, E: '50 GPa * thta'"))
    assert "materials.active.E (line 9): '50 GPa * thta': unknown name 'thta' at column 10" in msg
    msg = error(tmp_path, CASE.replace("from: Sn-Na", "from: Sn-Na, D: '1e-16 m^2/s - theta'"))
    assert "materials.active.D (line 9): '1e-16 m^2/s - theta': '-' subtracts a diffusivity " \
           "and a number at column 13; both sides need the same unit" in msg
    msg = error(tmp_path, CASE.replace("from: Sn-Na", "from: Sn-Na, nu: '0.36 + theta'"))
    assert "materials.active.nu (line 9): nu = '0.36 + theta' must stay in (-1, 0.5)" in msg


def test_interface_errors(tmp_path):
    shell = ("geometry={kind: core_shell, core_radius: 80 nm, shell_thickness: 20 nm, "
             "dimension: radial}", "materials.shell={from: HC-Na}")
    text = CASE + "interfaces:\n  - {between: [active, shell], condition: resistance}\n"
    msg = error(tmp_path, text, shell)
    assert "interfaces.0.resistance (line 31): resistance is required with condition: " \
           "resistance" in msg
    msg = error(tmp_path, CASE + "interfaces:\n  - {between: [active, shell], partition: -1}\n",
                shell)
    assert "interfaces.0.partition (line 31): given -1; must be greater than 0" in msg
    msg = error(tmp_path, CASE + "interfaces:\n  - {between: [active, shell], condition: glued}\n",
                shell)
    assert "interfaces.0.condition (line 31): 'glued' is not allowed; allowed: 'bonded', " \
           "'resistance', 'blocking' or 'cohesive'" in msg
    msg = error(tmp_path, CASE + "interfaces:\n  - {between: [active, shell]}\n",
                shell[:1] + ("materials.shell={from: Co}",))
    assert "interfaces.0.between (line 31): 'shell' is an elastic material" in msg
    msg = error(tmp_path, CASE + "interfaces:\n  - between: [active, shell]\n"
                "    condition: blocking\n    partition: 2\n", shell)
    assert "interfaces.0.partition (line 33): a blocking interface has no partition" in msg


def test_fracture_needs_length_or_strength(tmp_path):
    for given in ("", ", length: 5 nm, strength: 100 MPa"):
        msg = error(tmp_path, CASE, (f"physics.fracture={{in: [active]{given}}}",
                                     "materials.active.Gc=1"))
        assert "physics.fracture.length (from --set): give the phase-field length or the " \
               "strength it follows from (one of them)" in msg
    msg = error(tmp_path, CASE, ("physics.fracture={in: [active], strength: -1 MPa}",
                                 "materials.active.Gc=1"))
    assert "physics.fracture.strength (from --set): given '-1 MPa'; must be greater than 0" \
        in msg
