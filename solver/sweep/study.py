"""Study files: a base case and values of some of its keys, expanded into the cases of a study.

The values of a key are a list, a range, or Latin-hypercube bounds; quantities may carry units.
Each combination is a case loaded as load_case(base, overrides), with a key that names it
(`radius-50nm_c_rate-1`); errors name the key and its line in the study file, or the case.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag
from pydantic import ValidationError, model_validator
from pydantic_core import PydanticCustomError

# the case file's message pieces, so both files report alike
from solver.case import (Case, CaseError, dotted, join_problems, key_location, load_case,
                         read_yaml, show_value, suggest_key, unknown_key)
from solver.schema import NAME_PATTERN
from solver.units import parse_c_rate, ureg


# ---------------------------------------------------------------- the study file
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_AMOUNT = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>.*?)\s*$")


def _amount(value: Any) -> tuple[float, str]:
    """A number, or a string 'number unit' (e.g. '50 nm') -> (number, unit text)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), ""
    match = _AMOUNT.match(value) if isinstance(value, str) else None
    if match:
        try:
            ureg.parse_units(match["unit"])
            return float(match["number"]), match["unit"]
        except Exception:  # pint raises many kinds: undefined unit, syntax
            pass
    raise PydanticCustomError("case", "{given} is not a number or a number with a unit, e.g. "
                              "'50 nm'", {"given": repr(value)})


Amount = Annotated[tuple[float, str], BeforeValidator(_amount)]


def _in_unit_of(first: tuple[float, str], second: tuple[float, str]) -> tuple[float, str]:
    """``second`` in the unit of ``first``."""
    (_, unit), (number, other) = first, second
    if unit == other:
        return second
    try:
        if "" in (unit, other):
            raise ValueError
        return float(ureg.Quantity(number, other).to(unit).magnitude), unit
    except Exception:  # a missing unit, or pint's DimensionalityError
        raise PydanticCustomError("case", "give both ends in units of the same kind; given "
                                  "{a} and {b}", {"a": repr(unit or "no unit"),
                                                  "b": repr(other or "no unit")}) from None


def _interval(low: tuple[float, str], high: tuple[float, str], log: bool) -> tuple[float, str]:
    """``high`` in the unit of ``low``, checked for a log scale."""
    high = _in_unit_of(low, high)
    if log and (low[0] <= 0 or high[0] <= 0):
        raise PydanticCustomError("case", "a log scale needs positive ends; given {a} and {b}",
                                  {"a": low[0], "b": high[0]})
    return high


class Range(_Model):
    """Evenly spaced values, ``range: [start, stop, num]`` (both ends included)."""

    range: tuple[Amount, Amount, Annotated[int, Field(ge=1)]]
    log: bool = Field(False, description="space the values evenly in log (geomspace)")

    @model_validator(mode="after")
    def _units(self) -> Range:
        start, stop, num = self.range
        self.range = (start, _interval(start, stop, self.log), num)
        return self

    def values(self) -> list[Value]:
        (start, unit), (stop, _), num = self.range
        spaced = np.geomspace if self.log else np.linspace
        return [_generated(x, unit) for x in spaced(start, stop, num)]


class Bounds(_Model):
    """An interval the Latin hypercube samples (mode: lhs)."""

    min: Amount
    max: Amount
    scale: Literal["linear", "log"] = Field("linear", description="log: sample log-uniformly")

    @model_validator(mode="after")
    def _units(self) -> Bounds:
        self.max = _interval(self.min, self.max, self.scale == "log")
        if self.max[0] <= self.min[0]:
            raise PydanticCustomError("case", "max must exceed min; given {a} and {b}",
                                      {"a": self.min[0], "b": self.max[0]})
        return self

    def at(self, fraction: float) -> Value:
        """The value at ``fraction`` (0 to 1) of the interval, on its scale."""
        (low, unit), (high, _) = self.min, self.max
        if self.scale == "log":
            return _generated(low * (high / low) ** fraction, unit)
        return _generated(low + fraction * (high - low), unit)


def _shape(value: Any) -> str | None:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "range" if "range" in value else "bounds" if {"min", "max"} & set(value) else None
    return None


Values = Annotated[
    Union[Annotated[list[Any], Field(min_length=1), Tag("list")],
          Annotated[Range, Tag("range")], Annotated[Bounds, Tag("bounds")]],
    Discriminator(_shape, custom_error_type="case", custom_error_message=(
        "give a list of values, {range: [start, stop, num]} or, for mode lhs, "
        "{min: ..., max: ...}"))]
_TAGS = ("list", "range", "bounds")


class StudyOutput(_Model):
    """Where the study writes."""

    dir: Optional[str] = Field(None, description="study directory; null = results/NAME")


