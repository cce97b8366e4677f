# The verbs people type. `make test` and `make preview` set up .venv on first use.
# STACK selects the stack file (Pulumi.$(STACK).yaml) for preview, pulumi-preview and up.
STACK ?= dev
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOURCES := __main__.py stack_config.py images.py offline.py preview.py components policy tests bench app e2e

.PHONY: setup test lint preview preview-all e2e e2e-all pulumi-preview up bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt components/pyproject.toml policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

test: setup  ## unit tests under Pulumi mocks, the wiring check, the apps as real processes
	$(PY) -m pytest -q

lint: setup  ## ruff, mypy, hadolint
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint app/*/Dockerfile

preview: setup  ## the offline preview: resources, proven paths, findings, diagram; no cloud needed
	$(PY) preview.py $(STACK)

preview-all: setup
	$(PY) preview.py --all

e2e: setup  ## the stack's data plane in network namespaces, real apps and traffic (root); MUTATE=name breaks one thing
	$(PY) -m e2e $(STACK) $(if $(MUTATE),--mutate $(MUTATE))

e2e-all: setup
	$(PY) -m e2e dev
	$(PY) -m e2e prod

pulumi-preview: setup  ## a real preview against AWS, enforcing the policy pack (needs the CLI and credentials)
	pulumi preview --stack $(STACK) --policy-pack policy

up: setup  ## deploy (needs the CLI, AWS credentials and Docker for the image builds)
	pulumi up --stack $(STACK) --policy-pack policy

bench: setup
	$(PY) bench/preview_bench.py
	$(PY) bench/apps_bench.py

clean:
	rm -rf $(VENV) out
