# Two set-up commands for a fresh machine (see README):
#   make demo   install everything into .venv and run the lecture example
#   make test   install everything into .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A regular (non-editable) install: the package is used exactly as a user gets it.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

demo: install
	$(BIN)/symbackprop demo

# pytest is started from its own executable, so the tests import the installed package.
test: install-test
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/bench_derive.py

clean:
	rm -rf $(VENV) build dist output/*.json output/*.txt
