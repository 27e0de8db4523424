# Two commands matter on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_CLINIC ?= demo
DEMO_USER ?= admin
DEMO_PASSWORD ?= admin-demo-pass
SAMPLE ?= var/sample/demo.dpm.zst.enc
SAMPLE_PASSPHRASE ?= contraseña-demo
# Every target here is a developer's: development mode, with the repository's keys
# (config/security.py). A deployment sets its own secrets instead (docs/operations.md).
export DENTALPIN_DEV := 1

.PHONY: install system-deps run test test-postgres lint format sample demo clean bench

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

demo: install
	mkdir -p var/sample
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py create_clinic $(DEMO_CLINIC) --name "Clínica Demo" --if-missing
	DEMO_PASSWORD='$(DEMO_PASSWORD)' $(PY) manage.py add_clinic_member $(DEMO_CLINIC) $(DEMO_USER) \
		--role admin --password-env DEMO_PASSWORD
	test -f $(SAMPLE) || DPMF_PASSPHRASE='$(SAMPLE_PASSPHRASE)' $(PY) manage.py make_sample_dpmf \
		$(SAMPLE) --patients 200 --layer zstd-enc --passphrase-env DPMF_PASSPHRASE --seed 7
	DPMF_PASSPHRASE='$(SAMPLE_PASSPHRASE)' $(PY) manage.py import_dpmf $(SAMPLE) \
		--clinic $(DEMO_CLINIC) --passphrase-env DPMF_PASSPHRASE --user $(DEMO_USER)

run: demo
	@echo "Log in at http://127.0.0.1:$(PORT)/import/ as $(DEMO_USER) / $(DEMO_PASSWORD)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser tests drive Debian's chromium, the worker tests start redis-server and the
# catalog test runs makemessages (gettext): installed with apt when missing and we may
# (root), else said plainly.
system-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing (apt)"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing:$$missing (apt-get install -y$$missing); those tests will be skipped" >&2; fi; \
	fi

# Every test runs, browser and services ones included; pytest's exit 5 (nothing
# collected) is a failure too, said plainly.
test: install system-deps
	$(PY) -m pytest -q || { status=$$?; [ $$status -ne 5 ] || echo "pytest collected no tests" >&2; exit $$status; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) benchmarks/import_speed.py
	$(PY) benchmarks/cutover_speed.py

clean:
	rm -rf var/dentalpin.sqlite3* var/staging var/media
