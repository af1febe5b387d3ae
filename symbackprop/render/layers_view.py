"""The layer-by-layer view (``solve --view layers``): text and plain data for LaTeX.

Forward: every module's y = f(x) with its vectors. Backward, from the loss: every module's
∂E/∂x = ∂E/∂y · ∂y/∂x with its Jacobian and shapes, and for the linear modules
∂E/∂W = δ xᵀ and ∂E/∂b = δ, as deck 001 writes dE/dW3, dE/dB3, ..., dE/dW1, dE/dB1.
In a batch the vectors shown are those of the first example; parameter gradients are summed.
"""
from __future__ import annotations

from typing import Any

from ..core.exact import show
from .i18n import say
from ..derive.layers import LayerView

__all__ = ["layers_text", "layers_context"]


def _v(values, decimals: int) -> str:
    return "[" + ", ".join(show(v, decimals) for v in values) + "]"


def _m(rows, decimals: int) -> str:
    return "[" + ", ".join(_v(r, decimals) for r in rows) + "]"


def layers_text(view: LayerView, language: str, decimals: int) -> str:
    t = lambda key, **f: say(language, key, **f)  # noqa: E731
    out = [t("layers_title"), "═" * len(t("layers_title")), "", t("forward"), "─" * 26]
    for m in view.modules:
        if m.kind == "linear":
            out.append(f"  Linear {m.layer}: z[{m.layer}] = W[{m.layer}]·x + b[{m.layer}]   "
                       f"W[{m.layer}] ({m.shape[0]}×{m.shape[1]}) = {_m(m.params['W'], decimals)}")
            out.append(f"      x = {_v(m.x[0], decimals)} → z = {_v(m.y[0], decimals)}")
        elif m.kind == "activation":
            out.append(f"  {m.label} {m.layer}: a[{m.layer}] = {m.label}(z[{m.layer}]) = {_v(m.y[0], decimals)}")
        else:
            out.append(f"  {t('layers_loss')} {m.label}: E = {show(view.E, decimals)}")
    out += ["", t("backward"), "─" * 26]
    for m in reversed(view.modules):
        if m.kind == "loss":
            out.append(f"  {t('layers_loss')}: ∂E/∂ŷ = {_v(m.dx[0], decimals)}")
        elif m.kind == "activation":
            diagonal = all(m.jacobian[i][j] == 0 for i in range(len(m.jacobian))
                           for j in range(len(m.jacobian)) if i != j)
            jac = ("diag" + _v([m.jacobian[i][i] for i in range(len(m.jacobian))], decimals)
                   if diagonal else _m(m.jacobian, decimals))
            out.append(f"  {m.label} {m.layer}: ∂E/∂z[{m.layer}] = ∂E/∂a[{m.layer}] · ∂a/∂z,  "
                       f"∂a/∂z = {jac}")
            out.append(f"      δ[{m.layer}] = {_v(m.dx[0], decimals)}")
        else:
            l = m.layer
            out.append(f"  Linear {l}: ∂E/∂W[{l}] = δ[{l}]·xᵀ ({m.shape[0]}×{m.shape[1]}) = "
                       f"{_m(m.grads['W'], decimals)}")
            if "b" in m.grads:
                out.append(f"      ∂E/∂b[{l}] = {_v([r[0] for r in m.grads['b']], decimals)}")
            out.append(f"      ∂E/∂x = W[{l}]ᵀ·δ[{l}] = {_v(m.dx[0], decimals)}")
    return "\n".join(out) + "\n"


def _pmatrix(rows, decimals: int) -> str:
    body = r" \\ ".join(" & ".join(show(v, decimals) for v in r) for r in rows)
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def _column(values, decimals: int) -> str:
    return _pmatrix([(v,) for v in values], decimals)


def layers_context(view: LayerView, style: str, language: str, decimals: int, title: str) -> dict[str, Any]:
    t = lambda key, **f: say(language, key, **f)  # noqa: E731
    steps: list[dict[str, Any]] = []
    for m in view.modules:
        if m.kind == "linear":
            l = m.layer
            math = [rf"z^{{[{l}]}} = W^{{[{l}]}} x + b^{{[{l}]}},\quad W^{{[{l}]}} \in \mathbb{{R}}^{{{m.shape[0]}\times{m.shape[1]}}}",
                    rf"{_column(m.y[0], decimals)} = {_pmatrix(m.params['W'], decimals)}\,{_column(m.x[0], decimals)}"
                    + (rf" + {_column([r[0] for r in m.params['b']], decimals)}" if "b" in m.params else "")]
            steps.append({"title": t("tex_forward"), "heading": f"Linear {l}", "blocks": [{"math": x} for x in math]})
        elif m.kind == "activation":
            steps.append({"title": t("tex_forward"), "heading": f"{m.label} {m.layer}",
                          "blocks": [{"math": rf"a^{{[{m.layer}]}} = g\left(z^{{[{m.layer}]}}\right) = "
                                              rf"{_column(m.y[0], decimals)}"}]})
    for m in reversed(view.modules):
        l = m.layer
        if m.kind == "loss":
            steps.append({"title": t("tex_backward"), "heading": t("layers_loss"),
                          "blocks": [{"math": rf"E = {show(view.E, decimals)},\quad \frac{{\partial E}}{{\partial \hat y}} = "
                                              rf"{_column(m.dx[0], decimals)}"}]})
        elif m.kind == "activation":
            steps.append({"title": t("tex_backward"), "heading": f"{m.label} {l}", "blocks": [
                {"math": rf"\frac{{\partial E}}{{\partial z^{{[{l}]}}}} = \left(\frac{{\partial a^{{[{l}]}}}}{{\partial z^{{[{l}]}}}}\right)^{{\!\top}} \frac{{\partial E}}{{\partial a^{{[{l}]}}}}"},
                {"math": rf"\frac{{\partial a^{{[{l}]}}}}{{\partial z^{{[{l}]}}}} = {_pmatrix(m.jacobian, decimals)}"},
                {"math": rf"\delta^{{[{l}]}} = {_column(m.dx[0], decimals)}"}]})
        else:
            blocks = [{"math": rf"\frac{{\partial E}}{{\partial W^{{[{l}]}}}} = \delta^{{[{l}]}} x^{{\top}} = "
                               rf"{_pmatrix(m.grads['W'], decimals)}"}]
            if "b" in m.grads:
                blocks.append({"math": rf"\frac{{\partial E}}{{\partial b^{{[{l}]}}}} = "
                                       rf"{_column([r[0] for r in m.grads['b']], decimals)}"})
            blocks.append({"math": rf"\frac{{\partial E}}{{\partial x}} = W^{{[{l}]\top}} \delta^{{[{l}]}} = "
                                   rf"{_column(m.dx[0], decimals)}"})
            steps.append({"title": t("tex_backward"), "heading": f"Linear {l}", "blocks": blocks})
    for s in steps:
        s.setdefault("table", None)
    return {"title": title or "symbackprop", "subtitle": t("layers_title"), "language": language,
            "babel": "spanish" if language == "es" else "english", "style": style, "steps": steps}
