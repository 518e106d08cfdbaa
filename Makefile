# The two commands of README.md: `make run` and `make test`.
# Both install into .venv first, so they work on a fresh machine with only
# Python, make and the system package manager.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
# glibc maps every block over 1 MB on its own, on huge pages, and returns it when freed:
# CAKT's training then peaks at 1.2 GB instead of 2.2 GB for a fifth more time per
# epoch (docs/cakt-speed.md). Read by glibc at process start; ignored elsewhere.
export GLIBC_TUNABLES ?= glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test browser-deps demo-logs bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright's own download cannot be used).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "Mnemo is starting at http://127.0.0.1:$${MNEMO_PORT:-8000}/ (web, Celery worker and beat)."
	@echo "Sign in with the demo accounts printed above. For simulated study history:"
	@echo "  $(BIN)/python manage.py simulate_learners --learners 20 --days 30"
	@echo ""
	$(BIN)/honcho start

test: install browser-deps
	$(BIN)/python -m pytest

bench: install
	for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
