"""The layer view as plain data for ``templates/layers.tex.j2``: the frames of
:mod:`.layers_frames` in their LaTeX spelling, each with the chain of modules drawn with
its own module highlighted.

    ctx = layers_context(layer_view(spec), "slides", "es", spec.decimals, "Red 2-2-2")
"""
from __future__ import annotations

from typing import Any

from ..core.ops import ACTIVATIONS
from ..derive.layers import LayerView, Module
from .i18n import say
from .latex import tex_escape
from .layers_frames import Frame, Piece, _dE, _say, frames

__all__ = ["layers_context"]


def _box(module: Module, language: str) -> str:
    """The module's label in the drawing of the chain (LaTeX)."""
    if module.kind == "linear":
        return tex_escape(say(language, "layers_linear", l=module.layer))
    if module.kind == "loss":
        return tex_escape(say(language, "layers_loss"))
    if module.label == "softmax":
        return r"$\operatorname{softmax}$"
    return f"${ACTIVATIONS[module.label].latex}$"


def _chain(view: LayerView, language: str) -> list[dict[str, Any]]:
    """The modules as a chain x → Lineal 1 → σ → … → Pérdida → E (the nodes)."""
    nodes = [{"label": "$x$", "io": True}]
    nodes += [{"label": _box(m, language), "io": False} for m in view.modules]
    nodes.append({"label": "$E$", "io": True})
    return nodes


def _chain_for(frame: Frame, nodes) -> dict[str, Any]:
    """The chain as one frame draws it: the frame's module highlighted (blue forward and in
    the update, red backward); forward edges solid once computed (dashed before), backward
    edges (red) once their gradient is known. What flows along the edges is named in the
    formulas and in the data frame's figure."""
    here = frame.module + 1                     # node index (node 0 is x)
    out_nodes = []
    for k, n in enumerate(nodes):
        style = "lio" if n["io"] else "lmod"
        if k == here and frame.module >= 0:
            style = "lbackcur" if frame.direction == "backward" else "lfwdcur"
        out_nodes.append({"label": n["label"], "style": style})
    overview = frame.direction in ("overview", "data", "update")     # every gradient known (or to be)
    last = len(nodes) - 2                       # the edge into E carries no gradient
    edges = []
    for j in range(len(nodes) - 1):
        done = frame.direction != "forward" or j <= here
        back = j < last and (overview or (frame.direction == "backward" and j >= here - 1))
        edges.append({"src": j, "dst": j + 1, "style": "ledge" if done else "ledgelater",
                      "fwd": "", "back": back, "back_label": ""})
    return {"nodes": out_nodes, "edges": edges, "gap": 5, "font": r"\small"}


def _module_figure() -> dict[str, Any]:
    """One module f, as deck 001 draws it: u in, v out (forward, above), ∂E/∂v in and ∂E/∂u
    out (backward, below): the picture of the overview's rule (deck 001's x and y are the
    network's input and target in this deck)."""
    u, v = Piece("u", "u"), Piece("v", "v")
    nodes = [{"label": "$u$", "style": "lio"}, {"label": "$f$", "style": "lmod"}, {"label": "$v$", "style": "lio"}]
    flows = [_dE(u, True).tex, _dE(v, True).tex]
    edges = [{"src": j, "dst": j + 1, "style": "ledge", "fwd": "", "back": True, "back_label": back}
             for j, back in enumerate(flows)]
    return {"nodes": nodes, "edges": edges, "gap": 21, "font": r"\large"}


def _layer_figure(language: str) -> dict[str, Any]:
    """One layer l as two modules, with what flows between them forward (above) and backward
    (below): the data frame's picture of the names a^{[l-1]}, z^{[l]}, δ^{[l]}, a^{[l]}."""
    l = Piece("l", "l")
    prev, z, a = Piece("a^{[l-1]}", "a[l-1]"), Piece("z^{[l]}", "z[l]"), Piece("a^{[l]}", "a[l]")
    nodes = [{"label": f"${prev.tex}$", "style": "lio"},
             {"label": _say(language, "layers_linear", l=l).tex, "style": "lmod"},
             {"label": "$g^{[l]}$", "style": "lmod"},
             {"label": f"${a.tex}$", "style": "lio"}]
    flows = [("", _dE(prev, True).tex), (z.tex, r"\delta^{[l]}"), ("", _dE(a, True).tex)]
    edges = [{"src": j, "dst": j + 1, "style": "ledge", "fwd": fwd, "back": True, "back_label": back}
             for j, (fwd, back) in enumerate(flows)]
    # each label narrower than its arrow, clear of the boxes (review r5: \large in 21 mm touched them)
    return {"nodes": nodes, "edges": edges, "gap": 22, "font": r"\normalsize"}


def _blocks(frame: Frame, figure: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The frame's items for the template: formulas, sentences, and its figure where it goes."""
    kinds = {"math": lambda p: {"math": p.tex}, "note": lambda p: {"text": p.tex},
             "figure": lambda _p: {"figure": figure}}
    return [kinds[kind](p) for kind, p in frame.items]


def _size(frame: Frame) -> str:
    """The font of a frame's formulas: Large for a short frame, large for a full one (the
    template shrinks a frame that would still not fit)."""
    lines = sum(1 + p.tex.count(r"\\ &=") for kind, p in frame.items if kind != "figure")
    return r"\Large" if lines <= 4 else r"\large"


def layers_context(view: LayerView, style: str, language: str, decimals: int, title: str,
                   head: dict[str, str] | None = None) -> dict[str, Any]:
    """``head``: the title page's fields (author, course, institution, date) the spec gives."""
    t = lambda key, **f: say(language, key, **f)
    nodes = _chain(view, language)
    titles = {"overview": t("layers_modules"), "data": t("layers_network_data"), "forward": t("tex_forward"),
              "backward": t("tex_backward"), "update": t("layers_descent")}
    figures = {"overview": _module_figure(), "data": _layer_figure(language)}
    steps = []
    for frame in frames(view, language, decimals):
        steps.append({"title": tex_escape(frame.title) if frame.title else titles[frame.direction],
                      "heading": "" if frame.module < 0 else tex_escape(frame.heading),
                      "chain": _chain_for(frame, nodes), "blocks": _blocks(frame, figures.get(frame.direction)),
                      "size": _size(frame)})
    from ..spec.reading import TITLE_PAGE_KEYS
    given = {key: " ".join(text.split()) for key, text in (head or {}).items()}
    return {"title": title or "symbackprop", "subtitle": t("layers_title"), "language": language,
            "head": {key: given.get(key, "") for key in TITLE_PAGE_KEYS},
            "babel": "spanish" if language == "es" else "english", "style": style, "steps": steps}

