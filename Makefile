# The two commands: `make run` (the whole local portal) and `make test` (what CI runs);
# `make check` is the inner loop: lint + the fast tests (no subprocess stack, browser, fuzzing).
# Each does its own set-up: a .venv with the pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-sam.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
# The tests `make check` runs: all but those that start the stack, a browser or the fuzzer.
FAST_TESTS := not stack and not browser and not fuzz

.PHONY: run test check lint bench package deploy destroy clean

$(STAMP): requirements.txt requirements-dev.txt requirements-sam.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@echo "Setting up $(VENV) with the pinned dependencies (first run takes a minute or two) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-sam.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c 'import chalice, moto, pynamodb, PIL, pytest' || (echo "dependency install failed" && exit 1)
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

check: lint
	$(PY) -m pytest -q -m "$(FAST_TESTS)" -n auto

bench: $(STAMP)
	$(PY) -m bench

package: $(STAMP)
	$(PY) -m infra.package --stage $(STAGE)

deploy: package
	infra/deploy.sh $(STAGE)

destroy:
	infra/destroy.sh $(STAGE)

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
