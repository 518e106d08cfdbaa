# The two commands of README.md: `make run` and `make test`.
# Both install into .venv first, from the hash-pinned lock file, so they work on a
# fresh machine with only Python, make and the system package manager.
# `make lock` rewrites the lock files from requirements*.txt, `make audit` checks them
# for known vulnerabilities (docs/security.md, "Dependencies").

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

.PHONY: install run test browser-deps demo-logs bench clean lock audit

# Every package, pip included, at the version and with the hashes the lock file names:
# pip refuses any file whose hash differs. torch's CPU build comes from this machine's
# disk (pip's find-links), the rest from PyPI.
$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
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

# Serving capacity (docs/scaling.md): 500 learners answering every 5 s for a minute against
# gunicorn 2 workers x 4 threads on the PostgreSQL server DATABASE_URL names. Run it on a quiet machine.
bench-load:
	$(BIN)/python bench/study_load.py --learners 500 --think 5 --seconds 60 --saturation-seconds 15

# The lock files for Linux x86-64 and Python 3.11 (the machines' and the image's): the
# runtime's (the Dockerfile installs it) and the development one (make install), which is
# held to the runtime's pins. Pins stay where requirements*.txt allow them;
# `make lock UPGRADE=1` moves every package to its newest allowed version.
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_35 \
	--find-links /opt/wheels --no-emit-find-links --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(if $(wildcard requirements-dev.lock),install)
	$(BIN)/uv pip compile $(LOCK_FLAGS) requirements.txt -o requirements.lock
	$(BIN)/uv pip compile $(LOCK_FLAGS) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

# Known vulnerabilities of every locked package, from PyPI's per-release advisory data
# (the PyPA advisory database), which pip-audit asks for each pinned version. --strict:
# a package PyPI cannot answer for fails the audit instead of being skipped. torch is
# looked up by its release (its CPU build's "+cpu" is not a version PyPI knows). When
# that data cannot be reached, it says so and exits 2 without auditing anything.
AUDIT_PROBE = https://pypi.org/pypi/pip/$(shell sed -n 's/^pip==\([^ ]*\) .*/\1/p' requirements-dev.lock)/json
AUDIT_FLAGS := --disable-pip --strict --progress-spinner off
audit: install
	@$(BIN)/python -c "import urllib.request; urllib.request.urlopen('$(AUDIT_PROBE)', timeout=15)" 2>/dev/null || { \
		echo "make audit: PyPI's per-release vulnerability data ($(AUDIT_PROBE)) cannot be reached"; \
		echo "from this machine (no connection, or a mirror that does not serve it); nothing was audited."; exit 2; }
	awk '/^torch==/ {skip = 1; next} skip && /^ +--hash/ {next} {skip = 0; print}' requirements-dev.lock > $(VENV)/audit-without-torch.txt
	sed -n 's/^torch==\([0-9.]*\)+cpu .*/torch==\1/p' requirements-dev.lock > $(VENV)/audit-torch.txt
	$(BIN)/pip-audit $(AUDIT_FLAGS) --require-hashes -r $(VENV)/audit-without-torch.txt
	$(BIN)/pip-audit $(AUDIT_FLAGS) --no-deps -r $(VENV)/audit-torch.txt

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
