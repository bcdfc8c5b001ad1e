"""Selection orders written in YAML (`.yaml`, `.yml`): the same schema as TOML, read by
PyYAML's safe loader with YAML 1.1's surprises taken out, so that a YAML order means what
its TOML twin does:

- only `true` / `false` are booleans (`yes`, `no`, `on`, `off` stay text: `customer: no`
  is a customer, and `active_only: yes` is refused as TOML refuses it);
- only plain decimal numbers are numbers: a leading zero keeps the text (`01` is the TOL
  prefix "01", not the octal 1; `00100` the postcode, not 64), as do `0x…`, `0o…` and
  `1:30`;
- a key given twice in one mapping is refused with its line (YAML would keep the last
  one silently; TOML refuses it).

Dates (`campaign_end: 2027-04-30`) are dates, as in TOML. A syntax error names the file,
line and column and YAML's description of the problem, never the text of the line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from selection.order import OrderError

# TOML's integers: decimal, no leading zero, an underscore only between digits.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9](?:_?[0-9])*)")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}")  # a key shown in a message
_BOOLEANS = {"true": True, "false": False}
_MERGE = "tag:yaml.org,2002:merge"

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where built


class _OrderLoader(_Base):
    """The safe loader with TOML's meaning of booleans, integers and repeated keys."""


def _boolean(loader: Any, node: yaml.ScalarNode) -> bool | str:
    text = str(loader.construct_scalar(node))
    return _BOOLEANS.get(text.casefold(), text)


def _integer(loader: Any, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    return int(text.replace("_", "")) if _DECIMAL.fullmatch(text) else text


def _mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key: the constructor below names it
            continue
        if repeated:
            plain = isinstance(key, str) and _KEY.fullmatch(key)
            shown = repr(key) if plain else "a key"
            raise OrderError(
                f"{shown} is given twice in one table (line {key_node.start_mark.line + 1})"
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=True))


_OrderLoader.add_constructor("tag:yaml.org,2002:bool", _boolean)
_OrderLoader.add_constructor("tag:yaml.org,2002:int", _integer)
_OrderLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def load_yaml_order(text: str, name: str) -> Any:
    """The order file's text as Python values (a mapping for a well-formed order). Raises
    OrderError naming the file, and the line where the problem is."""
    try:
        # A subclass of the safe loader: plain data only, never a Python object.
        return yaml.load(text, Loader=_OrderLoader)
    except OrderError as exc:
        raise OrderError(f"order file {name}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or type(exc).__name__
        raise OrderError(f"order file {name}: not valid YAML ({problem}{where})") from None
    except yaml.YAMLError as exc:
        raise OrderError(f"order file {name}: not valid YAML ({type(exc).__name__})") from None


__all__ = ["load_yaml_order"]
