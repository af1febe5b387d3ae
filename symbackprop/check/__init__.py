"""Checking students' calculations: reading answers (:mod:`.answers`, our own grammar, no
eval) and judging them against the derivation (:mod:`.judge`: tolerances, follow-through,
diagnoses)."""
from .answers import Answer, NameIndex, Problem, load_answers, load_class, read_value
from .judge import CheckReport, Diagnosis, Item, Options, check

__all__ = ["Answer", "NameIndex", "Problem", "load_answers", "load_class", "read_value",
           "CheckReport", "Diagnosis", "Item", "Options", "check"]
