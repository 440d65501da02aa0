"""Case files: load (with line numbers and --set overrides), dump, and document.

The models live in solver.schema and are re-exported here; all values are SI after loading.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from solver.schema import (BoxGeometry, Case, FieldOutput, Initial, Material, MeshSpec, Newton,
                           Output, Physics, Probe, Protocol, SolverSpec, SphereGeometry, Step,
                           TimeStep)
from solver.units import QuantityKind

__all__ = ["BoxGeometry", "Case", "CaseError", "FieldOutput", "Initial", "Material", "MeshSpec",
           "Newton", "Output", "Physics", "Probe", "Protocol", "SolverSpec", "SphereGeometry",
           "Step", "TimeStep", "dump_case", "load_case", "reference_markdown"]

Path_ = tuple[str | int, ...]
_OWN_ERRORS = {"case", "quantity", "c_rate"}


class CaseError(Exception):
    """Invalid input; the message is one user-facing paragraph."""


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader that also reads 1e-8 (no dot, YAML 1.2 style) as a float."""


_Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                              re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
                              list("-+0123456789."))


# ---------------------------------------------------------------- loading
def load_case(path: str | Path, overrides: Sequence[str] = ()) -> Case:
    """Read, override (`a.b.0.c=value`) and validate a case file; CaseError on any problem."""
    path = Path(path)
    data, lines = read_yaml(path, "case", "name, geometry, chemistry, materials, protocol, ...")
    overridden: set[Path_] = set()
    for text_ in overrides:
        overridden.add(_apply_override(data, text_))
    geometry = data.get("geometry")
    if isinstance(geometry, dict) and isinstance(geometry.get("path"), str):
        # a mesh or image file, relative to the case file's folder
        given = Path(geometry["path"]).expanduser()
        resolved = given if given.is_absolute() else (path.parent / given).resolve()
        if not resolved.is_file():
            where = "--set" if ("geometry", "path") in overridden else \
                f"line {lines.get(('geometry', 'path'), '?')}"
            raise CaseError(f"{path}: geometry.path ({where}): {resolved} does not exist")
        geometry["path"] = str(resolved)
    try:
        return Case.model_validate(data)
    except ValidationError as err:
        raise CaseError(_report(err, path, data, lines, overridden)) from None


def read_yaml(path: Path, what: str, keys: str) -> tuple[dict[str, Any], dict[Path_, int]]:
    """The mapping in the YAML file ``path`` (a ``what`` file whose top-level ``keys`` the
    message names) and the line of each key; CaseError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(f"{what} file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CaseError(f"cannot read {what} file {path}: {e}") from None
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseError(f"{path}: YAML syntax error{where}: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise CaseError(f"{path}: YAML syntax error: {e}") from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise CaseError(f"{path}: a {what} file must be a mapping of keys ({keys}); found {found}")
    lines: dict[Path_, int] = {}
    _line_map(root, (), lines, path)
    return data, lines


def dotted(path: Path_) -> str:
    return ".".join(map(str, path)) or "(top level)"


def _line_map(node: yaml.Node | None, at: Path_, out: dict[Path_, int], file: Path) -> None:
    """Record the 1-based line of every key and list item; CaseError on duplicate keys."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            sub = (*at, key.value)
            if sub in out:
                raise CaseError(f"{file}: duplicate key {key.value!r} at {dotted(sub)} (lines "
                                f"{out[sub]} and {key.start_mark.line + 1}); keep one of them")
            out[sub] = key.start_mark.line + 1
            _line_map(value, sub, out, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*at, i)] = item.start_mark.line + 1
            _line_map(item, (*at, i), out, file)


