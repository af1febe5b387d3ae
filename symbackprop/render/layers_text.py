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
    """The view for the terminal: what a module does, the network and its data, then forward,
    backward and the update, module by module."""
    title = say(language, "layers_title")
    out = [title, "═" * len(title), ""]
    sections = {"forward": say(language, "forward"), "backward": say(language, "backward"),
                "update": say(language, "layers_descent")}
    section = "overview"
    shown = None                      # a linear module's backward takes two frames, one heading
    for frame in frames(view, language, decimals):
        if frame.direction != section:
            name = sections.get(frame.direction, frame.heading)
            out += ["", name, "─" * len(name)]
            section = frame.direction
        if frame.module < 0:          # the overview and the data: no module of their own
            out += ["  " + piece.text for kind, piece in frame.items if kind != "figure"]
            continue
        if (frame.module, frame.direction) != shown:
            out.append("  " + frame.heading)
        shown = (frame.module, frame.direction)
        if frame.title:               # a note of its own (the derivative derived): its title
            out.append("      " + frame.title)
        out += ["      " + piece.text for kind, piece in frame.items if kind != "figure"]
    return "\n".join(out) + "\n"
