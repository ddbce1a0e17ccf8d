# The user's commands. `make demo` and `make test` are the quick start; both set up what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
JAR_CACHE ?= $(HOME)/.cache/lakehouse/ivy
DEMO := var/demo
LOGSTORE_JAR := logstore/target/lakehouse-logstore-1.0.0.jar
export LAKEHOUSE_JAR_CACHE := $(JAR_CACHE)

.PHONY: setup lock lock-tools setup-browser demo demo-soak demo-run test test-unit test-integration test-slow bench screenshot lint format clean package deploy

setup: $(VENV)/.installed $(JAR_CACHE)/.warm-jars-2 $(LOGSTORE_JAR)

# The venv is made anew from the lock: exactly the pinned set (--no-deps: nothing resolved at
# install time; setuptools too, the project's build backend), then the project without its
# dependencies or a build environment of its own; pip check proves the set is whole.
PIP_VERSION := 26.3
LOCK := requirements-lock.txt
$(VENV)/.installed: pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (AWS Glue 5.1 parity)"'
	@java -version 2>&1 | grep -q 'version "17' || { echo "Java 17 is required (AWS Glue 5.1 parity): set JAVA_HOME or PATH"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	@touch $@

# A new lock: the newest versions pyproject.toml allows, resolved in a scratch venv. Review the
# diff, then `make setup test` (Dependabot's pull requests go through the same CI).
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet pip==$(PIP_VERSION) setuptools
	var/lock-venv/bin/pip install --quiet '.[dev]'
	{ sed -n '/^#/p' $(LOCK); var/lock-venv/bin/pip freeze --all --exclude ecommerce-lakehouse --exclude pip; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf var/lock-venv

# The Delta log store the Glue jobs load (--extra-jars; logstore/pom.xml): built with Maven, Java 17.
$(LOGSTORE_JAR): logstore/pom.xml $(shell find logstore/src -name '*.java')
	mvn -q -B -f logstore/pom.xml package
	@test -f $@

# Spark resolves the Delta jars from Maven Central once; later starts use the cache.
$(JAR_CACHE)/.warm-jars-2: $(VENV)/.installed
	$(BIN)/python -m shared.spark
	@mkdir -p $(JAR_CACHE) && touch $@

# Headless Chromium for the run report's browser test (tests/lakehouse/report/test_browser.py) and
# `make screenshot`: Debian's chromium package (root, or sudo). CI runs it before `make test`.
# GitHub's Ubuntu runners already have Google Chrome, which the test and this target accept too.
BROWSER = $(shell command -v chromium || command -v google-chrome)
setup-browser:
	@command -v chromium >/dev/null || command -v google-chrome >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }
	@$$(command -v chromium || command -v google-chrome) --version

# The whole system on the local AWS runtime: deploy the real template, drop a generated sample,
# follow the Step Functions execution, print the summary (see orchestration/demo.py).
demo: setup
	$(BIN)/lakehouse demo

# The quick start N times in a row, each with a fresh seed and a fresh local runtime: one line per
# run and the count; exits 1 unless every run SUCCEEDED with nothing left in raw.
N ?= 10
demo-soak: setup
	$(BIN)/python -m orchestration.soak --runs $(N)

# The same pipeline without the AWS layer: one `lakehouse run` on local folders.
demo-run: setup
	rm -rf $(DEMO)
	$(BIN)/lakehouse generate --out $(DEMO)/raw --orders 3000 --days 7 --defects 0.02 --seed 7 --late-orders-out $(DEMO)/late
	$(BIN)/lakehouse run --raw $(DEMO)/raw --warehouse $(DEMO)/warehouse
	@echo; echo "--- a second drop brings the orders of the pending items ---"
	mkdir -p $(DEMO)/raw && cp -r $(DEMO)/late/. $(DEMO)/raw/
	$(BIN)/lakehouse run --raw $(DEMO)/raw --warehouse $(DEMO)/warehouse
	@echo; echo "--- gold through the local Athena (sql/views/weekly_sales.sql) ---"
	$(BIN)/lakehouse query --warehouse $(DEMO)/warehouse "select * from gold.weekly_sales order by 1"
	@echo; echo "--- post-load validation (sql/validation/gold_reconciliation.sql): 0 failures expected ---"
	$(BIN)/lakehouse query --warehouse $(DEMO)/warehouse --file sql/validation/gold_reconciliation.sql

# Two pytest workers (pytest-xdist), each with its own Spark session (tests/conftest.py), given a
# whole test file at a time: a module's local AWS runtime and fixtures stay in one process. Files
# go out longest first (tests/conftest.py); xdist would otherwise reorder them by their number of
# tests, which left the longest files to the end (a clean-clone run ended on them alone).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: setup
	$(PYTEST)

# The two halves of `make test`, as CI's jobs run them: everything but the local AWS runtime, and
# the local AWS runtime (tests/orchestration: deploy, Step Functions, Glue runs, Athena).
test-unit: setup
	$(PYTEST) --ignore=tests/orchestration

test-integration: setup
	$(PYTEST) tests/orchestration

# pytest exits 5 when no test is marked slow: that is not a failure.
test-slow: setup
	$(PYTEST) -m slow || [ $$? -eq 5 ]

# The performance benchmark (not part of `make test`, about 25 minutes on 2 cores): full loads at
# 100k and 1M orders against the floor, one-day runs into 10 and 100 days of history, 30 daily runs.
# Writes bench/results/latest.json and latest.png; exits 1 when a target is missed (lakehouse/bench).
bench: setup
	$(BIN)/python -m lakehouse.bench.run $(BENCH_ARGS)

# The README's picture of a run report: the report of `make demo-run`'s first run (the drop with
# defects), as headless Chromium paints it (REPORT=path picks another page).
REPORT ?= $(shell ls -1 $(DEMO)/warehouse/_reports/*.html 2>/dev/null | head -n 1)
screenshot: setup-browser
	@test -n "$(REPORT)" || { echo "no report: run make demo-run first (or set REPORT=...)"; exit 2; }
	$(BROWSER) --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2400 \
		--screenshot=.github/assets/run-report.png "file://$(abspath $(REPORT))"

TOOLS := .tools

# statelint: the npm port (@wmfs/statelint) of AWS's Ruby statelint, with its whole dependency tree
# pinned in tools/statelint/package-lock.json, installed by `npm ci` into the git-ignored .tools/.
STATELINT_LOCK := tools/statelint/package-lock.json
STATELINT_STAMP := $(TOOLS)/.statelint-installed

$(STATELINT_STAMP): $(STATELINT_LOCK) tools/statelint/package.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is required for statelint"; exit 1; }
	mkdir -p $(TOOLS)
	cp tools/statelint/package.json $(STATELINT_LOCK) $(TOOLS)/
	npm ci --prefix $(TOOLS) --no-audit --no-fund --ignore-scripts
	@touch $@

# actionlint (GitHub workflows), built from its pinned Go module into .tools/bin.
ACTIONLINT_VERSION := 1.7.12
ACTIONLINT := $(TOOLS)/bin/actionlint
ACTIONLINT_STAMP := $(TOOLS)/.actionlint-$(ACTIONLINT_VERSION)

$(ACTIONLINT_STAMP):
	@command -v go >/dev/null || { echo "Go is required to build actionlint"; exit 1; }
	GOBIN=$(abspath $(TOOLS))/bin go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION)
	@touch $@

# checkov (IaC security scanner) in a venv of its own: its dependencies pin versions the project's
# don't share. Every package of that venv is pinned in tools/checkov-lock.txt (`make lock-tools`).
# Its findings are fixed or skipped inline with a reason (checkov:skip=...).
CHECKOV_VERSION := 3.3.30
CHECKOV_LOCK := tools/checkov-lock.txt
CHECKOV := $(TOOLS)/checkov/bin/checkov
CHECKOV_STAMP := $(TOOLS)/.checkov-installed

$(CHECKOV_STAMP): $(CHECKOV_LOCK)
	rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(TOOLS)/checkov/bin/pip install --quiet --no-deps -r $(CHECKOV_LOCK)
	$(TOOLS)/checkov/bin/pip check
	@touch $@

# New locks for the lint tools: checkov==CHECKOV_VERSION and the statelint pin of tools/statelint.
lock-tools:
	rm -rf var/checkov-venv
	$(PYTHON) -m venv var/checkov-venv
	var/checkov-venv/bin/pip install --quiet pip==$(PIP_VERSION) checkov==$(CHECKOV_VERSION)
	{ sed -n '/^#/p' $(CHECKOV_LOCK); var/checkov-venv/bin/pip freeze --all --exclude pip; } > $(CHECKOV_LOCK).new
	mv $(CHECKOV_LOCK).new $(CHECKOV_LOCK)
	rm -rf var/checkov-venv
	cd tools/statelint && npm install --package-lock-only --no-audit --no-fund --ignore-scripts

# lint-imports keeps the floors of pyproject's [tool.importlinter] (shared, the layers, the application);
# cfn-lint checks the templates as written and as deployed (the ASL inlined by orchestration/package.py);
# detect-secrets scans every tracked file for credentials and keys.
lint: $(VENV)/.installed $(STATELINT_STAMP) $(ACTIONLINT_STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/sqlfluff lint sql
	$(BIN)/cfn-lint orchestration/template.yaml orchestration/bootstrap.yaml
	@mkdir -p var
	$(BIN)/python -m orchestration.package --out var/packaged-template.json
	$(BIN)/cfn-lint var/packaged-template.json
	node orchestration/statelint.js orchestration/statemachine.asl.json
	$(ACTIONLINT) -no-color
	$(CHECKOV) --config-file .checkov.yaml
	git ls-files -z | xargs -0 $(BIN)/detect-secrets-hook

# The wheel, the packaged template and the Glue code bundle (with its MANIFEST.json) in dist/:
# the CI package job's artifact, which the deploy workflow deploys.
package: $(VENV)/.installed $(LOGSTORE_JAR)
	rm -rf dist
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
	$(BIN)/python -m orchestration.package --out dist/template.json --bundle dist/glue

# Deploy + smoke run + Athena views (orchestration/release.py), the script the deploy workflow runs.
# ENV=local: the local runtime (one is started for the release if none is listening).
ENV ?= local
deploy: $(VENV)/.installed $(LOGSTORE_JAR) $(if $(filter local,$(ENV)),$(JAR_CACHE)/.warm-jars-2)
	$(BIN)/lakehouse release $(if $(filter local,$(ENV)),--local,--env $(ENV)) \
		$(if $(BUNDLE),--bundle $(BUNDLE)) $(if $(CODE_VERSION),--code-version $(CODE_VERSION)) \
		$(if $(SMOKE),--smoke $(SMOKE))

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache .ruff_cache logstore/target