def _apply_override(data: dict[str, Any], text: str) -> Path_:
    """Set `key.path=value` in data (value parsed as YAML); return the path set."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CaseError(f"--set {text!r}: write key.path=value, "
                        "e.g. --set geometry.radius='300 nm'")
    try:
        value = yaml.load(raw, Loader=_Loader)
    except yaml.YAMLError:
        value = raw
    node: Any = data
    walked: list[str | int] = []
    parts = key.strip().split(".")
    for i, part in enumerate(parts):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise CaseError(f"--set {text!r}: {dotted(tuple(walked))} is a list of "
                                f"{len(node)} items; {part!r} is not an index of it")
            k: str | int = int(part)
        elif isinstance(node, dict):
            k = part
        else:
            raise CaseError(f"--set {text!r}: {dotted(tuple(walked))} is a value "
                            f"({node!r}), not a mapping or list")
        walked.append(k)
        if i == len(parts) - 1:
            node[k] = value
        else:
            if isinstance(node, dict) and node.get(k) is None:
                node[k] = {}
            node = node[k]
    return tuple(walked)


# ---------------------------------------------------------------- error messages
def _report(err: ValidationError, file: Path, data: dict[str, Any], lines: dict[Path_, int],
            overridden: set[Path_]) -> str:
    errors = []
    for e in err.errors():
        path = _clean_loc(e["loc"], data)
        ctx = e.get("ctx") or {}
        if "key" in ctx:
            path = (*path, *(int(k) if k.isdigit() else k for k in ctx["key"].split(".")))
        valid = []
        if e["type"] in ("extra_forbidden", "unknown_key"):
            valid = ctx.get("valid") or _valid_keys(path[:-1], data)
        errors.append((e, path, valid, suggest_key(str(path[-1]), valid) if valid else None))
    misspelt = {(*path[:-1], hint) for _, path, _, hint in errors if hint}
    problems: list[str] = []
    for e, path, valid, hint in errors:
        where = key_location(path, lines, overridden)
        at = f"{dotted(path)} ({where})" if where else dotted(path)
        kind = e["type"]
        if valid:
            text = unknown_key(str(path[-1]), at, valid, hint)
        elif kind == "missing" and path in misspelt:
            continue
        elif kind == "missing":
            text = f"{at}: required key is missing"
        elif kind in _OWN_ERRORS:
            text = f"{at}: {e['msg']}"
        elif kind == "literal_error":
            text = f"{at}: {show_value(e['input'])} is not allowed; allowed: {ctx['expected']}"
        else:
            rule = e["msg"].replace("Input should be", "must be")
            text = f"{at}: given {show_value(e['input'])}; {rule}"
        if text not in problems:
            problems.append(text)
    return join_problems(file, problems)


def join_problems(file: Path, problems: Sequence[str]) -> str:
    """One message for the problems found in ``file``: the problem, or all of them numbered."""
    if len(problems) == 1:
        return f"{file}: {problems[0]}"
    return f"{file} has {len(problems)} problems: " + " ".join(
        f"({i}) {p}." for i, p in enumerate(problems, 1))


def suggest_key(key: str, valid: Sequence[str]) -> str | None:
    """The valid key nearest to `key` (case-insensitive), if any is close."""
    lower = {v.lower(): v for v in valid}
    close = difflib.get_close_matches(key.lower(), list(lower), n=1, cutoff=0.6)
    return lower[close[0]] if close else None


def unknown_key(key: str, at: str, valid: Sequence[str], hint: str | None) -> str:
    mean = f"; did you mean {hint!r}?" if hint else ";"
    return f"unknown key {key!r} at {at}{mean} valid keys: {', '.join(valid)}"


def show_value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def key_location(path: Path_, lines: dict[Path_, int], overridden: set[Path_]) -> str | None:
    """'line N' of the key (or of its nearest present parent), 'from --set', or None."""
    for n in range(len(path), 0, -1):
        if path[:n] in overridden:
            return "from --set"
        if path[:n] in lines:
            return f"line {lines[path[:n]]}"
    return None


def _clean_loc(loc: tuple[str | int, ...], data: Any) -> Path_:
    """Map a pydantic error location to the YAML key path (drop union tags)."""
    out: list[str | int] = []
    node = data
    for k in loc:
        if isinstance(node, dict):
            if k in node:
                out.append(k)
                node = node[k]
                continue
            if k == node.get("kind") or k in ("active", "elastic"):  # discriminated-union tag
                continue
            out.append(k)  # a missing key
        elif isinstance(node, list) and isinstance(k, int) and k < len(node):
            out.append(k)
            node = node[k]
            continue
        break
    return tuple(out)


def _unwrap(tp: Any, node: Any) -> Any:
    """Strip Annotated/Optional; pick the union member matching node's `kind`."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            kind = node.get("kind") if isinstance(node, dict) else None
            tp = next((m for m in members if _is_model(m) and "kind" in m.model_fields
                       and kind in get_args(m.model_fields["kind"].annotation)), members[0])
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _valid_keys(path: Path_, data: Any) -> list[str]:
    """Keys allowed in the mapping at `path`."""
    tp: Any = Case
    node = data
    for k in path:
        tp = _unwrap(tp, node)
        if _is_model(tp) and k in tp.model_fields:
            tp = tp.model_fields[k].annotation
        elif get_origin(tp) in (list, dict):
            tp = get_args(tp)[-1]
        else:
            return []
        node = node[k] if isinstance(node, (dict, list)) and _has(node, k) else None
    tp = _unwrap(tp, node)
    if not _is_model(tp):
        return []
    return (["from"] if tp is Material else []) + list(tp.model_fields)


