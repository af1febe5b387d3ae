# Two set-up commands for a fresh machine (see README):
#   make demo   install everything into .venv and run the lecture example
#   make test   install everything into .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
QTI_SDIST = pyslet-0.7.20170805.tar.gz

# TeX for the PDF reports, from Debian's packages (root or sudo needed; skipped with a notice
# when neither is available: symbackprop then writes the .tex files and says how to get TeX).
TEX_PACKAGES = texlive-latex-recommended texlive-latex-extra texlive-lang-spanish lmodern latexmk poppler-utils

.PHONY: demo test fuzz bench install install-test tex clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A regular (non-editable) install: the package is used exactly as a user gets it.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

# PyTorch is a test-only dependency (the CPU wheel of torch==2.13.0): the tests compare every
# gradient with its autograd. JAX (CPU, jax==0.10.2) is one too: it runs the exported JAX backend.
# The LMS exports' tests need two things from outside Python: MathJax (the npm package
# mathjax-full, pinned by tools/mathjax/package-lock.json), which renders every exported question
# as Moodle/Canvas do; and the published QTI 1.2.1 DTD (ims_qtiasiv1p2p1.dtd, IMS), which the
# pyslet sdist on PyPI carries (tests/.schemas, read there by tests/test_qti.py).
install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]" "torch==2.13.0" "jax==0.10.2" "jaxlib==0.10.2"
	@if command -v npm >/dev/null 2>&1; then \
	  cd tools/mathjax && npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "No npm: the MathJax test of the LMS exports will not run (install Node.js and npm)"; \
	fi
	@test -f tests/.schemas/$(QTI_SDIST) || $(BIN)/python -m pip download --quiet --no-deps \
	    --no-binary :all: "pyslet==0.7.20170805" -d tests/.schemas

tex:
	@if command -v latexmk >/dev/null 2>&1 && kpsewhich lmodern.sty >/dev/null 2>&1 \
	    && command -v pdftotext >/dev/null 2>&1; then \
	  echo "TeX is installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES); \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES); \
	else \
	  echo "No TeX and no root: PDFs will not be built. Install: apt-get install $(TEX_PACKAGES)"; \
	fi

demo: install tex
	$(BIN)/symbackprop demo

# pytest is started from its own executable, so the tests import the installed package.
test: install-test tex
	$(BIN)/pytest -n auto --dist loadscope

# The fuzzing suite at nightly size: 10,000 generated cases per entry point (spec, graph
# expression, answers, roster), a new random search each run.
fuzz: install-test
	$(BIN)/pytest tests/test_fuzz_spec.py tests/test_fuzz_expressions.py tests/test_fuzz_answers.py \
	    tests/test_fuzz_roster.py --fuzz=nightly -p no:cacheprovider

bench: install
	$(BIN)/python benchmarks/bench_derive.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_json.py

clean:
	rm -rf $(VENV) build dist output/*.json output/*.txt tools/mathjax/node_modules tests/.schemas
