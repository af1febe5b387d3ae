"""Safe YAML loading for specs and answers files.

A ``SafeLoader`` that also refuses duplicate keys, reads ``1e-3`` as a number (YAML 1.1
needs a dot) and keeps every scalar a plain Python value; nothing is ever constructed
from tags. Errors become one-line :class:`SpecError` messages with the line and column.
"""
from __future__ import annotations

import re

import yaml

from ..errors import SpecError

__all__ = ["load_yaml", "load_document", "YAML_LIMITS"]

#: Documented limits: a file larger, nested deeper or expanding (through aliases) to more
#: values than this is refused before anything is built from it.
YAML_LIMITS = {"bytes": 10_000_000, "depth": 64, "values": 4_000_000}


class _Refused(yaml.MarkedYAMLError):
    """A document refused for its size or shape, not for its syntax."""


class _Bounded:
    """Composes nodes with a bounded nesting depth; ``checked`` then refuses recursive
    aliases and alias bombs (a few lines that expand to billions of values)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > YAML_LIMITS["depth"]:
                raise _Refused(None, None, f"nested more than {YAML_LIMITS['depth']} levels deep",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            _expanded_size(node)
        return node


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded (without expanding)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            children = _children(node)
            size = 1 + sum(sizes[id(c)] for c in children)
            if size > YAML_LIMITS["values"]:
                raise _Refused(None, None, f"the document expands to more than {YAML_LIMITS['values']:,} values "
                    "(aliases repeated inside aliases)", node.start_mark)
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise _Refused(
                None, None, "an alias refers to a node that contains it (a recursive structure)",
                node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _Loader(_Bounded, yaml.SafeLoader):
    pass


# Floats as YAML 1.2 reads them: 1e-3 is a number, not the string '1e-3'.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][-+]?\d+)?
                |[-+]?\d[\d_]*[eE][-+]?\d+
                |[-+]?\d[\d_]*\.(?:[eE][-+]?\d+)?
                |[-+]?\.(?:inf|Inf|INF)
                |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _TextLoader(_Bounded, yaml.SafeLoader):
    """Every scalar stays the text it was written as (0.00160 keeps its five decimals)."""


_TextLoader.yaml_implicit_resolvers = {}

_TextLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str, source: str, *, keep_text: bool = False):
    """Parse YAML text; any problem is a SpecError naming ``source`` and the line."""
    if len(text) > YAML_LIMITS["bytes"]:
        raise SpecError(source, "", f"expected a file of at most {YAML_LIMITS['bytes']:,} characters, "
                                    f"found {len(text):,}")
    try:
        loader = _TextLoader if keep_text else _Loader
        return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders construct plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        kind = "refused" if isinstance(exc, _Refused) else "YAML syntax error"
        raise SpecError(source, where, f"{kind}: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"YAML error: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SpecError(source, "", "YAML nested too deeply") from None


def load_document(text: str, source: str, suffix: str, error: type[Exception]):
    """A hand-written mapping file, JSON (``suffix`` ".json") or YAML, with every number kept
    as the text written (its decimals count) and a key given twice refused; every problem an
    ``error`` naming ``source`` and the line."""
    import json
    from ..errors import SymbackpropError
    from .jsonio import no_duplicate_keys
    if suffix == ".json":
        try:
            return json.loads(text, parse_float=str, parse_int=str, parse_constant=lambda c: c,
                              object_pairs_hook=no_duplicate_keys(error))
        except json.JSONDecodeError as exc:
            raise error(f"{source}: line {exc.lineno}: JSON syntax error: {exc.msg}") from None
        except error as exc:
            raise error(f"{source}: {exc}") from None
        except RecursionError:
            raise error(f"{source}: JSON nested too deeply") from None
    try:
        return load_yaml(text, source, keep_text=True)
    except SymbackpropError as exc:
        raise error(str(exc)) from None