def _has(node: dict[Any, Any] | list[Any], k: str | int) -> bool:
    return k in node if isinstance(node, dict) else isinstance(k, int) and k < len(node)


# ---------------------------------------------------------------- dumping
def dump_case(case: Case) -> str:
    """The resolved case as YAML: every default filled, SI numbers, materials expanded."""
    data = case.model_dump(mode="json")
    data["protocol"]["steps"] = [s.to_yaml() for s in case.protocol.steps]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)


# ---------------------------------------------------------------- reference documentation
_HEADER = """# Case file reference

Generated from the schema by `solver.case.reference_markdown()`; do not edit by hand. Regenerate:

    python -c "import solver.case as c; print(c.reference_markdown(), end='')" \\
        > docs/case-reference.md

Every quantity accepts a number in SI units or a string with a unit, e.g. `"250 nm"`,
`"0.5 GPa"`, `"10 min"`, `"25 degC"`. `swellfem check CASE` prints the resolved case (every
default filled in, SI numbers); `--set key.path=value` overrides any key
(`--set protocol.steps.0.insert.c_rate=2`).
"""

_STEPS = """Each item of `protocol.steps` has exactly one of `insert`, `extract`, `hold`, `rest`,
`sweep`, `cccv`, `gitt`:

| form | meaning |
|---|---|
| `{insert: {c_rate: C/10}, until: {voltage: 0.005 V}}` | constant current insertion (lithiation / sodiation) |
| `{extract: {current: 0.1 A/g}, until: {voltage: 1.5 V}}` | constant current extraction |
| `{hold: {voltage: 0.005 V}, until: {current: C/50}}` | constant voltage (Butler–Volmer at the surface) |
| `{hold: {theta: 0.9}, until: {time: 1 h}}` | surface θ held (infinitely fast kinetics, 0 < theta < 1) |
| `{rest: 10 min}` | no current for the given time |
| `{sweep: {to: 0.005 V, rate: 0.1 mV/s}}` | linear voltage sweep from the present voltage |
| `{cccv: {direction: insert, c_rate: C/10, voltage: 0.005 V}, until: {current: C/50}}` | constant current to the voltage, then held there until the `until` |
| `{gitt: {direction: insert, c_rate: C/10, pulse: 10 min, rest: 1 h}, until: {voltage: 0.005 V}}` | pulses and rests until a pulse reaches the limit |

A current (`c_rate` or `current`) is a C-rate (`1`, `"2C"`, `"C/10"`), a specific current per
mass of active host (`"0.1 A/g"`) or a current density per wetted reference area
(`"1 A/m^2"`). The C-rate is defined from the theoretical capacity of the active material:
1C fills it from θ = 0 to 1 in one hour. `until` takes `soc` (mean θ, 0 < soc < 1), `time`,
`voltage`, `current` (the magnitude, for voltage-controlled steps) and `capacity` (mAh/g
passed in the step); the step ends at whichever is reached first, located exactly (limits not
known in advance by refining the last time step). Voltages are against the metal counter
electrode (Li/Li⁺, Na/Na⁺) and need an `ocv` and `exchange_current` in the active material.
A current-controlled step also ends when θ reaches 0 or 1 on the surface (diffusion limit).
"""


