"""infra/ as data, for the offline checks (no Terraform binary or cloud is needed).

Every `.tf` file is parsed with python-hcl2 (quotes stripped, comments and block markers left
out: a literal is a plain value, an expression is a string `${...}`). `Evaluator` computes the
small part of Terraform's language the checks need: variables, locals, `each.key`/`each.value`
(and dynamic blocks' iterators), `merge`, `coalesce`, `toset([...])`, `tostring`, filtered
for-expressions over a map, for-expressions taking an attribute of each instance of a resource,
`cond ? [..] : [..]`, and string templates.

A resource or data source attribute stays symbolic, written with its instance key evaluated,
e.g. `${google_service_account.runtime["worker"].email}`; `concrete` then fills in the
attributes the provider computes by formula (`computed.py`: a service account's email, a
queue's id, the project's number, ...). Anything else raises `Unsupported`, so a new construct
in infra/ fails loudly here instead of being checked wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)

_FOR = re.compile(r"^\{for (\w+), (\w+) in (.+?) : \1 => \2(?: if \2\.(\w+))?\}$")
_FOR_ATTRIBUTE = re.compile(r"^\{for (\w+), (\w+) in (\w+)\.(\w+) : \1 => \2\.(\w+)\}$")
_TERNARY = re.compile(r"^(.+?) \? (\[.*?\]) : (\[.*?\])$")
_CALL = re.compile(r"^(\w+)\((.*)\)$", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][\w-]*")
META = frozenset({"for_each", "count", "depends_on", "lifecycle", "dynamic", "provider"})


class Unsupported(Exception):
    """An expression this evaluator does not understand."""


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        parsed: dict[str, Any] = hcl2.load(handle, serialization_options=OPTIONS)
    return parsed


@dataclass
class Config:
    """Every block of every .tf file in a directory, by kind."""

    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (rtype, name), body in self.resources.items() if rtype == kind}


def load(directory: Path = INFRA) -> Config:
    config = Config()
    for path in sorted(directory.glob("*.tf")):
        parsed = parse_file(path)
        for block in parsed.get("variable", []):
            config.variables.update(block)
        for block in parsed.get("locals", []):
            clash = set(block) & set(config.locals)
            assert not clash, f"locals defined twice: {clash}"
            config.locals.update(block)
        for block in parsed.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    assert (rtype, name) not in config.resources, f"{rtype}.{name} twice"
                    config.resources[(rtype, name)] = body
        for block in parsed.get("data", []):
            for dtype, named in block.items():
                for name, body in named.items():
                    assert (dtype, name) not in config.data, f"data.{dtype}.{name} twice"
                    config.data[(dtype, name)] = body
        for block in parsed.get("output", []):
            config.outputs.update(block)
    return config


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments (brackets and strings respected)."""
    args, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and text[index - 1 : index] != "\\":
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            args.append(text[start:index].strip())
            start = index + 1
    tail = text[start:].strip()
    return [*args, tail] if tail else args


