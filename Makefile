# copydesk: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

INPUT ?= data/samples
LAKE ?= data/lake
SOURCES ?=
RUNNER ?= process
WORKERS ?=
DASK_ADDRESS ?=
LOCK_WAIT ?= 0
PUBLISH_TO ?=
PREFECT_PORT ?= 4200
INBOX ?= data/inbox
CRON ?= 0 * * * *
REPORT ?= data/report
FORMAT ?= csv
COMPACT_EVERY ?= 24
PYTHON ?= python3
UV_VERSION := 0.13.8

VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
STAMP := $(VENV)/.copydesk-installed

# Prefect stays inside the project and quiet: never the user's ~/.prefect, no analytics.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# INFO logs of the flow and its tasks reach the API (and the UI); the console shows warnings only.
export PREFECT_LOGGING_LEVEL ?= INFO
export PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL ?= WARNING
export PREFECT_PORT
SERVER_ENV := PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api

RUN_ARGS := --input "$(INPUT)" --lake "$(LAKE)" --runner $(RUNNER) --lock-wait $(LOCK_WAIT) \
	$(if $(SOURCES),--sources "$(SOURCES)") $(if $(WORKERS),--workers $(WORKERS)) \
	$(if $(DASK_ADDRESS),--dask-address "$(DASK_ADDRESS)") $(if $(PUBLISH_TO),--publish-to "$(PUBLISH_TO)") \
	$(if $(JACCARD),--jaccard $(JACCARD)) $(if $(BOILERPLATE_MIN),--boilerplate-min-stories $(BOILERPLATE_MIN)) \
	$(if $(DEDUP_MEMORY),--dedup-memory $(DEDUP_MEMORY))

.PHONY: help setup run query verify compact views server schedule stop report test test-fast lint bench clean schema

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: INPUT=$(INPUT) LAKE=$(LAKE) SOURCES= RUNNER=process|thread|dask WORKERS= DASK_ADDRESS= LOCK_WAIT= PUBLISH_TO= JACCARD=0.8 BOILERPLATE_MIN=3 DEDUP_MEMORY=1GB SQL= FORMAT=csv|json|table"
	@echo "             INBOX=$(INBOX) CRON='$(CRON)' COMPACT_EVERY=$(COMPACT_EVERY) REPORT=$(REPORT) PREFECT_PORT=$(PREFECT_PORT)"
	@echo "  bench:     BENCH_MB=$(BENCH_MB) (corpus MB; BENCH_MB=1000 runs 1 GB end to end once, not for CI) BENCH_DEDUP='$(BENCH_DEDUP)'"

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "copydesk needs Python 3.11+; set PYTHON=python3.11")'
	@$(PYTHON) -m venv .tools
	@.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): uv.lock pyproject.toml | $(UV)
	@echo "setting up $(VENV) from uv.lock"
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --quiet --locked --all-extras --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(STAMP) ## make the virtual environment at .venv with the locked versions

server: $(STAMP) ## start the local Prefect server on 127.0.0.1 (PREFECT_PORT, default 4200), reused by runs
	@$(PY) -m flows.server start

schedule: $(STAMP) ## serve the ETL of INBOX (data/inbox) into LAKE on CRON (hourly); UI on 127.0.0.1:PREFECT_PORT
	@$(PY) -m flows.server start
	@$(SERVER_ENV) $(PY) -m flows.schedule start --inbox "$(INBOX)" --lake "$(LAKE)" --cron "$(CRON)" \
	  --runner $(RUNNER) $(if $(SOURCES),--sources "$(SOURCES)") $(if $(WORKERS),--workers $(WORKERS)) \
	  $(if $(DASK_ADDRESS),--dask-address "$(DASK_ADDRESS)") --compact-every $(COMPACT_EVERY)
	@echo "UI: http://127.0.0.1:$(PREFECT_PORT)  log: $(PREFECT_HOME)/schedule.log  stop: make stop"

stop: ## stop the schedule (if serving) and the local Prefect server, by their PIDs
	@if [ -x $(PY) ]; then $(PY) -m flows.schedule stop; $(PY) -m flows.server stop; fi

