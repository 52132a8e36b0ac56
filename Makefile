# The two commands of the README: `make demo` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A CPU build of PyTorch (the [torch] extra would otherwise let pip choose a CUDA build).
TORCH ?= torch==2.13.0

.PHONY: demo test lint format bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every extra: the demo draws figures, writes the report and compares against the peers.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[all]"
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[all,test]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/losslab demo --out losslab-demo

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff format --check src tests notebooks

# Then every lesson notebook, executed: an error or a wrong checked answer fails the run.
test: lint
	$(BIN)/python -m pytest -n 2
	$(BIN)/python -m pytest -n 2 --nbmake notebooks/*.ipynb

# Timings against a NumPy bandwidth proxy: OpenBLAS tuning variables would slow NumPy down.
bench: $(VENV)/.test-installed
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py $(ARGS)

# The documentation site into site/ (warnings are errors; the gallery's scripts run).
docs: $(VENV)/.test-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

format: $(VENV)/.test-installed
	$(BIN)/ruff format src tests notebooks
	$(BIN)/ruff check --fix src tests notebooks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis site docs/generated .cache
