# `make run` and `make test` set everything up on first use.
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

LS_VENV := .localstack-venv
LS_STAMP := $(LS_VENV)/.installed

.PHONY: setup run run-localstack localstack test bench package clean reliability stress

setup: $(PY_STAMP) $(NODE_STAMP) java

$(PY_STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q 'pip<26.3'
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# DynamoDB Local needs a Java runtime; install Debian's when none is there.
.PHONY: java
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q openjdk-17-jre-headless; }

# The test suite's Debian packages, as command:package: chromium for the browser tests (through
# playwright); ruby, php and go run the docs' examples in those languages. One apt-get installs
# whichever are missing.
TEST_PACKAGES := chromium:chromium ruby:ruby php:php-cli go:golang-go
.PHONY: test-packages
test-packages:
	@missing=""; for pair in $(TEST_PACKAGES); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi

run: setup
	$(PY) -m chalicelib.local run

# LocalStack in place of moto and s3rver (S3, SES, SNS, SQS, EventBridge); DynamoDB Local still.
run-localstack: setup localstack
	$(PY) -m chalicelib.local run --aws localstack

# LocalStack in a virtual environment of its own, so its pins never touch the project's, with
# its service catalog built as its Docker image has it (about 2 minutes, once; the
# LocalStack-backed tests call this target themselves). The lock makes a second caller (another
# test worker, or `make test` installing it in the background) wait for the first.
localstack:
	@flock $(LS_VENV).lock $(MAKE) -s $(LS_STAMP)

$(LS_STAMP): requirements-localstack.txt
	rm -rf $(LS_VENV)
	python3 -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install -q 'pip<26.3'
	$(LS_VENV)/bin/pip install -q -r requirements-localstack.txt
	mkdir -p $(LS_VENV)/filesystem/usr/lib/localstack
	FILESYSTEM_ROOT=$(CURDIR)/$(LS_VENV)/filesystem OVERRIDE_IN_DOCKER=0 $(LS_VENV)/bin/python -m localstack.aws.spec
	touch $@

# Test files run whole on TEST_WORKERS processes (pytest-xdist; the longest first, see
# tests/conftest.py): most tests wait on stacks, browsers and sockets, so 4 fit 2 cores.
# LocalStack installs meanwhile; the tests that need it wait for it.
TEST_WORKERS ?= 4
test: setup test-packages
	@$(MAKE) -s localstack > $(LS_VENV).log 2>&1 &
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Fault injection on every path, and the stack's kill -9: what was tried and what was lost
# (docs/RELIABILITY.md records the figures).
reliability: setup
	$(PY) -m pytest -q -s -p no:cacheprovider tests/reliability tests/local/test_local_durability.py

# The concurrency tests, 20 runs in a row: 200 parallel pings, racing sweeps, racing deliveries.
STRESS_TESTS := tests/pings/test_ping_concurrency.py tests/checks/test_sweep.py::test_parallel_sweeps_send_each_check_down_exactly_once tests/checks/test_sweep.py::test_two_sweeps_with_the_same_rows_write_one_flip tests/alerts/test_alerts.py::test_two_deliveries_racing_over_one_flip_notify_once
STRESS_RUNS ?= 20
stress: setup
	@for run in $$(seq $(STRESS_RUNS)); do \
		echo "run $$run of $(STRESS_RUNS)"; \
		$(PY) -m pytest -q -p no:cacheprovider $(STRESS_TESTS) || exit 1; \
	done; echo "$(STRESS_RUNS) runs in a row passed"

# Benchmarks (they print figures, they assert nothing); see bench/README.md.
# The cold start is also timed from the Lambda zip that `make package` builds.
bench: setup package
	$(PY) -m bench.ping_path
	$(PY) -m bench.cold_start --zip build/$(STAGE)/package/deployment.zip
	$(PY) -m bench.import_weight
	$(PY) -m bench.sweep_pass
	$(PY) -m bench.alert_latency
	$(PY) -m bench.cost_model
	$(PY) -m bench.dashboard
	$(PY) -m bench.status_page

# The Lambda zip and the CloudFormation template of a stage, in build/<stage>/package (docs/DEPLOY.md).
STAGE ?= dev
package: setup
	$(PY) -m infra.build --stage $(STAGE) --out build

clean:
	rm -rf $(VENV) $(LS_VENV) node_modules .pytest_cache build