run: $(STAMP) ## run the ETL: make run INPUT=<file|dir|glob> LAKE=<dir>
	@$(PY) -m flows.server start
	@$(SERVER_ENV) $(PY) -m flows.cli run $(RUN_ARGS)
	@echo
	@echo 'example: make query LAKE=$(LAKE) FORMAT=table SQL="$(EXAMPLE_SQL)"'
	@$(PY) -m flows.cli query --lake "$(LAKE)" --format table "$(EXAMPLE_SQL)"
EXAMPLE_SQL := select title, authors, word_count, encoding, fixes from articles order by title limit 10

report: $(STAMP) ## render the last runs and charts of LAKE to REPORT/index.html (default data/report)
	@$(PY) -m flows.cli report --lake "$(LAKE)" --out "$(REPORT)"

query: $(STAMP) ## run SQL against the lake's views: make query SQL="select ..." [LAKE=] [FORMAT=csv|json|table]
	@if [ -z "$$COPYDESK_SQL" ]; then echo 'usage: make query SQL="select count(*) from articles" [LAKE=dir] [FORMAT=csv|json|table]' >&2; exit 2; fi
	@$(PY) -m flows.cli query --lake "$(LAKE)" --format "$(FORMAT)" "$$COPYDESK_SQL"
# $(value SQL): the query reaches DuckDB exactly as typed; make would expand a `$` in it.
query: export COPYDESK_SQL = $(value SQL)

verify: $(STAMP) ## check every committed file of LAKE (readable Parquet, row counts, manifest); one line per problem
	@$(PY) -m flows.cli verify --lake "$(LAKE)"

compact: $(STAMP) ## rewrite the small per-run files of LAKE into few large ones, atomically; views answer the same
	@$(PY) -m flows.cli compact --lake "$(LAKE)" --lock-wait $(LOCK_WAIT)

views: $(STAMP) ## (re)write LAKE/copydesk.duckdb with the views, for the duckdb CLI
	@$(PY) -m flows.cli views --lake "$(LAKE)"

# Tests keep Prefect's state apart from make run's server (tests/conftest.py says why).
TEST_ENV := PREFECT_HOME=$(CURDIR)/.prefect/test-home

test: $(STAMP) ## run the whole test suite and the doctests of flows/ transforms/ schemas/
	@$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) ## the tests that start no server or subprocess, and the doctests (under a minute)
	@$(TEST_ENV) COPYDESK_TEST_FAST=1 $(PY) -m pytest -m "not server" $(PYTEST_ARGS)

schema: $(STAMP) ## write docs/tables.md from the declared schemas
	@$(PY) -m schemas.doc > docs/tables.md && echo docs/tables.md

lint: $(STAMP) ## ruff over the code
	@$(VENV)/bin/ruff check flows transforms schemas tests bench

BENCH_MB ?= 100
BENCH_DEDUP ?= 100000 1000000
# datatrove is not in uv.lock: bench.etl installs it in data/bench/venv-datatrove from
# bench/datatrove-requirements.txt (pinned, hashed) and leaves its rows out when it cannot.
bench: $(STAMP) ## benchmarks: ETL (16 files, one file/.zst/CSV, Dask) vs plain ftfy and datatrove (BENCH_MB=100; 1000: 1 GB), one shard per core, repair, dedup, HTML extraction
	@$(PY) -m flows.server start
	@$(SERVER_ENV) $(PY) -m bench.encoding
	@$(PY) -m bench.profile
	@$(SERVER_ENV) $(PY) -m bench.etl --mb $(BENCH_MB)
	@$(SERVER_ENV) $(PY) -m bench.extraction
	@$(PY) -m bench.language --list 10
	@for n in $(BENCH_DEDUP); do $(PY) -m bench.dedup --articles $$n --json bench/results/dedup-$$n.json || exit 1; done

clean: stop ## stop the server, remove the lakes, reports, bench data, Prefect state and caches (not .venv)
	rm -rf data/lake data/lake-* data/report data/bench .prefect .pytest_cache .ruff_cache .hypothesis
