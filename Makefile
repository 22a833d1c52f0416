# The quick start is two commands:  make release  and  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: release test lint generate bench clean

$(STAMP): pyproject.toml
	@echo "First run: creating $(VENV)/ and installing exilegraph with its dependencies (linkml, rdflib,"
	@echo "pySHACL, pyoxigraph, the Oxigraph server, ...). This takes one to three minutes; later runs skip it."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)
	@echo "Installed. Run the toolkit as $(BIN)/exilegraph, or activate the environment: . $(VENV)/bin/activate"

## Build the release from records/ into output/ (creates the environment on first use)
release: $(STAMP)
	$(BIN)/exilegraph release

## Run the test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Regenerate the artifacts derived from the schema (shapes, context, JSON Schema, model, docs)
generate: $(STAMP)
	$(BIN)/exilegraph generate

## Benchmark: 1k synthetic cases, with the naive pipeline for comparison
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --cases 1000

clean:
	rm -rf $(VENV) output

## Lint: the layers contract (import-linter), ruff's rules and formatting
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