def _interpolations(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, expression) of each `${...}` in a template, nested braces respected."""
    index = 0
    while (start := text.find("${", index)) != -1:
        depth, cursor = 0, start + 1
        while True:
            depth += {"{": 1, "}": -1}.get(text[cursor], 0)
            if depth == 0:
                break
            cursor += 1
        yield start, cursor + 1, text[start + 2 : cursor]
        index = cursor + 1


class Evaluator:
    """Values of expressions, given the variables and (inside a for_each) `each`."""

    def __init__(
        self,
        config: Config,
        variables: Mapping[str, Any],
        iterators: Mapping[str, tuple[Any, Any]] | None = None,
    ) -> None:
        self.config = config
        self.variables = dict(variables)
        self.iterators = dict(iterators or {})  # "each", or a dynamic block's label: (key, value)

    def with_each(self, key: Any, value: Any, name: str = "each") -> Evaluator:
        return Evaluator(self.config, self.variables, {**self.iterators, name: (key, value)})

    def block(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """A resource body's arguments and nested blocks, evaluated; meta-arguments and
        dynamic blocks are left out (read those with `value` and `with_each`)."""
        return {
            key: [self.block(item) for item in value]
            if isinstance(value, list) and value and all(isinstance(i, dict) for i in value)
            else self.value(value)
            for key, value in raw.items()
            if key not in META
        }

    def value(self, raw: Any) -> Any:
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            return {key: self.value(item) for key, item in raw.items()}
        if not isinstance(raw, str) or "${" not in raw:
            return raw
        parts = list(_interpolations(raw))
        if len(parts) == 1 and parts[0][0] == 0 and parts[0][1] == len(raw):
            return self.expression(parts[0][2])
        rendered, cursor = [], 0
        for start, end, expression in parts:
            rendered += [raw[cursor:start], str(self.expression(expression))]
            cursor = end
        return "".join([*rendered, raw[cursor:]])

    def expression(self, text: str) -> Any:
        text = text.strip()
        if match := _FOR.match(text):
            return self._filtered(match)
        if match := _FOR_ATTRIBUTE.match(text):
            return self._attribute_of_each(match)
        if match := _TERNARY.match(text):
            return json.loads(match[2] if self.expression(match[1]) else match[3])
        if match := _CALL.match(text):
            return self._call(match[1], _split_args(match[2]))
        if text.startswith('"') and text.endswith('"'):
            return self.value(json.loads(text))
        return self.reference(text)

    def _filtered(self, match: re.Match[str]) -> dict[str, Any]:
        source = self.expression(match[3])
        attribute = match[4]
        return {key: item for key, item in source.items() if attribute is None or item[attribute]}

    def _attribute_of_each(self, match: re.Match[str]) -> dict[str, Any]:
        """`{for k, v in type.name : k => v.attr}`: the attribute of every instance."""
        rtype, name, attribute = match[3], match[4], match[5]
        body = self.config.resources.get((rtype, name))
        if body is None:
            raise Unsupported(match[0])
        return {
            key: "${" + f"{rtype}.{name}[{json.dumps(key)}].{attribute}" + "}"
            for key in self.instances(body)
        }

    def _call(self, name: str, args: list[str]) -> Any:
        if name == "merge":
            merged: dict[str, Any] = {}
            for arg in args:
                merged.update(self.expression(arg))
            return merged
        if name == "coalesce":
            values = [self.expression(arg) for arg in args]
            return next(value for value in values if value not in (None, ""))
        if name == "toset" and len(args) == 1:
            return sorted(set(json.loads(args[0])))
        if name == "tostring" and len(args) == 1:
            value = self.expression(args[0])
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise Unsupported(f"tostring({args[0]})")
            return str(value)
        raise Unsupported(f"{name}({', '.join(args)})")

    def reference(self, text: str) -> Any:
        """A dotted reference with `[index]` parts; indexes are evaluated."""
        tokens: list[tuple[str, Any]] = []  # ("name", str) or ("index", value)
        cursor = 0
        while cursor < len(text):
            if text[cursor] == ".":
                cursor += 1
            elif text[cursor] == "[":
                close = text.index("]", cursor)
                inner = text[cursor + 1 : close]
                tokens.append(("index", int(inner) if inner.isdigit() else self.expression(inner)))
                cursor = close + 1
            elif match := _NAME.match(text, cursor):
                tokens.append(("name", match[0]))
                cursor = match.end()
            else:
                raise Unsupported(text)
        return self._resolve(tokens, text)

    def _resolve(self, tokens: list[tuple[str, Any]], text: str) -> Any:
        root = tokens[0][1]
        first = tokens[1][1] if len(tokens) > 1 else None
        if (root, first) in self.config.resources:
            return "${" + _canonical(tokens) + "}"
        if root == "data" and len(tokens) > 2 and (first, tokens[2][1]) in self.config.data:
            return "${" + _canonical(tokens) + "}"
        if root == "var":
            value = self.variables[first]
        elif root == "local":
            value = self.value(self.config.locals[first])
        elif root in self.iterators and first in ("key", "value"):
            value = self.iterators[root][0 if first == "key" else 1]
        else:
            raise Unsupported(text)
        for _, name in tokens[2:]:
            value = value[name]
        return value

    def dynamic(self, raw: Mapping[str, Any], label: str) -> list[dict[str, Any]]:
        """The blocks a `dynamic "<label>"` inside `raw` makes, evaluated."""
        made = []
        for dynamic in raw.get("dynamic", []):
            if label not in dynamic:
                continue
            spec = dynamic[label]
            collection = self.value(spec["for_each"])
            items = collection.items() if isinstance(collection, dict) else enumerate(collection)
            for key, item in items:
                made.append(self.with_each(key, item, label).block(spec["content"][0]))
        return made

    def instances(self, body: Mapping[str, Any]) -> dict[str | None, Evaluator]:
        """An evaluator per instance of a resource: by for_each key (None: no for_each)."""
        if "for_each" not in body:
            return {None: self}
        collection = self.value(body["for_each"])
        if isinstance(collection, list):
            return {item: self.with_each(item, item) for item in collection}
        return {key: self.with_each(key, item) for key, item in collection.items()}


def _canonical(tokens: list[tuple[str, Any]]) -> str:
    """`type.name["key"].attr[0]...`: a resource reference with its indexes evaluated."""
    text = str(tokens[0][1])
    for kind, value in tokens[1:]:
        text += f"[{json.dumps(value)}]" if kind == "index" else f".{value}"
    return text
