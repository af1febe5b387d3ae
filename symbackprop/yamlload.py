"""Safe YAML loading for specs and answers files.

A ``SafeLoader`` that also refuses duplicate keys, reads ``1e-3`` as a number (YAML 1.1
needs a dot) and keeps every scalar a plain Python value; nothing is ever constructed
from tags. Errors become one-line :class:`SpecError` messages with the line and column.
"""
from __future__ import annotations

import re

import yaml

from .errors import SpecError

__all__ = ["load_yaml"]


class _Loader(yaml.SafeLoader):
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


class _TextLoader(yaml.SafeLoader):
    """Every scalar stays the text it was written as (0.00160 keeps its five decimals)."""


_TextLoader.yaml_implicit_resolvers = {}

_TextLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str, source: str, *, keep_text: bool = False):
    """Parse YAML text; any problem is a SpecError naming ``source`` and the line."""
    try:
        loader = _TextLoader if keep_text else _Loader
        return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders construct plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(source, where, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"YAML error: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SpecError(source, "", "YAML nested too deeply") from None