def reference_markdown() -> str:
    """Markdown documentation of every case-file key, generated from the models."""
    parts = [_HEADER]
    for title, model in _sections():
        parts.append(f"\n## `{title}`\n\n{(model.__doc__ or '').strip()}\n")
        if model is Step:
            parts.append(f"\n{_STEPS}")
            continue
        parts.append("\n| key | type | unit | default | allowed | description |\n"
                     "|---|---|---|---|---|---|\n")
        if model is Material:
            from solver import materials
            parts.append(f"| `from` | string | | | {', '.join(materials.names())} | library entry "
                         "to start from; the other keys override it |\n")
        for name, field in model.model_fields.items():
            tp, unit, allowed = _describe(field.annotation, field.metadata)
            parts.append(f"| `{name}` | {tp} | {unit} | {_default(field)} | {allowed} | "
                         f"{field.description or ''} |\n")
    return "".join(parts)


def _sections() -> list[tuple[str, type[BaseModel]]]:
    """(YAML path, model) for Case and every nested model, depth first, each model once."""
    out: list[tuple[str, type[BaseModel]]] = []

    def visit(model: type[BaseModel], path: str) -> None:
        if any(m is model for _, m in out):
            return
        kind = model.model_fields.get("kind")
        tags = get_args(kind.annotation) if kind and kind.is_required() else ()
        tag = tags if len(tags) == 1 else ()
        out.append((f"{path} (kind: {tag[0]})" if tag else path or "top level", model))
        for name, field in model.model_fields.items():
            for sub, suffix in _submodels(field.annotation):
                visit(sub, f"{path}.{name}{suffix}".lstrip("."))

    visit(Case, "")
    return out


def _submodels(tp: Any, suffix: str = "") -> list[tuple[type[BaseModel], str]]:
    origin, args = get_origin(tp), get_args(tp)
    if _is_model(tp):
        return [(tp, suffix)]
    if origin is Annotated:
        return _submodels(args[0], suffix)
    if origin in (Union, types.UnionType):
        return [s for a in args for s in _submodels(a, suffix)]
    if origin is list:
        return _submodels(args[0], suffix + "[]")
    if origin is dict:
        return _submodels(args[1], suffix + ".NAME")
    return []


_SCALARS = {float: "number", int: "integer", str: "string", bool: "boolean"}


def _describe(tp: Any, metadata: Sequence[Any] = ()) -> tuple[str, str, str]:
    """(type, SI unit, allowed values) of an annotation, for the reference table."""
    limits = [_limit(m) for m in metadata if _limit(m)]
    kind = next((m for m in metadata if isinstance(m, QuantityKind)), None)
    if kind:
        return kind.name, kind.si, _join(*limits)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        inner = [m for m in args[1:] if not isinstance(m, FieldInfo)]
        inner += [m for f in args[1:] if isinstance(f, FieldInfo) for m in f.metadata]
        t, unit, allowed = _describe(args[0], inner)
        return t, unit, _join(allowed, limits)
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if all(_is_model(m) for m in members):
            return "mapping, chosen by `kind`", "", ""
        if len(members) == 1:
            t, unit, allowed = _describe(members[0])
            return f"{t} or null", unit, _join(allowed, limits)
        return " or ".join(_describe(a)[0] for a in members), "", _join(*limits)
    if origin is Literal:
        return "choice", "", _join(", ".join(f"`{a}`" for a in args), *limits)
    if origin is list:
        t, unit, allowed = _describe(args[0])
        return f"list of {t}", unit, _join(allowed, *limits)
    if origin is tuple:
        t, unit, allowed = _describe(args[0])
        return f"[{len(args)} × {t}]", unit, _join(allowed, *limits)
    if origin is dict:
        return f"mapping name → {_describe(args[1])[0]}", "", _join(*limits)
    if _is_model(tp):
        return "mapping", "", ""
    return _SCALARS.get(tp, str(tp)), "", _join(*limits)


def _limit(m: Any) -> str:
    for cls, attr, op in ((annotated_types.Gt, "gt", ">"), (annotated_types.Ge, "ge", "≥"),
                          (annotated_types.Lt, "lt", "<"), (annotated_types.Le, "le", "≤")):
        if isinstance(m, cls):
            return f"{op} {getattr(m, attr)}"
    if isinstance(m, annotated_types.MinLen):
        return f"at least {m.min_length} item(s)"
    pattern = getattr(m, "pattern", None)
    return f"pattern `{pattern}`" if pattern else ""


def _join(*parts: Any) -> str:
    flat = [p for part in parts for p in ([part] if isinstance(part, str) else part)]
    return "; ".join(p for p in flat if p)


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(see below)"
    return f"`{json.dumps(value, ensure_ascii=False)}`"
