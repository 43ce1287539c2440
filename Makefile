# The two quick-start commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-dev sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'

# Scan the bundled sample backup with the bundled Pegasus indicators. perito exits 2 when it
# finds something (the sample has planted traces), so only exit code 1 (could not run) fails.
demo: install
	@rc=0; $(BIN)/perito ios check-backup samples/ios-backup -i samples/iocs -o out/sample || rc=$$?; \
	  echo "perito exit code: $$rc (2 = indicators matched, see README)"; [ $$rc -ne 1 ]

lint:
	$(BIN)/ruff check src tests bench samples
	$(BIN)/mypy

test: install-dev
	$(BIN)/ruff check src tests bench samples
	$(BIN)/mypy
	$(BIN)/pytest -q

# Regenerate the bundled sample from the fixture builders.
sample: install-dev
	$(BIN)/python -m samples.build_sample

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
