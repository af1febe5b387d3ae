"""Rendering: turning a derivation into something a person reads.

``latex`` holds the SymPy printer with the notation's names; ``text`` the terminal
walkthrough; ``document`` the JSON document. Later: the Jinja2 LaTeX reports.
"""
