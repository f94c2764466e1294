# The two set-up commands: `make run` and `make test`. Each installs what it needs on a fresh machine.
PYTHON ?= python3.11
UV_VERSION := 0.13.8
OUTILS := .outils
UV := $(OUTILS)/bin/uv
VENV := .venv

.PHONY: run test check test-rapide chaos bench installer bytecode clean ressources-pages chromium

$(UV):
	$(PYTHON) -m venv $(OUTILS)
	$(OUTILS)/bin/pip install --quiet uv==$(UV_VERSION)

# Each test and each `cnracl` process imports hundreds of modules: their bytecode is written at install time, since
# an environment with PYTHONDONTWRITEBYTECODE set (CI's) would otherwise compile every one at every start.
$(VENV)/.installe: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

installer: $(VENV)/.installe

# The project's own bytecode, for the same reason; only the sources changed since are compiled again.
SOURCES := activities api bench cli domain notifications observabilite pension persistence services tests workflows \
	$(wildcard *.py)
bytecode: installer
	$(VENV)/bin/python -m compileall -q -j 0 -x '/\.' $(SOURCES) > /dev/null

# The pages' assets (Système de Design de l'État, htmx, Swagger UI and ReDoc for /docs and /redoc; axe-core for the
# accessibility tests), from package-lock.json.
node_modules/.installe: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

ressources-pages: node_modules/.installe

# Headless Chromium for the browser tests: Debian's package (Playwright never downloads a browser here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

chromium: $(CHROMIUM)

run: bytecode ressources-pages
	$(VENV)/bin/cnracl run

# The tests run in two processes (pytest-xdist, one test module per process at a time): most of their time is
# spent waiting on Temporal's servers, the SMTP sink and the databases, each test with its own. The fault tests
# kill processes and bound delays: they run after the others, two at a time and no more, so that no other test's
# load stretches the outages they time.
CHAOS := tests/chaos tests/e2e/test_arret_worker.py tests/campagne/test_arret_worker_campagne.py \
	tests/notifications/test_gabarits.py::test_smtp_en_panne_puis_retabli
SANS_CHAOS := --ignore=tests/chaos --ignore=tests/e2e/test_arret_worker.py \
	--ignore=tests/campagne/test_arret_worker_campagne.py \
	--deselect=tests/notifications/test_gabarits.py::test_smtp_en_panne_puis_retabli
test: check bytecode ressources-pages chromium
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=20 -n 2 --dist loadfile $(SANS_CHAOS)
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=10 -n 2 --dist loadfile $(CHAOS)

# What keeps the code as it is: lint, format, types (strict on domain, pension, workflows, services) and the
# layers' import contracts (pyproject.toml). Each check runs; the target fails if one of them fails.
CONTROLES := "ruff check ." "ruff format --check ." "mypy" "lint-imports"
check: installer
	@echec=0; for controle in $(CONTROLES); do \
		echo "== $$controle"; $(VENV)/bin/$$controle || echec=1; \
	done; exit $$echec

test-rapide: bytecode
	$(VENV)/bin/pytest -q -m "not postgres and not e2e"

# The fault tests alone (they are also part of `make test`): worker or Temporal server killed, PostgreSQL
# connections cut, SMTP down.
chaos: bytecode
	$(VENV)/bin/pytest -q -p no:cacheprovider $(CHAOS)

bench: bytecode
	$(VENV)/bin/python -m bench

# Record the histories the replay test replays, one per process (docs/versions.md: when to re-record).
.PHONY: historiques
historiques: installer
	$(VENV)/bin/python -m tests.workflows.enregistrer

clean:
	rm -rf $(VENV) $(OUTILS) var
