# The two commands of the README: `make demo` and `make test`. Nothing else is needed but
# Python 3.11+ and make. `crm` is installed in .venv/bin, not on the PATH: `make demo` ends
# by printing how to use it by name.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/crm.db
TOUR_DB := .demo/tour.db

.PHONY: demo tour test install lint format completions man bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Marker files so each install runs again only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

demo: $(VENV)/.installed
	@mkdir -p .demo
	$(BIN)/crm --db $(DEMO_DB) demo --reset
	@CRM_DB=$(DEMO_DB) sh scripts/demo-tour.sh "$(BIN)/crm"
	@echo
	@echo "crm is installed in $(BIN), not on your PATH. To call it as crm in this shell:"
	@echo "    . $(BIN)/activate              # or: pipx install . (every shell), or type $(BIN)/crm"
	@echo "    export CRM_DB=$(DEMO_DB)        # the demo data (unset it for your own database)"
	@echo "    crm inbox"

# The README's tour (scripts/tour.sh) on a fresh database, kept afterwards in .demo/tour.db.
tour: $(VENV)/.installed
	@mkdir -p .demo
	@rm -f $(TOUR_DB) $(TOUR_DB)-wal $(TOUR_DB)-shm
	@PATH="$(CURDIR)/$(BIN):$$PATH" CRM_DB=$(TOUR_DB) sh scripts/tour.sh
	@echo
	@echo "The tour's database is $(TOUR_DB): CRM_DB=$(TOUR_DB) $(BIN)/crm tui"

# CI runs `make test`: the static checks first (seconds, and the first failure stops with
# its own tool's message), then the suite.
test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_imports.py
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

completions: $(VENV)/.installed
	for shell in bash zsh fish; do $(BIN)/crm completion $$shell > completions/crm.$$shell; done

# The man pages (man/, installed to share/man/man1): a test fails when they are stale.
man: $(VENV)/.installed
	$(BIN)/python scripts/man.py man

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench --size small

clean:
	rm -rf $(VENV) .demo build *.egg-info