class StudyFile(_Model):
    """A parameter study: a base case and values of some of its keys."""

    name: str = Field(pattern=NAME_PATTERN, description="study name (letters, digits, _.+-)")
    base: str = Field(description="base case file, relative to the study file")
    output: StudyOutput = Field(default_factory=StudyOutput, description="output settings")
    mode: Literal["grid", "zip", "lhs"] = Field(
        "grid", description="grid: every combination; zip: the i-th values together; "
                            "lhs: a Latin hypercube of `samples` cases")
    samples: Optional[int] = Field(None, ge=1, description="number of cases (lhs)")
    seed: int = Field(0, description="random seed (lhs): the same seed gives the same cases")
    parameters: dict[str, Values] = Field(min_length=1, description="dotted case path -> values")


# ---------------------------------------------------------------- cases of a study
@dataclass(frozen=True)
class Value:
    """A parameter value: as the case file receives it, and as a label in the case's key."""

    given: Any
    label: str


def _generated(number: float, unit: str) -> Value:
    x = float(number)
    return Value(f"{x!r} {unit}" if unit else x, _sanitize(f"{x:.4g}{unit}"))


def _listed(value: Any) -> Value:
    if isinstance(value, bool):
        label = str(value).lower()
    elif isinstance(value, (int, float)):
        label = f"{value:.4g}"
    else:
        label = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return Value(value, _sanitize(label))


def _sanitize(text: str) -> str:
    """Text usable in a directory and case name: '50 nm' -> '50nm', 'C/10' -> 'C_10'."""
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text.replace(" ", "")).strip("_")


@dataclass(frozen=True)
class StudyCase:
    """One case of a study: its key, the --set overrides, the values (SI) and the case."""

    index: int
    key: str
    overrides: tuple[str, ...]
    values: dict[str, Any]
    case: Case


@dataclass(frozen=True)
class Study:
    """A loaded study: its file, name, directory, parameter paths and cases."""

    file: Path
    name: str
    folder: Path
    parameters: tuple[str, ...]
    cases: tuple[StudyCase, ...]

    def case_dir(self, index: int) -> Path:
        return self.folder / "cases" / self.cases[index].key


def load_study(path: str | Path) -> Study:
    """Read and validate a study file and every case it makes; CaseError on any problem."""
    path = Path(path)
    data, lines = read_yaml(path, "study", "name, base, mode, parameters, ...")
    try:
        spec = StudyFile.model_validate(data)
    except ValidationError as err:
        raise CaseError(_report(err, path, lines)) from None
    base = path.parent / spec.base
    if not base.is_file():
        raise CaseError(f"{path}: base ({key_location(('base',), lines, set())}): {base} does not "
                        "exist (the path is relative to the study file)")
    combinations = _combinations(spec, path, lines)
    names = _short_names(list(spec.parameters))
    for j, parameter in enumerate(spec.parameters):  # each path fits the base case
        try:
            load_case(base, [_override(parameter, combinations[0][j].given)])
        except CaseError as err:
            raise CaseError(f"{path}: parameters.{parameter} "
                            f"({key_location(('parameters', parameter), lines, set())}) does not fit "
                            f"the base case: {err}") from None
    width = len(str(len(combinations) - 1))
    cases, keys = [], set()
    for i, values in enumerate(combinations):
        sample = [f"s{i:0{width}d}"] if spec.mode == "lhs" else []
        key = "_".join(sample + [f"{names[p]}-{v.label}" for p, v in zip(spec.parameters, values)])
        if key in keys:
            raise CaseError(f"{path}: two cases have the key {key}; remove the repeated value")
        keys.add(key)
        overrides = tuple(_override(p, v.given) for p, v in zip(spec.parameters, values))
        try:
            case = load_case(base, [*overrides, _override("name", f"{spec.name}-{key}")])
        except CaseError as err:
            raise CaseError(f"{path}: case {key} ({', '.join(overrides)}): {err}") from None
        cases.append(StudyCase(i, key, overrides, {p: _si(case, p, v.given) for p, v in zip(
            spec.parameters, values)}, case))
    folder = Path(spec.output.dir if spec.output.dir is not None else f"results/{spec.name}")
    return Study(path, spec.name, folder, tuple(spec.parameters), tuple(cases))


