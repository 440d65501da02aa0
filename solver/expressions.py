"""Material properties as formulas in the site fraction θ and the temperature T.

A case file may give e.g. ``E: "50 GPa * (1 - 0.43*theta)"``. The text is read by a small
tokenizer and recursive-descent parser (never ``eval``) with this grammar:

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/') unary)*
    unary   := ('-' | '+') unary | power            (so -2^2 = -4)
    power   := primary (('^' | '**') unary)?         (right-associative: 2^3^2 = 512)
    primary := NUMBER [UNIT] | NAME | FUNC '(' expr [',' expr] ')' | '(' expr ')'
    NAME    := theta | θ | T | pi                    (θ dimensionless, T in kelvin)
    FUNC    := exp | ln | log (natural) | log10 | sqrt | tanh | sinh | cosh | abs | min | max
    UNIT    := [('*' | '/')] ID [('^' | '**') ['-'] INT] (['*' | '/'] ID [('^' | '**') ['-'] INT])*

A UNIT is read greedily after its number while the next identifier is a pint unit that is not
a NAME or FUNC: "1e-15 m^2/s*theta" is (1e-15 m^2/s)·θ and "8.617e-5 V/K * T" is
(8.617e-5 V/K)·T. Numbers become SI magnitudes when parsed; the dimensions are then checked
once, and the formula evaluates with UFL (UFL_MATH) or numpy (NUMPY_MATH).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pint
import ufl

from solver.units import KINDS, ureg

__all__ = ["NUMPY_MATH", "UFL_MATH", "Formula", "FormulaError", "parse_formula"]

NAMES = {"theta": "theta", "θ": "theta", "T": "T", "pi": "pi"}
FUNCS = {"exp": 1, "ln": 1, "log": 1, "log10": 1, "sqrt": 1, "tanh": 1, "sinh": 1, "cosh": 1,
         "abs": 1, "min": 2, "max": 2}
_ANY_UNIT_FUNCS = {"sqrt", "abs", "min", "max"}  # the others need a dimensionless argument
_ALLOWED = ("allowed: theta (or θ), T, pi, numbers with units, + - * / ^ ( ) and the functions "
            "exp, ln, log, log10, sqrt, tanh, sinh, cosh, abs, min(a, b), max(a, b)")
_UNIT_HINT = "units are pint's and follow a number, e.g. '50 GPa', '1e-15 m^2/s', '0.1 V/K'"

NUMPY_MATH = SimpleNamespace(
    exp=np.exp, ln=np.log, log10=np.log10, sqrt=np.sqrt, tanh=np.tanh, sinh=np.sinh,
    cosh=np.cosh, abs=np.abs, min=np.minimum, max=np.maximum, pow=np.float_power)
UFL_MATH = SimpleNamespace(
    exp=ufl.exp, ln=ufl.ln, log10=lambda x: ufl.ln(x) / np.log(10), sqrt=ufl.sqrt,
    tanh=ufl.tanh, sinh=ufl.sinh, cosh=ufl.cosh, abs=abs, min=ufl.min_value,
    max=ufl.max_value, pow=operator.pow)

_NAMED_UNITS = {ureg.Unit(k.si).dimensionality: k.name for k in KINDS.values()} | {
    ureg.Unit(si).dimensionality: name for name, si in
    (("voltage", "V"), ("energy", "J"), ("molar energy", "J/mol"),
     ("current density", "A/m^2"))}


class FormulaError(ValueError):
    """A formula that cannot be read or has inconsistent units; names the column (1-based)."""

    def __init__(self, text: str, column: int, problem: str, hint: str = ""):
        self.text, self.column = text, column
        super().__init__(f"{text!r}: {problem} at column {column}" + (f"; {hint}" if hint else ""))


# --- syntax tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float  # SI magnitude
    unit: pint.Unit  # SI base units
    col: int


@dataclass(frozen=True)
class Name:
    name: str  # theta, T or pi
    col: int


@dataclass(frozen=True)
class Neg:
    arg: Any
    col: int


@dataclass(frozen=True)
class Call:
    func: str  # an attribute of the math namespace
    args: tuple
    col: int


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^
    left: Any
    right: Any
    col: int


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


# --- tokenizer ---------------------------------------------------------------------------------

class Token(NamedTuple):
    kind: str  # number, name, op or end
    text: str
    col: int


_TOKEN = re.compile(r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[^\W\d]\w*)"
                    r"|(?P<op>\*\*|[-+*/^(),])")


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an 'end' token; any other character is an error."""
    tokens, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return [*tokens, Token("end", "", pos + 1)]
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FormulaError(text, pos + 1, f"unexpected character {text[pos]!r}", _ALLOWED)
        tokens.append(Token(m.lastgroup, m.group(), pos + 1))
        pos = m.end()


