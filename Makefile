# stepcnn — the two commands: `make run` and `make test`. Needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
SOURCES := stepcnn tests benchmarks docs/gen

.PHONY: run test lint docs-strict docs docs-gen docs-figures fuzz parity bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[test]'
	touch $(STAMP)

# exec: no shell stays between make and the app; the app ends with its terminal (SIGHUP or
# its input gone), and make, which waits for it, then ends too.
run: $(STAMP)
	exec $(BIN)/stepcnn $(SCENARIO)

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

test: lint docs-strict
	$(BIN)/pytest

# The documentation site (mkdocs.yml, docs/): `make docs` builds it into site/. `make test`
# checks that the generated pages are what the code makes now and builds the site strictly
# (a broken link or anchor fails) into a scratch folder.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs-strict: $(STAMP)
	$(BIN)/python -m docs.gen --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .site-check
	rm -rf .site-check

# The generated pages: docs/reference/*.md and the package map in CONTRIBUTING.md.
docs-gen: $(STAMP)
	$(BIN)/python -m docs.gen

# The documentation's pictures, each made by `stepcnn figure` (docs/gen/figures.py).
docs-figures: $(STAMP)
	$(BIN)/python -m docs.gen.figures

# Longer property-based fuzzing of the scenario loader (the suite runs a short version).
fuzz: $(STAMP)
	STEPCNN_FUZZ_EXAMPLES=5000 $(BIN)/pytest -q tests/test_fuzz.py

# Compare every tensor and step value with PyTorch on random architectures.
# Installs the CPU build of PyTorch into its own virtualenv (.venv-torch, ~1 GB).
parity:
	test -x .venv-torch/bin/python || $(PYTHON) -m venv .venv-torch
	.venv-torch/bin/python -m pip --disable-pip-version-check -q install numpy threadpoolctl 'torch==2.13.0'
	.venv-torch/bin/python tests/torch_parity.py $(or $(CASES),300)
	.venv-torch/bin/python tests/codegen_parity.py $(or $(CODE_CASES),30)

bench: $(STAMP)
	@if test -x .venv-torch/bin/python; then \
	  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. .venv-torch/bin/python benchmarks/bench_engine.py; \
	else \
	  echo "note: no .venv-torch (run 'make parity' once): engine timed without PyTorch beside it"; \
	  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/bench_engine.py; \
	fi
	$(BIN)/python benchmarks/bench_trace.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_timeline.py
	$(BIN)/python benchmarks/bench_tui.py
	$(BIN)/python benchmarks/bench_keys.py
	$(BIN)/python benchmarks/bench_playback.py
	$(BIN)/python benchmarks/bench_startup.py

clean:
	rm -rf $(VENV) .venv-torch .mypy_cache .ruff_cache .hypothesis snapshot_report.html site .site-check