def _combinations(spec: StudyFile, path: Path, lines: dict) -> list[list[Value]]:
    """The values of every case, in the order of the parameters."""
    def fail(parameter: str, message: str) -> CaseError:
        where = key_location(("parameters", parameter), lines, set())
        return CaseError(f"{path}: parameters.{parameter} ({where}): {message}")

    given = spec.parameters
    if spec.mode == "lhs":
        for p, v in given.items():
            if not isinstance(v, Bounds):
                raise fail(p, "mode lhs samples intervals: give {min: ..., max: ...}")
        if spec.samples is None:
            raise CaseError(f"{path}: mode lhs ({key_location(('mode',), lines, set())}) needs "
                            "samples: N, the number of cases")
        return _latin_hypercube(list(given.values()), spec.samples, spec.seed)
    for p, v in given.items():
        if isinstance(v, Bounds):
            raise fail(p, f"{{min, max}} intervals are for mode lhs; mode {spec.mode} takes a "
                          "list of values or {range: [start, stop, num]}")
    columns = {p: v.values() if isinstance(v, Range) else [_listed(x) for x in v]
               for p, v in given.items()}
    if spec.mode == "zip":
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            first = next(iter(columns))
            odd = next(p for p, c in columns.items() if len(c) != len(columns[first]))
            raise fail(odd, f"mode zip needs as many values for every parameter; it has "
                            f"{len(columns[odd])}, {first} has {len(columns[first])}")
        return [list(row) for row in zip(*columns.values())]
    return [list(row) for row in itertools.product(*columns.values())]


def _latin_hypercube(bounds: list[Bounds], samples: int, seed: int) -> list[list[Value]]:
    """``samples`` points; each interval is cut into ``samples`` equal bins (on its scale) and
    every bin holds exactly one point."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed)).random(samples)
    return [[b.at(x) for b, x in zip(bounds, point)] for point in unit]


def _short_names(paths: list[str]) -> dict[str, str]:
    """The shortest tail of each dotted path that tells it from the others (with the parent
    of a list index): geometry.radius -> radius, protocol.steps.0.insert.c_rate -> c_rate."""
    parts = {p: p.split(".") for p in paths}
    depth = {p: 2 if parts[p][-1].isdigit() and len(parts[p]) > 1 else 1 for p in paths}
    while True:
        names = {p: ".".join(parts[p][-depth[p]:]) for p in paths}
        clashes = [p for p in paths
                   if list(names.values()).count(names[p]) > 1 and depth[p] < len(parts[p])]
        if not clashes:
            return names
        for p in clashes:
            depth[p] += 1


def _override(path: str, value: Any) -> str:
    """`--set` text for ``value`` (JSON is YAML, so the case file reads back the same)."""
    return f"{path}={json.dumps(value)}"


def _si(case: Case, path: str, given: Any) -> Any:
    """The value of ``path`` in SI: as the validated case holds it, else converted from the
    given text ('50 nm' -> 5e-08, 'C/10' -> 0.1), else as given."""
    node: Any = case
    try:
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, (list, tuple)) else \
                node[part] if isinstance(node, dict) else getattr(node, part)
    except (AttributeError, KeyError, IndexError, ValueError):
        node = None
    if isinstance(node, (int, float, str)):
        return node
    if isinstance(given, str) and _AMOUNT.match(given):
        try:
            return float(f"{ureg.Quantity(given).to_base_units().magnitude:.15g}")
        except Exception:  # pint raises many kinds; then try a C-rate
            pass
    try:
        return parse_c_rate(given)
    except PydanticCustomError:
        return given


def _report(err: ValidationError, file: Path, lines: dict) -> str:
    """One paragraph on every problem, each with its key and line (a key missing because it
    is misspelt is reported once, as the misspelling)."""
    errors = [(e, _in_data(e["loc"])) for e in err.errors()]
    misspelt = {(*path[:-1], suggest_key(str(path[-1]), _valid_keys(path[:-1])))
                for e, path in errors if e["type"] == "extra_forbidden"}
    problems = []
    for e, path in errors:
        where = key_location(path, lines, set())
        at = f"{dotted(path)} ({where})" if where else dotted(path)
        if e["type"] == "extra_forbidden":
            valid = _valid_keys(path[:-1])
            text = unknown_key(str(path[-1]), at, valid, suggest_key(str(path[-1]), valid))
        elif e["type"] == "missing" and path in misspelt:
            continue
        elif e["type"] == "missing":
            text = f"{at}: required key is missing"
        elif e["type"] == "case":
            text = f"{at}: {e['msg']}"
        elif e["type"] == "literal_error":
            text = f"{at}: {show_value(e['input'])} is not allowed; allowed: {e['ctx']['expected']}"
        else:
            text = f"{at}: given {show_value(e['input'])}; " + \
                e["msg"].replace("Input should be", "must be")
        if text not in problems:
            problems.append(text)
    return join_problems(file, problems)


def _in_data(loc: tuple) -> tuple:
    """The YAML key path of a pydantic error location: without the union tag that follows a
    parameter's path."""
    if loc[:1] == ("parameters",) and len(loc) > 2 and loc[2] in _TAGS:
        return loc[:2] + loc[3:]
    return loc


def _valid_keys(parent: tuple) -> list[str]:
    if not parent:
        return list(StudyFile.model_fields)
    if parent == ("output",):
        return list(StudyOutput.model_fields)
    return list(dict.fromkeys([*Range.model_fields, *Bounds.model_fields]))
