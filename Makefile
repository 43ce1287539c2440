# The two quick-start commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-dev browser messages sample clean

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

# The report's browser tests drive Debian's Chromium, never a browser download of Playwright's.
# As root (CI) it is installed when missing; otherwise the tests say how to install it.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "chromium is missing: the browser tests need 'apt-get install chromium' (as root)"; fi; \
	fi

test: install-dev browser
	$(BIN)/ruff check src tests bench samples
	$(BIN)/mypy
	$(BIN)/pytest -q

# Regenerate the bundled sample from the fixture builders.
sample: install-dev
	$(BIN)/python -m samples.build_sample

# Re-extract the translatable strings and merge them into every catalogue (then translate).
messages: install-dev
	$(BIN)/pybabel extract -F src/perito/output/report/babel.cfg --no-location --sort-output \
	  -k ngettext:1,2 -o $(VENV)/perito.pot --project perito .
	$(BIN)/pybabel update -i $(VENV)/perito.pot -d src/perito/output/report/locales -D perito \
	  --width 100 --ignore-obsolete

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
