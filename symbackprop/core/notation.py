"""Notations: how a canonical id is shown, in LaTeX and in plain text.

``layered`` is deck 003's: a^{[l]}_i, z^{[l]}_i, w^{[l]}_{i,j}, b^{[l]}.
``numbered`` is deck 004's: w_1..w_8, sum_{n_1}, n_1, ŷ_1, B_1, E_total.
Labels from the spec replace the name of single quantities. Notations only change how an
id is displayed; the ids stay the keys everywhere.
"""
from __future__ import annotations

import re

from . import ids
from ..spec.reading import Spec

__all__ = ["Notation", "PlainNames", "IndexNames"]

_TEXT_COMMANDS = {
    r"\hat{y}": "ŷ", r"\hat{Y}": "Ŷ", r"\hat{x}": "x̂", r"\bar{x}": "x̄", r"\tilde{a}": "ã", r"\tilde{n}": "ñ",
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\eta": "η",
    r"\theta": "θ", r"\lambda": "λ", r"\mu": "μ", r"\sigma": "σ", r"\omega": "ω",
    r"\Delta": "Δ", r"\Sigma": "Σ",
}


def latex_to_text(label: str) -> str:
    """A readable plain-text form of a LaTeX name: '\\hat{y}_{1}' -> 'ŷ1', 'w_{5}' -> 'w5'."""
    text = label
    for command, char in _TEXT_COMMANDS.items():
        text = text.replace(command, char)
    text = re.sub(r"\\(?:mathrm|mathit|mathbf|text|textrm|operatorname)\s*", "", text)
    text = text.replace(r"\_", "_").replace(r"\,", "").replace("\\", "")
    text = re.sub(r"_\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"_(\w)", r"\1", text)
    return text.replace("{", "").replace("}", "").replace(" ", "")


#: Batch normalization's quantities as deck 004 names them (μ_B, σ²_B, x̂, y = γ ⊙ x̂ + β), with
#: the layer and example as superscript and the neuron as subscript (layered notation). The
#: output y carries its layer, [l], unlike a target y_k, which has none.
_BATCH_NORM_LATEX = {
    "mu": r"\mu^{{{sup}}}_{{B,{sub}}}", "var": r"(\sigma^{{{sup}}}_{{B,{sub}}})^{{2}}",
    "xhat": r"\hat{{x}}^{{{sup}}}_{{{sub}}}", "bn": r"y^{{{sup}}}_{{{sub}}}",
    "gamma": r"\gamma^{{{sup}}}_{{{sub}}}", "beta": r"\beta^{{{sup}}}_{{{sub}}}",
}
_BATCH_NORM_TEXT = {"mu": "μB", "var": "σ²B", "xhat": "x̂", "bn": "y", "gamma": "γ", "beta": "β"}


class Notation:
    """Names of quantities for one spec: ``latex(id)`` and ``text(id)``."""

    def __init__(self, spec: Spec):
        self.kind = spec.notation
        self.layers = len(spec.layers)
        self.labels = dict(spec.labels)
        self._latex_cache: dict[str, str] = {}
        self._hidden_offset: dict[int, int] = {}
        offset = 0
        for l, layer in enumerate(spec.layers[:-1], start=1):
            self._hidden_offset[l] = offset
            offset += layer.units
        self._weight_offset: dict[int, int] = {}
        offset = 0
        self._fan_in: dict[int, int] = {}
        self._units: dict[int, int] = {}
        for l, layer in enumerate(spec.layers, start=1):
            self._weight_offset[l] = offset
            self._fan_in[l] = len(layer.weights[0])
            self._units[l] = layer.units
            offset += layer.units * len(layer.weights[0])

    # ------------------------------------------------------------------ LaTeX
    def latex(self, qid: str) -> str:
        # A large network names each quantity many times (a JSON document: 60,000 times).
        text = self._latex_cache.get(qid)
        if text is None:
            text = self._latex_cache[qid] = self._latex(qid)
        return text

    def _latex(self, qid: str) -> str:
        base, example = ids.split_example(qid)
        if base in self.labels:
            label = self.labels[base]
            if example is None:
                return label
            return f"{{{label}}}^{{({example})}}" if "^" in label else f"{label}^{{({example})}}"
        parsed = ids.parse(base)
        if parsed is None:
            return r"\mathrm{" + qid.replace("_", r"\_") + "}"
        kind, nums, _ = parsed
        if self.kind == "numbered":
            return self._numbered_latex(kind, nums, example)
        return self._layered_latex(kind, nums, example)

    def delta_latex(self, zid: str) -> str:
        """δ of a weighted-sum node (∂E/∂z)."""
        base, example = ids.split_example(zid)
        parsed = ids.parse(base)
        if parsed is None or parsed[0] != "z":
            return r"\delta_{" + self.latex(zid) + "}"
        _, (l, i), _ = parsed
        if self.kind == "numbered" or base in self.labels:
            name = self.latex(ids.a(l, i))
            return r"\delta_{" + name + "}" + (f"^{{({example})}}" if example else "")
        sup = f"[{l}]" + (f"({example})" if example else "")
        return rf"\delta^{{{sup}}}_{{{i}}}"

    def _layered_latex(self, kind: str, nums: tuple[int, ...], example: int | None) -> str:
        ex = f"({example})" if example is not None else ""
        if kind in ("x", "y"):
            return f"{kind}^{{{ex}}}_{{{nums[0]}}}" if ex else f"{kind}_{{{nums[0]}}}"
        if kind in ("z", "a"):
            return f"{kind}^{{[{nums[0]}]{ex}}}_{{{nums[1]}}}"
        if kind == "r":             # after dropout: ã
            return rf"\tilde{{a}}^{{[{nums[0]}]{ex}}}_{{{nums[1]}}}"
        if kind == "h":             # a residual block's output, H = F(x) + x
            return f"h^{{[{nums[0]}]{ex}}}_{{{nums[1]}}}"
        if kind == "eps":
            return r"\epsilon"
        if kind in _BATCH_NORM_LATEX:       # batch normalization: μ_B, σ²_B, x̂, y, γ, β
            return _BATCH_NORM_LATEX[kind].format(sup=f"[{nums[0]}]{ex}", sub=nums[1])
        if kind == "w":
            return f"w^{{[{nums[0]}]}}_{{{nums[1]},{nums[2]}}}"
        if kind == "b":
            return f"b^{{[{nums[0]}]}}" + (f"_{{{nums[1]}}}" if len(nums) > 1 else "")
        if kind == "E":
            if not nums:
                return "E"
            return f"E^{{{ex}}}_{{{nums[0]}}}" if ex else f"E_{{{nums[0]}}}"
        return "R"

    def _numbered_latex(self, kind: str, nums: tuple[int, ...], example: int | None) -> str:
        ex = f"^{{({example})}}" if example is not None else ""
        if kind == "x":
            return f"x_{{{nums[0]}}}{ex}"
        if kind == "y":
            return rf"\text{{target}}_{{{nums[0]}}}{ex}"
        if kind in ("z", "a"):
            l, i = nums
            neuron = (rf"\hat{{y}}_{{{i}}}" if l == self.layers
                      else f"n_{{{self._hidden_offset[l] + i}}}")
            return (neuron if kind == "a" else rf"\text{{sum}}_{{{neuron}}}") + ex
        if kind == "r":             # after dropout: ñ (a hidden neuron: the output layer has none)
            return rf"\tilde{{n}}_{{{self._hidden_offset[nums[0]] + nums[1]}}}" + ex
        if kind == "h":             # a residual block's output (a hidden neuron)
            return f"h_{{{self._hidden_offset[nums[0]] + nums[1]}}}" + ex
        if kind == "eps":
            return r"\epsilon"
        if kind in _BATCH_NORM_LATEX:       # batch normalization of a hidden neuron n_k
            neuron = f"n_{{{self._hidden_offset[nums[0]] + nums[1]}}}"
            return _BATCH_NORM_LATEX[kind].format(sup="", sub=neuron).replace("^{}", "") + ex
        if kind == "w":
            return f"w_{{{self.weight_number(*nums)}}}"
        if kind == "b":
            return f"B_{{{nums[0]}}}" if len(nums) == 1 else f"B_{{{nums[0]},{nums[1]}}}"
        if kind == "E":
            return (f"E_{{{nums[0]}}}" if nums else r"E_{\text{total}}") + ex
        return "R"

    def weight_number(self, l: int, i: int, j: int) -> int:
        """The number of w^{[l]}_{i,j} in numbered notation, as deck 004's figure numbers them:
        the layer fed by the inputs input by input (w1 = x1→n1, w2 = x1→n2, w3 = x2→n1: its
        sum_{n_1} = x1·w1 + x2·w3 + B1), every later layer neuron by neuron (sum_{ŷ_1} =
        n1·w5 + n2·w6 + B2); the layers one after the other. ``labels`` name other conventions."""
        if l == 1:
            return self._weight_offset[l] + (j - 1) * self._units[l] + i
        return self._weight_offset[l] + (i - 1) * self._fan_in[l] + j

    # ------------------------------------------------------------------ text
    def text(self, qid: str) -> str:
        base, example = ids.split_example(qid)
        suffix = f"({example})" if example is not None else ""
        if base in self.labels:
            return latex_to_text(self.labels[base]) + suffix
        parsed = ids.parse(base)
        if parsed is None:
            return qid
        kind, nums, _ = parsed
        if kind == "eps":
            return "ε"
        if self.kind == "numbered" and kind in _BATCH_NORM_TEXT:
            return f"{_BATCH_NORM_TEXT[kind]}_n{self._hidden_offset[nums[0]] + nums[1]}{suffix}"
        if self.kind == "numbered":
            return latex_to_text(self._numbered_latex(kind, nums, None)).replace(
                "sumŷ", "sum_ŷ").replace("sumn", "sum_n").replace("Etotal", "E_total") + suffix
        if kind in ("z", "a"):
            return f"{kind}[{nums[0]}]_{nums[1]}{suffix}"
        if kind == "r":
            return f"ã[{nums[0]}]_{nums[1]}{suffix}"
        if kind == "h":
            return f"h[{nums[0]}]_{nums[1]}{suffix}"
        if kind in _BATCH_NORM_TEXT:
            return f"{_BATCH_NORM_TEXT[kind]}[{nums[0]}]_{nums[1]}{suffix}"
        if kind == "w":
            return f"w[{nums[0]}]_{nums[1]},{nums[2]}"
        if kind == "b":
            return f"b[{nums[0]}]" + (f"_{nums[1]}" if len(nums) > 1 else "")
        return base + suffix

    def delta_text(self, zid: str) -> str:
        base, example = ids.split_example(zid)
        suffix = f"({example})" if example is not None else ""
        parsed = ids.parse(base)
        if parsed and parsed[0] == "z" and self.kind == "layered" and base not in self.labels:
            return f"δ[{parsed[1][0]}]_{parsed[1][1]}{suffix}"
        if parsed and parsed[0] == "z":
            return "δ_" + self.text(ids.a(*parsed[1])) + suffix
        return "δ_" + self.text(zid)


class PlainNames:
    """Names for graph mode: a variable is shown as typed, digits as a subscript (w0 -> w_{0})."""

    def latex(self, qid: str) -> str:
        m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", qid)
        if m:
            return f"{m.group(1)}_{{{m.group(2)}}}"
        if len(qid) > 1 and qid.isalpha():
            return r"\mathrm{" + qid + "}"
        return qid.replace("_", r"\_")

    def text(self, qid: str) -> str:
        return qid

    def unicode(self, qid: str) -> str:
        """The name as :meth:`latex` sets it, in plain Unicode (w0 -> w₀), for a drawing with no TeX."""
        m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", qid)
        return m.group(1) + m.group(2).translate(SUBSCRIPTS) if m else qid

    def delta_latex(self, qid: str) -> str:
        return r"\delta_{" + self.latex(qid) + "}"

    def delta_text(self, qid: str) -> str:
        return "δ_" + qid


#: Digits as subscripts (w₀) and superscripts (x²), for names and powers in plain Unicode
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class IndexNames:
    """Names in the general formulas the lectures write before the numbers (the error
    E = ½ Σ_k (y_k − ŷ_k)²): a target and an output with an index, y_k and ŷ_k."""

    LATEX = {"y_k": "y_{k}", "yhat_k": r"\hat{y}_{k}", "y_jk": "y_{j,k}", "yhat_jk": r"\hat{y}_{j,k}"}
    TEXT = {"y_k": "y_k", "yhat_k": "ŷ_k", "y_jk": "y_jk", "yhat_jk": "ŷ_jk"}

    def latex(self, qid: str) -> str:
        return self.LATEX.get(qid, qid)

    def text(self, qid: str) -> str:
        return self.TEXT.get(qid, qid)

    def delta_latex(self, qid: str) -> str:
        return r"\delta_{" + self.latex(qid) + "}"

    def delta_text(self, qid: str) -> str:
        return "δ_" + self.text(qid)
