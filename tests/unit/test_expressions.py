"""Formulas in θ and T: grammar, units to SI, dimension checks, safety, numpy and UFL agree."""

import numpy as np
import pytest
from scipy.integrate import quad

import solver.mpi_env  # noqa: F401  (before dolfinx in the UFL tests)
from solver.expressions import NUMPY_MATH, UFL_MATH, FormulaError, parse_formula


@pytest.mark.parametrize("text, value", [
    ("2^3^2", 512), ("2**3**2", 512), ("-2^2", -4), ("2*3+4", 10), ("2+3*4", 14),
    ("1/2/4", 0.125), ("2-3-4", -5), ("2^-1", 0.5), ("(2+3)*4", 20), ("-(-3)", 3),
    ("+2", 2), ("2 - -1", 3), ("  1.5e1 ", 15), (".5", 0.5), ("2.", 2),
])
def test_precedence_and_associativity(text, value):
    assert parse_formula(text, "")(0.5, 300.0) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text, si, theta, T, value", [
    ("50 GPa*(1-0.43*theta)", "Pa", 0.5, 300.0, 50e9 * (1 - 0.215)),
    ("1e-15 m^2/s*theta", "m^2/s", 0.3, 300.0, 3e-16),
    ("8.617e-5 V/K * T", "V", 0.5, 300.0, 8.617e-5 * 300),
    ("0.5 V - 8.617e-5 V/K * T * ln(theta/(1-theta))", "V", 0.25, 300.0,
     0.5 - 8.617e-5 * 300 * np.log(1 / 3)),
    ("1e-16 m^2/s * exp(3*theta)", "m^2/s", 0.5, 300.0, 1e-16 * np.exp(1.5)),
    ("250 nm", "m", 0.5, 300.0, 2.5e-7),
    ("9.8 cm^3/mol", "m^3/mol", 0.5, 300.0, 9.8e-6),
    ("2.6e5 mol/m^3", "mol/m^3", 0.5, 300.0, 2.6e5),
    ("1 mol * m^-3", "mol/m^3", 0.5, 300.0, 1.0),
    ("1e-3/s", "1/s", 0.5, 300.0, 1e-3),
    ("2*m + 1 m**-2 m^3", "m", 0.5, 300.0, 3.0),
    ("2 J/mol/K * T", "J/mol", 0.5, 300.0, 600.0),
    ("6 m/2 s", "m/s", 0.5, 300.0, 3.0),  # a number's unit binds before '/'
    ("2 m^2", "m^2", 0.5, 300.0, 2.0),  # the exponent belongs to the unit
    ("(2 m)^2", "m^2", 0.5, 300.0, 4.0),
    ("sqrt(1e-15 m^2/s * 100 s)", "m", 0.5, 300.0, np.sqrt(1e-13)),
    ("1 K + 0 * T", "K", 0.5, 300.0, 1.0),
])
def test_units_to_si(text, si, theta, T, value):
    assert parse_formula(text, si)(theta, T) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, expected", [
    ("exp(theta)", np.exp(0.3)), ("ln(theta)", np.log(0.3)), ("log(theta)", np.log(0.3)),
    ("log10(theta)", np.log10(0.3)), ("sqrt(theta)", np.sqrt(0.3)),
    ("tanh(theta)", np.tanh(0.3)), ("sinh(theta)", np.sinh(0.3)), ("cosh(theta)", np.cosh(0.3)),
    ("abs(theta - 1)", 0.7), ("min(theta, 0.5)", 0.3), ("max(theta, 0.5)", 0.5),
    ("pi * θ", np.pi * 0.3), ("theta^pi", 0.3**np.pi), ("2^theta", 2**0.3),
    ("exp(-(T/(300 K) - 1)^2)", 1.0),
])
def test_functions(text, expected):
    assert parse_formula(text, "")(0.3, 300.0) == pytest.approx(expected, rel=1e-14)


def test_arrays_and_dependencies():
    f = parse_formula("0.5 V - 8.617e-5 V/K * T * ln(θ/(1-θ))", "V")
    theta = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(f(theta, 300.0, NUMPY_MATH),
                               0.5 - 8.617e-5 * 300 * np.log(theta / (1 - theta)), rtol=1e-14)
    assert f.depends_on() == {"theta", "T"}
    assert parse_formula("50 GPa * (1 - 0.43*theta)", "Pa").depends_on() == {"theta"}
    assert parse_formula("2 * pi", "").depends_on() == set()
    assert parse_formula("1 m", "m") == parse_formula("1 m", "m") != parse_formula("1 nm", "m")


