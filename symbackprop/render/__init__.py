"""Rendering: turning a derivation into something a person reads.

``printers`` holds the SymPy LaTeX printer with the notation's names; ``text`` the terminal
walkthrough; ``document`` the JSON document; ``context``, ``report`` and ``latex`` the Jinja2
LaTeX reports and their PDF build; ``check_text``, ``graph_text``/``graph_context`` and
``layers_frames`` (shared by ``layers_text`` and ``layers_context``) the other views;
``plots`` the training charts, ``diagram`` where the network drawing goes; ``i18n`` every
sentence (es, en).
"""
