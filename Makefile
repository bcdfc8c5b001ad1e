# The README's commands. `make demo` works on a fresh machine with only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test ui portal lint install clean bench

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv resolves and installs the locked set in seconds; plain pip is the fallback.
	@if $(BIN)/python -m pip install -q uv 2>/dev/null; then \
		$(BIN)/python -m uv pip install --python $(BIN)/python --compile-bytecode -q -r requirements.lock && \
		$(BIN)/python -m uv pip install --python $(BIN)/python --compile-bytecode -q --no-deps -e . ; \
	else \
		$(BIN)/python -m pip install -q -r requirements.lock && \
		$(BIN)/python -m pip install -q --no-deps -e . ; \
	fi
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tietohuolto demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Speed figures at S and M (L takes long: `tietohuolto bench speed --sizes L`).
bench: $(STAMP)
	$(BIN)/tietohuolto bench speed --sizes S,M

ui: $(STAMP)
	$(BIN)/tietohuolto ui

# The customers' portal and API on https://127.0.0.1:8443 (self-signed pair in var/portal/).
portal: $(STAMP)
	$(BIN)/tietohuolto portal --dev-cert

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf var/demo var/outbox
