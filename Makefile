# Zelfscan Ondernemers. `make run` and `make test` do the whole set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/zelfscan.tar.gz

RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
HANDOFF_PORT ?= 8000
export RASA_PORT ACTIONS_PORT HANDOFF_PORT
# No secret has a default here: development generates them once under var/secrets/,
# ZELFSCAN_ENV=production refuses to start without them (README, "Security").
export HANDOFF_URL ?= http://127.0.0.1:$(HANDOFF_PORT)
# Addresses the browser uses (demo page widget, links in e-mails): follow the ports.
export RASA_PUBLIC_URL ?= http://localhost:$(RASA_PORT)
export HANDOFF_PUBLIC_URL ?= http://localhost:$(HANDOFF_PORT)
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# One OpenMP thread: scikit-learn loads OpenMP before the e5 sentence encoder, whose
# threads then busy-wait (about ten times slower per sentence on two cores)
export OMP_NUM_THREADS ?= 1

# The Dutch spaCy pipeline: nl_core_news_sm when installed, else the project's own.
SPACY_MODEL ?= $(shell test -x $(PY) && $(PY) -c "import importlib.util as u; print('nl_core_news_sm' if u.find_spec('nl_core_news_sm') else 'nl_zelfscan_sm')" 2>/dev/null || echo nl_zelfscan_sm)
export SPACY_MODEL

TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(wildcard zelfscan_nlu/*.py)

.PHONY: help install run test lint format pytest service-test e2e attack-test browser-test cluster-test validate story-test nlu-report nlu-benchmark scan-length train chromium benchmark clean FORCE

help:
	@echo "make run         set up (first time), train when needed, start all services"
	@echo "make test        set up (first time), train when needed, run every test"
	@echo "make nlu-report  intent macro-F1 on a held-out split of the NLU data"
	@echo "make nlu-benchmark  parse latency, memory and fallback share (after nlu-report)"
	@echo "make benchmark   this assistant against the Rasa starter bot: msg/s, p50, p95, capacity, memory"

# --- set-up ---------------------------------------------------------------------

$(PY):
	@PYBIN=$$(command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' 2>/dev/null && echo python3.10); \
	if [ -z "$$PYBIN" ] && command -v pyenv >/dev/null 2>&1; then \
	  PYBIN=$$(ls -d "$$(pyenv root)"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1); fi; \
	if [ -z "$$PYBIN" ]; then echo "Python 3.10 is needed (Rasa 3.6 does not run on 3.11). Install python3.10 or pyenv's 3.10." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" "wheel<0.46"

$(VENV)/.installed: requirements.txt requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock
	@touch $@

$(VENV)/.spacy-model: scripts/build_spacy_model.py $(VENV)/.installed
	$(PY) scripts/build_spacy_model.py build/spacy
	@touch $@

# Front-end assets (NL Design System CSS, chat widget), built with the machine's npm.
WEB_STAMP := handoff/static/vendor/.built
$(WEB_STAMP): web/package.json web/package-lock.json web/build.mjs $(wildcard web/src/*)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	@touch $@

install: $(VENV)/.installed $(VENV)/.spacy-model $(WEB_STAMP)

build/spacy-model-name: FORCE
	@mkdir -p build; echo "$(SPACY_MODEL)" | cmp -s - $@ || echo "$(SPACY_MODEL)" > $@

# Train only when data, config, domain or the spaCy model changed.
$(MODEL): $(TRAINING_INPUTS) build/spacy-model-name | install
	@echo "Training with spaCy model $(SPACY_MODEL)"
	@start=$$(date +%s); \
	$(RASA) train --fixed-model-name zelfscan --out models --quiet; \
	echo "Training took $$(( $$(date +%s) - start )) s"

train: $(MODEL)

# --- run --------------------------------------------------------------------------

run: install $(MODEL)
	@$(PY) -m zelfscan_runtime prepare
	@echo "Starting services (Ctrl-C stops all of them):"
	@echo "  Rasa server     http://$${RASA_HOST:-127.0.0.1}:$(RASA_PORT)  (REST: /webhooks/rest/webhook, socket.io; HTTP API: $$( [ -n "$$RASA_ENABLE_API" ] && echo 'on, JWT' || echo off))"
	@echo "  Action server   http://$${ACTIONS_HOST:-127.0.0.1}:$(ACTIONS_PORT)  (health: /health; only the Rasa server may call it)"
	@echo "  Handoff service http://$${HANDOFF_HOST:-127.0.0.1}:$(HANDOFF_PORT)  (demo page: /, staff inbox: /inbox, API: /api/)"
	@if [ -z "$$INBOX_ADMIN_USER" ]; then echo "  No staff account yet? Start with INBOX_ADMIN_USER=... INBOX_ADMIN_PASSWORD=... make run"; fi
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) -m zelfscan_runtime handoff --port $(HANDOFF_PORT) & \
	$(PY) -m zelfscan_runtime actions --port $(ACTIONS_PORT) & \
	$(PY) -m zelfscan_runtime rasa --model $(MODEL) --port $(RASA_PORT) & \
	wait

# --- tests ------------------------------------------------------------------------

test: install $(MODEL)
	$(MAKE) --no-print-directory lint pytest service-test validate story-test e2e attack-test browser-test cluster-test

# Unit and action tests: no servers, no trained model. Exit code 5 = no tests collected.
pytest: install
	$(PY) -m pytest -q -m "not e2e and not browser and not service" tests || [ $$? -eq 5 ]

# Tests that start the real handoff service (SQLite, and PostgreSQL when
# HANDOFF_TEST_POSTGRES_URL is set) or the action server as processes, incl. the
# conversation corpus against the trained model.
service-test: install $(MODEL)
	$(PY) -m pytest -q -m "service and not e2e and not browser" tests

# End to end: starts the real handoff service, action server and Rasa server on free ports.
e2e: install $(MODEL)
	$(PY) -m pytest -q -m e2e tests/e2e tests/channels

# The attack suite: the services started as `make run` starts them, in production mode
# with fresh test secrets, attacked from outside; prints "Attack cases: N tried, N refused".
attack-test: install $(MODEL)
	$(PY) -m pytest -q -m e2e tests/attack

# More than one machine (README): nginx in front of two Rasa servers and two action servers,
# the handoff service, PostgreSQL and Redis (Debian's postgresql, redis-server, nginx; .ci/run
# installs them; without them this fails and says so); whole scans at once, one Rasa server
# killed mid-run. First deploy/kubernetes/ is checked against the Kubernetes schemas with
# kubernetes-validate (its own venv; the schemas come inside the pinned wheel).
KUBE_VALIDATE := build/kube-validate/bin/kubernetes-validate
$(KUBE_VALIDATE): deploy/kubernetes/validate-requirements.txt | $(PY)
	rm -rf build/kube-validate && $(PY) -m venv build/kube-validate
	build/kube-validate/bin/pip install --quiet --no-deps -r deploy/kubernetes/validate-requirements.txt
	@touch $@

cluster-test: install $(MODEL) $(KUBE_VALIDATE)
	$(KUBE_VALIDATE) --kubernetes-version 1.31.0 --strict --quiet deploy/kubernetes/*.yaml deploy/kubernetes/secrets/*.yaml
	@echo "deploy/kubernetes: every manifest valid for Kubernetes 1.31"
	$(PY) -m pytest -q -m e2e tests/cluster

# Browser tests: Playwright driving Debian's chromium (/usr/bin/chromium; .ci/run installs it).
# Screenshot, axe results and timing land in build/test-output/.
browser-test: install $(MODEL) chromium
	$(PY) -m pytest -q -m browser tests/browser

# The browser tests drive Debian's Chromium (Playwright cannot download a browser here).
chromium:
	@test -x "$(CHROMIUM_PATH)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium: run 'sudo apt-get install chromium' or set CHROMIUM_PATH"; exit 1; fi; }

# Lint (ruff) and types (mypy); settings in pyproject.toml. `make format` rewrites the
# import order and layout ruff can fix by itself.
lint: install
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix --select I,F401


validate: install
	$(RASA) data validate --fail-on-warnings --quiet

story-test: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out build/results

nlu-report: install
	$(PY) scripts/nlu_report.py

nlu-benchmark: install
	@test -f build/nlu_report/models/heldout.tar.gz || $(MAKE) --no-print-directory nlu-report
	$(PY) scripts/nlu_benchmark.py

# This assistant against the Rasa starter bot (rasa init, trained once into build/),
# the same REST load on both in one run; prints a table (README "Performance"). Not
# part of `make test` (times are noisy); tests/test_benchmark.py runs a tiny version.
benchmark: install $(MODEL)
	$(PY) scripts/benchmark.py $(BENCHMARK_ARGS)

clean:
	rm -rf build models results handoff/static/vendor handoff/static/widget

scan-length: install
	$(PY) scripts/scan_length.py

# Share of realistic turns handled right per category (tests/conversations/corpus.yml),
# against the trained model and the real action server; the held-out part is the figure.
.PHONY: conversation-report
conversation-report: install $(MODEL)
	$(PY) scripts/conversation_report.py
