# The two commands: `make run` (install, demo data, features, train, promote, serve) and
# `make test` (lint, types, every test). Each stage leaves a file, so a second `make run`
# reuses what the first one built and is serving within seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EWS := $(BIN)/ews
FIRMS ?= 20000
SEED ?= 7
RAW := data/raw/firms.parquet
FEATURES := data/features/features.parquet
CHAMPION := models/.champion

.PHONY: run test test-fast lint types pytest serve data features train promote bench screenshots mlflow-ui clean

# Installs come from uv.lock (`uv lock` after editing pyproject.toml's dependencies; --locked
# refuses a lock that no longer matches them). --inexact keeps what the lock does not list,
# such as uv itself, and lets the test extras stay once installed. --compile-bytecode: uv does
# not write .pyc files, and where PYTHONDONTWRITEBYTECODE is set (as on our machines) every
# process would compile lightgbm, sklearn, shap and mlflow again (~20 s per start).
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --inexact --quiet --compile-bytecode

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'uv>=0.13,<1'

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(SYNC)
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(SYNC) --extra test --extra dask --extra postgres
	touch $@

$(RAW): | $(VENV)/.installed
	$(EWS) demo-data --firms $(FIRMS) --seed $(SEED)

$(FEATURES): $(RAW)
	$(EWS) features

$(CHAMPION): $(FEATURES)
	$(EWS) train
	$(EWS) promote
	touch $@

# Demo staff (two per centre for all 17 시도, an HQ analyst, an admin; passwords in
# models/demo-staff.txt) and the README's analyst, 부산 and admin keys. Idempotent: a rerun adds
# only what is missing.
models/demo-keys.txt: | $(VENV)/.installed
	@mkdir -p models
	@$(EWS) users seed-demo --staff-out models/demo-staff.txt --keys-out $@

data: $(RAW)
features: $(FEATURES)
train promote: $(CHAMPION)

run: $(VENV)/.installed $(CHAMPION) models/demo-keys.txt
	@echo "API keys for this demo (kept in models/demo-keys.txt; staff passwords in models/demo-staff.txt):"
	@cat models/demo-keys.txt
	$(EWS) serve

serve: $(VENV)/.installed
	$(EWS) serve

screenshots: $(VENV)/.test-installed $(CHAMPION)
	$(BIN)/python -m tests.web.screenshots --out docs/screenshots

# All benchmarks: dask needs the dask extra, reliability runs pytest suites (test extra).
bench: $(VENV)/.test-installed
	$(BIN)/python -m bench $(BENCH) --firms $${FIRMS:-20000} --rows $${ROWS:-200000}

mlflow-ui: $(VENV)/.installed
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/models/mlflow.db --port 5000

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.test-installed
	$(BIN)/mypy

pytest: $(VENV)/.test-installed
	$(BIN)/pytest

# The quick loop while editing; `make test` (and CI) still runs the slow tests.
test-fast: $(VENV)/.test-installed
	$(BIN)/pytest -m "not slow" -n auto

test: lint types pytest

clean:
	rm -rf data models/mlflow.db models/artifacts models/service.db models/.champion models/demo-keys.txt models/demo-staff.txt
