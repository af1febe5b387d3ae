"""Shared helpers for the tests: the lecture spec and an independent reference network."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from symbackprop import load_spec

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT / "examples" / "lecture_2_2_2.yaml"


@pytest.fixture(scope="session")
def lecture_spec():
    return load_spec(LECTURE)


def d(text: str) -> Decimal:
    return Decimal(text)
