# The verbs people type. `make test` and `make preview` set up .venv on first use.
# STACK selects the stack file (Pulumi.$(STACK).yaml) for preview, pulumi-preview and up.
STACK ?= dev
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOURCES := __main__.py conftest.py stack_config images.py image_tags.py verify_deploy.py offline.py preview.py components policy tests bench app scripts e2e examples
# Everything is installed from hashed locks (`make lock` writes them from requirements*.txt), with
# --require-hashes: pip refuses a file whose sha256 the lock doesn't list, and a dependency the lock
# doesn't pin. ./components, an editable install, can't be hashed: it goes in last, its dependencies
# already installed from the lock, without build isolation (so it's built by the locked setuptools).
# requirements-nodeps.lock holds what is installed without its dependencies (cfn-lint: only its
# data is read, by scripts/extract_aws_schemas.py).
LOCKS := requirements.lock requirements-dev.lock requirements-nodeps.lock
PIP_TOOLS := pip-tools==7.6.2

.PHONY: setup policy-venv lock test test-all test-e2e lint preview preview-all e2e e2e-all pulumi-preview up verify-deploy bench clean

# Says what it is doing, and pip lists each package as it goes (a first setup takes a minute or two).
$(VENV)/.installed: $(LOCKS) components/pyproject.toml policy/requirements.txt
	@echo "setup 1/3: a virtualenv in $(VENV) ($(PYTHON)), and the locked, hashed requirements-dev.lock"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --progress-bar off --require-hashes -r requirements-dev.lock
	@echo "setup 2/3: the fargatelb package (./components, editable, built by the locked setuptools)"
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e ./components
	@echo "setup 3/3: cfn-lint without its dependencies (only its schemas are read)"
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-nodeps.lock
	touch $@
	@echo "setup: done; $(VENV) is up to date until a requirements file changes"

setup: $(VENV)/.installed

# The policy pack's virtualenv (policy/PulumiPolicy.yaml: venv) is the program's, so the pack runs on
# the same hashed packages: left missing, the Pulumi CLI would create it from policy/requirements.txt
# without hashes. The workflows run this before every real preview and up.
policy-venv: setup
	test -e policy/venv || ln -s ../$(VENV) policy/venv

lock:  ## regenerate requirements*.lock from requirements*.txt (pip-tools from PyPI); UPGRADE=1 moves every pin
	$(PYTHON) -m venv build/pip-tools
	build/pip-tools/bin/pip install --quiet $(PIP_TOOLS)
	build/pip-tools/bin/python scripts/lock_requirements.py --pip-compile build/pip-tools/bin/pip-compile $(if $(UPGRADE),--upgrade)

# The tests keep Python's bytecode (and pytest's rewritten asserts) between runs even where the
# environment sets PYTHONDONTWRITEBYTECODE: recompiling the repo every run cost the edit loop 5 s.
# (__pycache__ is gitignored, and excluded from every image's build context and content tag.)
TEST_PY := env -u PYTHONDONTWRITEBYTECODE $(PY)

test: setup  ## the edit loop: components under mocks, the verdict, stacks, in parallel (under 30 s)
	$(TEST_PY) -m pytest -q -n auto -m "not e2e and not slow"

test-all: test  ## everything but e2e: also the apps under load, the provider matrix, the examples (CI)
	$(TEST_PY) -m pytest -q -m "slow and not e2e"

test-e2e: setup  ## the e2e emulation's tests: the dev stack's data plane and each mutation (root, about a minute)
	$(PY) -m pytest -q -m e2e

lint: setup  ## ruff, mypy, hadolint
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)
	$(VENV)/bin/mypy
	# Each Python example is a program of its own (its own __main__): checked one at a time.
	for example in examples/*/; do [ -e $${example}__main__.py ] || continue; \
		$(VENV)/bin/mypy $${example}*.py $${example}tests/*.py || exit 1; done
	$(VENV)/bin/hadolint app/*/Dockerfile components/fargatelb/sidecar/Dockerfile

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