@pytest.mark.parametrize("text, si, column, message", [
    # dimensions
    ("50 GPa * theta + 1", "Pa", 16, "'+' adds a pressure and a number"),
    ("1 m - 1 s", "m", 5, "'-' subtracts a length and a time"),
    ("1e-15 m^2/s*theta", "Pa", 1, "gives a diffusivity where a pressure (Pa) is needed"),
    ("theta", "K", 1, "gives a number where a temperature (K) is needed"),
    ("2 m", "", 1, "gives a length where a number is needed"),
    ("exp(1 m)", "", 1, "exp() is applied to a length"),
    ("0.1 V * ln(T)", "V", 9, "ln() is applied to a temperature"),
    ("min(1 m, theta)", "m", 1, "min() compares a length and a number"),
    ("2^(1 m)", "", 2, "the exponent is a length"),
    ("(1 m)^0.5", "m", 6, "raises a length to a non-integer or varying power"),
    ("(1 m)^theta", "m", 6, "raises a length to a non-integer or varying power"),
    ("20 degC", "K", 4, "unit 'degC' has an offset"),
    ("1 dB", "", 3, "unit 'dB' has an offset or a logarithmic scale"),
    ("1 T", "", 3, "expected an operator, found 'T'"),  # T is the temperature, never tesla
    # names
    ("thta", "", 1, "unknown name 'thta'"),
    ("1 + thta", "", 5, "unknown name 'thta'"),
    ("foo(theta)", "", 1, "unknown name 'foo'"),
    ("50 GPx", "Pa", 4, "unknown unit or name 'GPx'"),
    ("theta * m", "", 9, "unit 'm' does not follow a number"),
    # syntax
    ("", "", 1, "the formula is empty"),
    ("   ", "", 1, "the formula is empty"),
    ("1 +", "", 4, "the formula ends early"),
    ("(1 + theta", "", 1, "unclosed '('"),
    ("min(theta, 1", "", 4, "unclosed '('"),
    ("1 + theta)", "", 10, "expected an operator, found ')'"),
    ("1 2", "", 3, "expected an operator, found '2'"),
    ("2theta", "", 2, "expected an operator, found 'theta'"),
    ("(1 2)", "", 4, "expected an operator or ')', found '2'"),
    ("2 * * 3", "", 5, "expected a number, a name or '(', found '*'"),
    ("exp theta", "", 1, "function 'exp' without '('"),
    ("min(theta)", "", 1, "wrong number of arguments for min()"),
    ("exp(theta, 1)", "", 1, "wrong number of arguments for exp()"),
    ("1, 2", "", 2, "expected an operator, found ','"),
    ("(" * 400 + "1" + ")" * 400, "", 1, "nested too deeply"),
    # safety: nothing of Python's own syntax gets through
    ("__import__('os')", "", 12, "unexpected character \"'\""),
    ("__import__", "", 1, "unknown name '__import__'"),
    ("theta.real", "", 6, "unexpected character '.'"),
    ("[1]", "", 1, "unexpected character '['"),
    ("'a'", "", 1, "unexpected character \"'\""),
    ("theta; 1", "", 6, "unexpected character ';'"),
    ("lambda: 1", "", 7, "unexpected character ':'"),
])
def test_errors_name_the_problem_and_column(text, si, column, message):
    with pytest.raises(FormulaError) as err:
        parse_formula(text, si)
    assert err.value.column == column
    assert message in str(err.value) and f"at column {column}" in str(err.value)


def test_si_unit_must_be_coherent():
    with pytest.raises(ValueError, match="not a coherent SI unit"):
        parse_formula("1 GPa", "GPa")


@pytest.fixture(scope="module")
def unit_interval():
    import dolfinx
    from mpi4py import MPI

    return dolfinx.mesh.create_unit_interval(MPI.COMM_SELF, 4)


def _integral(expr, mesh) -> float:
    import dolfinx
    import ufl

    dx = ufl.dx(domain=mesh, metadata={"quadrature_degree": 12})
    return dolfinx.fem.assemble_scalar(dolfinx.fem.form(expr * dx))


def test_ufl_integral_matches_numpy_quadrature(unit_interval):
    import ufl

    f = parse_formula("1e-16 m^2/s * exp(3*theta) * (1 + 0.5*tanh(4*(theta - 0.5)))"
                      " + 1e-17 m^2/s * max(theta, 0.5)^2 / sqrt(1 + θ) * T/(300 K)", "m^2/s")
    expr = f(ufl.SpatialCoordinate(unit_interval)[0], 300.0, UFL_MATH)
    assert isinstance(expr, ufl.core.expr.Expr)

    def by_hand(x):
        return (1e-16 * np.exp(3 * x) * (1 + 0.5 * np.tanh(4 * (x - 0.5)))
                + 1e-17 * np.maximum(x, 0.5) ** 2 / np.sqrt(1 + x))

    exact, _ = quad(by_hand, 0, 1, points=[0.5], epsabs=0, epsrel=1e-13)
    assert _integral(expr, unit_interval) == pytest.approx(exact, rel=1e-10)


def test_numpy_and_ufl_agree(unit_interval):
    from dolfinx import fem

    f = parse_formula("exp(theta) + ln(T/(300 K)) + log(1 + theta) + log10(T/(1 K))"
                      " + sqrt(theta) + tanh(theta) + sinh(theta) + cosh(theta)"
                      " + abs(theta - 0.6) + min(theta, 0.5) - max(theta, 0.5)"
                      " + theta^pi + 2^-theta - pi*θ*T/(300 K)", "")
    theta, T = fem.Constant(unit_interval, 0.0), fem.Constant(unit_interval, 0.0)
    expr = f(theta, T, UFL_MATH)
    for theta.value, T.value in ((0.2, 250.0), (0.5, 300.0), (0.9, 350.0)):
        expected = f(float(theta.value), float(T.value), NUMPY_MATH)
        assert _integral(expr, unit_interval) == pytest.approx(expected, rel=1e-13)