def _is_unit(name: str) -> bool:
    """Whether `name` is a pint unit that is not one of the formula's names or functions."""
    if name in NAMES or name in FUNCS:
        return False
    try:
        return name in ureg
    except Exception:  # noqa: BLE001 (pint raises several kinds, e.g. on '__import__')
        return False


# --- parser ------------------------------------------------------------------------------------

class _Parser:
    """Recursive descent over the tokens of one formula; one method per grammar rule."""

    def __init__(self, text: str):
        self.text, self.tokens, self.i = text, tokenize(text), 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        self.i += 1
        return self.tokens[self.i - 1]

    def is_op(self, *ops: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "op" and tok.text in ops

    def error(self, col: int, problem: str, hint: str = "") -> FormulaError:
        return FormulaError(self.text, col, problem, hint)

    def unexpected(self, expected: str) -> FormulaError:
        """The error for the next token when `expected` was due."""
        tok = self.peek()
        if tok.kind == "end":
            return self.error(tok.col, "the formula ends early", f"expected {expected}")
        if tok.kind == "name" and not (tok.text in NAMES or tok.text in FUNCS
                                       or _is_unit(tok.text)):
            return self.error(tok.col, f"unknown unit or name {tok.text!r}", _ALLOWED)
        juxtaposed = tok.kind != "op" or tok.text == "("
        hint = "write '*' to multiply" if juxtaposed and expected.startswith("an operator") else ""
        return self.error(tok.col, f"expected {expected}, found {tok.text!r}", hint)

    def formula(self):
        if self.peek().kind == "end":
            raise self.error(1, "the formula is empty", "write e.g. '50 GPa * (1 - 0.43*theta)'")
        node = self.expr()
        if self.peek().kind != "end":
            raise self.unexpected("an operator")
        return node

    def expr(self):
        node = self.term()
        while self.is_op("+", "-"):
            op = self.take()
            node = BinOp(op.text, node, self.term(), op.col)
        return node

    def term(self):
        node = self.unary()
        while self.is_op("*", "/"):
            op = self.take()
            node = BinOp(op.text, node, self.unary(), op.col)
        return node

    def unary(self):
        if self.is_op("+", "-"):
            op = self.take()
            arg = self.unary()
            return Neg(arg, op.col) if op.text == "-" else arg
        return self.power()

    def power(self):
        base = self.primary()
        if self.is_op("^", "**"):
            op = self.take()
            return BinOp("^", base, self.unary(), op.col)
        return base

    def primary(self):
        tok = self.peek()
        if tok.kind == "number":
            return self.number()
        if tok.kind == "name":
            return self.name()
        if self.is_op("("):
            self.take()
            node = self.expr()
            self.close(tok)
            return node
        raise self.unexpected("a number, a name or '('")

    def close(self, opening: Token) -> None:
        """Consume the ')' matching `opening`."""
        if self.peek().kind == "end":
            raise self.error(opening.col, "unclosed '('", "add ')'")
        if not self.is_op(")"):
            raise self.unexpected("an operator or ')'")
        self.take()

    def name(self):
        tok = self.take()
        if tok.text in NAMES:
            return Name(NAMES[tok.text], tok.col)
        if tok.text in FUNCS:
            return self.call(tok)
        if _is_unit(tok.text):
            raise self.error(tok.col, f"unit {tok.text!r} does not follow a number", _UNIT_HINT)
        raise self.error(tok.col, f"unknown name {tok.text!r}", _ALLOWED)

    def call(self, func: Token):
        if not self.is_op("("):
            raise self.error(func.col, f"function {func.text!r} without '('",
                             f"write e.g. {func.text}(theta)")
        opening = self.take()
        args = [self.expr()]
        while self.is_op(","):
            self.take()
            args.append(self.expr())
        self.close(opening)
        if len(args) != FUNCS[func.text]:
            raise self.error(func.col, f"wrong number of arguments for {func.text}()",
                             f"it takes {FUNCS[func.text]}")
        return Call("ln" if func.text == "log" else func.text, tuple(args), func.col)

    def number(self):
        tok = self.take()
        q = ureg.Quantity(float(tok.text), self.unit()).to_base_units()
        return Num(float(f"{q.magnitude:.15g}"), q.units, tok.col)  # drop conversion noise

    def unit(self) -> pint.Unit:
        """The unit right after a number (dimensionless if none), read greedily."""
        unit = ureg.dimensionless
        while True:
            if self.peek().kind == "name" and _is_unit(self.peek().text):
                op = "*"
            elif (self.is_op("*", "/") and self.peek(1).kind == "name"
                  and _is_unit(self.peek(1).text)):
                op = self.take().text
            else:
                return unit
            factor = self.unit_name(self.take()) ** self.unit_exponent()
            unit = unit * factor if op == "*" else unit / factor

    def unit_name(self, tok: Token) -> pint.Unit:
        if ureg.Quantity(0.0, tok.text).to_base_units().magnitude != 0:
            raise self.error(tok.col, f"unit {tok.text!r} has an offset or a logarithmic scale",
                             "use a plain unit, e.g. K instead of degC")
        return ureg.Unit(tok.text)

    def unit_exponent(self) -> int:
        """An integer exponent such as '^2', '^-3' or '**2' right after a unit (else 1)."""
        sign = 1 if self.is_op("-", "+", ahead=1) else 0
        digits = self.peek(1 + sign)
        if not (self.is_op("^", "**") and digits.kind == "number" and digits.text.isdigit()):
            return 1
        self.take()
        negative = bool(sign) and self.take().text == "-"
        self.take()
        return -int(digits.text) if negative else int(digits.text)


# --- evaluation and units ----------------------------------------------------------------------

def evaluate(node, env: dict, math: SimpleNamespace):
    """The value of the tree `node` with the names in `env` and the functions of `math`."""
    match node:
        case Num():
            return node.value
        case Name():
            return env[node.name]
        case Neg():
            return -evaluate(node.arg, env, math)
        case Call():
            return getattr(math, node.func)(*(evaluate(a, env, math) for a in node.args))
        case BinOp(op="^"):
            return math.pow(evaluate(node.left, env, math), evaluate(node.right, env, math))
        case BinOp():
            return _BINARY[node.op](evaluate(node.left, env, math),
                                    evaluate(node.right, env, math))


def names(node) -> set[str]:
    """The names (theta, T, pi) used in the tree `node`."""
    match node:
        case Name():
            return {node.name}
        case Neg():
            return names(node.arg)
        case Call():
            return set().union(*map(names, node.args))
        case BinOp():
            return names(node.left) | names(node.right)
    return set()


def describe(unit: pint.Unit) -> str:
    """'a number', 'a pressure', ... or 'a quantity in kg*m^2/A/s^3' for messages."""
    if unit.dimensionless:
        return "a number"
    name = _NAMED_UNITS.get(unit.dimensionality)
    if name is None:
        return "a quantity in " + f"{unit:~C}".replace("**", "^")
    return ("an " if name[0] in "aeiou" else "a ") + name


def unit_of(node, text: str) -> pint.Unit:
    """The SI base unit of the tree `node`; FormulaError where the units do not agree."""
    match node:
        case Num():
            return node.unit
        case Name():
            return ureg.kelvin if node.name == "T" else ureg.dimensionless
        case Neg():
            return unit_of(node.arg, text)
        case Call():
            return _call_unit(node, [unit_of(a, text) for a in node.args], text)
        case BinOp(op="^"):
            return _power_unit(node, text)
        case BinOp(op="+" | "-"):
            left, right = unit_of(node.left, text), unit_of(node.right, text)
            if left.dimensionality != right.dimensionality:
                verb = "adds" if node.op == "+" else "subtracts"
                raise FormulaError(text, node.col, f"'{node.op}' {verb} {describe(left)} and "
                                   f"{describe(right)}", "both sides need the same unit")
            return left
        case BinOp():
            return _BINARY[node.op](unit_of(node.left, text), unit_of(node.right, text))


def _call_unit(node: Call, args: list[pint.Unit], text: str) -> pint.Unit:
    if node.func not in _ANY_UNIT_FUNCS and not args[0].dimensionless:
        raise FormulaError(text, node.col, f"{node.func}() is applied to {describe(args[0])}",
                           "its argument must be dimensionless")
    if len(args) == 2 and args[0].dimensionality != args[1].dimensionality:
        raise FormulaError(text, node.col, f"{node.func}() compares {describe(args[0])} and "
                           f"{describe(args[1])}", "both arguments need the same unit")
    return args[0] ** 0.5 if node.func == "sqrt" else args[0]


def _power_unit(node: BinOp, text: str) -> pint.Unit:
    base, exponent = unit_of(node.left, text), unit_of(node.right, text)
    if not exponent.dimensionless:
        raise FormulaError(text, node.col, f"the exponent is {describe(exponent)}",
                           "exponents must be dimensionless")
    if base.dimensionless:
        return base
    power = None if names(node.right) - {"pi"} else evaluate(node.right, {"pi": np.pi},
                                                             NUMPY_MATH)
    if power is None or not float(power).is_integer():
        raise FormulaError(text, node.col, f"'^' raises {describe(base)} to a non-integer or "
                           "varying power", "only a dimensionless base may have one")
    return base ** int(power)


# --- the formula -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A parsed, unit-checked formula giving a value in `si_unit` from θ and T (in K)."""

    text: str
    si_unit: str
    tree: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        target = ureg.Quantity(1.0, self.si_unit).to_base_units()
        if not np.isclose(target.magnitude, 1.0, rtol=1e-12):
            raise ValueError(f"si_unit {self.si_unit!r} is not a coherent SI unit")
        try:
            tree = _Parser(self.text).formula()
            unit = unit_of(tree, self.text)
        except RecursionError:
            raise FormulaError(self.text, 1, "the formula is nested too deeply") from None
        if unit.dimensionality != target.dimensionality:
            needed = describe(target.units) + (f" ({self.si_unit})" if self.si_unit else "")
            raise FormulaError(self.text, 1, f"the formula gives {describe(unit)} where "
                               f"{needed} is needed")
        object.__setattr__(self, "tree", tree)

    def __call__(self, theta, T, math: SimpleNamespace = NUMPY_MATH):
        """The value in `si_unit`: UFL with UFL_MATH, numpy (or float) with NUMPY_MATH.

        `math` provides exp, ln, log10, sqrt, tanh, sinh, cosh, abs, min, max and pow ('^').
        """
        return evaluate(self.tree, {"theta": theta, "T": T, "pi": np.pi}, math)

    def depends_on(self) -> set[str]:
        """Which of 'theta' and 'T' the formula uses."""
        return names(self.tree) - {"pi"}


def parse_formula(text: str, si_unit: str) -> Formula:
    """The Formula for `text`, whose value must have the unit `si_unit` ('' if dimensionless)."""
    return Formula(text, si_unit)
