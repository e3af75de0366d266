# Two commands do all the set-up on a fresh machine:
#   make demo   - venv, packages, map assets, the Linxia plan, served at http://127.0.0.1:5000
#   make test   - venv, packages, map assets, Debian chromium, lint, types, the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ASSETS := app/static/vendor/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PLANS ?= plans

.PHONY: demo test lint assets chromium venv plan serve clean

venv: $(INSTALLED)
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

assets: $(ASSETS)
$(ASSETS): node_modules/.installed $(INSTALLED) app/assets.py
	$(PY) -m app.assets node_modules app/static/vendor
	touch $@

# Debian's chromium for the browser tests (no browser download from any other site).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
	  $(SUDO) apt-get install -y -q --no-install-recommends chromium; }

$(PLANS)/linxia/plan.json: scenarios/linxia.toml $(INSTALLED)
	$(VENV)/bin/coldchain plan scenarios/linxia.toml --out $(PLANS)/linxia

plan: $(PLANS)/linxia/plan.json

# A planner account for the demo, with a generated password kept (0600) in instance/.
DEMO_LOGIN := instance/demo-login.txt
$(DEMO_LOGIN): $(INSTALLED)
	@mkdir -p instance
	@pw=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(12))"); \
	  printf '%s\n' "$$pw" | $(VENV)/bin/coldchain users add demo --role planner \
	    --instance instance --password-stdin >/dev/null && \
	  umask 077 && printf 'user: demo\npassword: %s\n' "$$pw" > $@

serve: $(ASSETS) $(DEMO_LOGIN)
	@echo "Log in at http://127.0.0.1:5000 with:"; cat $(DEMO_LOGIN)
	COLDCHAIN_INSTANCE_DIR=instance \
	  $(VENV)/bin/coldchain serve --plans $(PLANS) --host 127.0.0.1 --port 5000

demo: $(ASSETS) plan serve

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: $(INSTALLED) $(ASSETS) chromium lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) node_modules app/static/vendor $(PLANS) instance
