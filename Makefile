# The two set-up commands: `make run` and `make test`. Each installs what it needs on a fresh machine.
PYTHON ?= python3.11
UV_VERSION := 0.13.8
OUTILS := .outils
UV := $(OUTILS)/bin/uv
VENV := .venv

.PHONY: run test test-rapide bench installer clean

$(UV):
	$(PYTHON) -m venv $(OUTILS)
	$(OUTILS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installe: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

installer: $(VENV)/.installe

run: installer
	$(VENV)/bin/cnracl run

test: installer
	$(VENV)/bin/pytest -q -p no:cacheprovider

test-rapide: installer
	$(VENV)/bin/pytest -q -m "not postgres and not e2e"

bench: installer
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(OUTILS) var
