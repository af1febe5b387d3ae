"""The JSON writer: its layout and literals written out by hand, and the standard library's
reading of what it writes (the golden files check every example's document byte for byte)."""
from __future__ import annotations

import enum
import json
from decimal import Decimal

import pytest

from symbackprop.io.jsonio import dumps


class Code(enum.IntEnum):
    ONE = 1


class Name(str):
    pass


def test_layout_and_literals():
    document = {
        "s": "ñ \"q\" \\ \n",
        "n": Decimal("0.1000"), "big": Decimal("1.5E+40"), "zero": Decimal("-0"), "i": 3, "f": 0.5,
        "t": True, "none": None, "empty": {}, "nothing": [],
        "inline": ["a", 1, Decimal("2.50")],
        "flags": [True, False], "floats": [0.25], "mixed": [1, None],
        "nested": [[Name("x"), "y"], {"k": [Decimal(1)]}],
        4: Code.ONE, "sub": [Code.ONE, Name("z")],
    }
    assert dumps(document) == (
        '{\n'
        '  "s": "ñ \\"q\\" \\\\ \\n",\n'
        '  "n": 0.1,\n'
        '  "big": 1.5E+40,\n'
        '  "zero": 0,\n'
        '  "i": 3,\n'
        '  "f": 0.5,\n'
        '  "t": true,\n'
        '  "none": null,\n'
        '  "empty": {},\n'
        '  "nothing": [],\n'
        '  "inline": ["a", 1, 2.5],\n'
        '  "flags": [\n'
        '    true,\n'
        '    false\n'
        '  ],\n'
        '  "floats": [\n'
        '    0.25\n'
        '  ],\n'
        '  "mixed": [\n'
        '    1,\n'
        '    null\n'
        '  ],\n'
        '  "nested": [\n'
        '    ["x", "y"],\n'
        '    {\n'
        '      "k": [1]\n'
        '    }\n'
        '  ],\n'
        '  "4": 1,\n'
        '  "sub": [1, "z"]\n'
        '}\n')
    assert json.loads(dumps(document))["big"] == 1.5e40


def test_indent_and_a_bare_value():
    assert dumps({"a": [True]}, indent=4) == '{\n    "a": [\n        true\n    ]\n}\n'
    # 30 significant digits, in scientific notation past 12 decimals (core.exact.json_number)
    assert dumps(Decimal("0.333333333333333333333333333333333")) == "3.33333333333333333333333333333E-1\n"
    assert dumps(Decimal("0.000000000001")) == "0.000000000001\n"
    assert dumps("x") == '"x"\n' and dumps([]) == "[]\n"


def test_lists_of_lists_take_the_same_layout_on_every_way_through():
    # A list of id lists (a chain's paths), flags repeated (written once, then reused), and
    # lists that start with a string but hold something else.
    rows = [("a", "b"), ["c", 1], ["d", {"k": 1}], [True, False], [True, False], [Name("e")], []]
    expected = ('[\n  ["a", "b"],\n  ["c", 1],\n  [\n    "d",\n    {\n      "k": 1\n    }\n  ],\n'
                '  [\n    true,\n    false\n  ],\n  [\n    true,\n    false\n  ],\n  ["e"],\n  []\n]\n')
    assert dumps(rows) == expected
    assert dumps({"x": rows})[len('{\n  "x": '):-3] == expected.replace("\n", "\n  ")[:-3]
    assert json.loads(dumps(rows)) == json.loads(json.dumps(rows))


@pytest.mark.parametrize("value, error", [(Decimal("NaN"), ValueError), (float("inf"), ValueError),
                                          ({1, 2}, TypeError), ({"a": [object()]}, TypeError)])
def test_what_json_cannot_hold_is_refused(value, error):
    with pytest.raises(error):
        dumps(value)
