# The verbs people type. `make test` and `make preview` set up .venv on first use.
# STACK selects the stack file (Pulumi.$(STACK).yaml) for preview, pulumi-preview and up.
STACK ?= dev
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOURCES := __main__.py stack_config.py images.py image_tags.py verify_deploy.py offline.py preview.py components policy tests bench app scripts e2e
# Only cfn-lint's data is read (scripts/extract_aws_schemas.py): installed without its dependencies.
CFN_LINT := cfn-lint==1.58.0

.PHONY: setup test test-e2e lint preview preview-all e2e e2e-all pulumi-preview up verify-deploy bench clean

# Says what it is doing, and pip lists each package as it goes (a first setup takes a minute or two).
$(VENV)/.installed: requirements.txt requirements-dev.txt components/pyproject.toml policy/requirements.txt
	@echo "setup 1/3: a virtualenv in $(VENV) ($(PYTHON)), with the latest pip"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	@echo "setup 2/3: requirements-dev.txt (the program, the fargatelb package, test and lint tools)"
	$(VENV)/bin/pip install --progress-bar off -r requirements-dev.txt
	@echo "setup 3/3: $(CFN_LINT) without its dependencies (only its schemas are read)"
	$(VENV)/bin/pip install --quiet --no-deps $(CFN_LINT)
	touch $@
	@echo "setup: done; $(VENV) is up to date until a requirements file changes"

setup: $(VENV)/.installed

test: setup  ## unit tests under Pulumi mocks, the verdict, the apps as real processes (under 30 s)
	$(PY) -m pytest -q

test-e2e: setup  ## the e2e emulation's tests: the dev stack's data plane and each mutation (root, about a minute)
	$(PY) -m pytest -q -m e2e

lint: setup  ## ruff, mypy, hadolint
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint app/*/Dockerfile

# The preview exits 0 (proven), 1 (a path broken) or 2 (config invalid), but make exits 2 whenever a
# recipe fails: `./preview $(STACK)` is the documented command that keeps the three apart.
preview: setup  ## the offline preview: the verdict first, findings with fixes, paths, cost; no cloud needed
	@$(PY) preview.py $(STACK)

preview-all: setup
	@$(PY) preview.py --all

e2e: setup  ## the stack's data plane in network namespaces, real apps and traffic (root); MUTATE=name breaks one thing
	$(PY) -m e2e $(STACK) $(if $(MUTATE),--mutate $(MUTATE))

e2e-all: setup
	$(PY) -m e2e dev
	$(PY) -m e2e prod

pulumi-preview: setup  ## a real preview against AWS, enforcing the policy pack (needs the CLI and credentials)
	pulumi preview --stack $(STACK) --policy-pack policy

up: setup  ## deploy (needs the CLI, AWS credentials and Docker for the image builds)
	pulumi up --stack $(STACK) --policy-pack policy

verify-deploy: setup  ## after `up`: the services run the revisions the stack declares (see verify_deploy.py --help)
	pulumi stack output --stack $(STACK) --json | $(PY) verify_deploy.py --outputs -

bench: setup
	$(PY) bench/preview_bench.py
	$(PY) bench/apps_bench.py

clean:
	rm -rf $(VENV) out
