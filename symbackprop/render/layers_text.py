"""The layer view for the terminal (``solve --view layers``): the frames of
:mod:`.layers_frames` in their text spelling, under plain headings.

    print(layers_text(layer_view(spec), "es", spec.decimals))
"""
from __future__ import annotations

from ..derive.layers import LayerView
from .i18n import say
from .layers_frames import frames

__all__ = ["layers_text"]


def layers_text(view: LayerView, language: str, decimals: int) -> str:
    """The view for the terminal: the modules, then forward and backward, module by module."""
    title = say(language, "layers_title")
    out = [title, "═" * len(title), ""]
    sections = {"forward": say(language, "forward"), "backward": say(language, "backward")}
    shown = None                      # a linear module's backward takes two frames, one heading
    for frame in frames(view, language, decimals):
        if frame.direction == "overview":
            out += ["  " + piece.text for _kind, piece in frame.items]
            continue
        if frame.module == (0 if frame.direction == "forward" else len(view.modules) - 1):
            out += ["", sections[frame.direction], "─" * len(sections[frame.direction])]
        if (frame.module, frame.direction) != shown:
            out.append("  " + frame.heading)
        shown = (frame.module, frame.direction)
        out += ["      " + piece.text for _kind, piece in frame.items]
    return "\n".join(out) + "\n"

