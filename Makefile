# qibao — common tasks. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
QIBAO := $(TARGET_DIR)/debug/qibao
QIBAO_SIM := $(TARGET_DIR)/debug/qibao-sim
NEXTEST := $(shell command -v cargo-nextest >/dev/null 2>&1 && echo yes)

.PHONY: run build build-sim ts-client pdftools test test-sqlite test-postgres fuzz openapi bench bench-load bench-decl bench-import bench-tax lint fmt clean-db

## The server and the simulators of the outside parties (qibao-sim tax | card), in one cargo
## call whose feature set is the test build's (hack/, checked by make lint): `make test` after
## `make run`, or the reverse, reuses every dependency built.
build:
	$(CARGO) build -p qibao-api -p qibao-tools --bins

build-sim: build

## Serve on http://127.0.0.1:8080 with embedded SQLite (./qibao.db) and the demo data; docs at /docs.
## A simulated tax bureau (qibao-sim tax, a process beside the server) collects every payment
## order within seconds; it waits for the server to be ready and stops with it (Ctrl-C). A webhook
## receiver (qibao-sim webhook-sink, on 127.0.0.1:8090) prints each of the demo unit's events pushed
## to it, with its signature checked.
run: build build-sim
	$(QIBAO) migrate
	$(QIBAO) demo
	@$(QIBAO_SIM) tax --server "http://$${QIBAO_BIND:-127.0.0.1:8080}" --wait 120 & sim=$$!; \
	$(QIBAO_SIM) webhook-sink --secret-file "$${QIBAO_DATA_DIR:-qibao-data}/webhook-sink.secret" & sink=$$!; \
	trap 'kill $$sim $$sink 2>/dev/null' EXIT INT TERM; \
	$(QIBAO) serve

## The whole suite on SQLite, then again on PostgreSQL when QIBAO_TEST_DATABASE_URL is set.
test: test-sqlite
	@if [ -n "$$QIBAO_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "QIBAO_TEST_DATABASE_URL not set: PostgreSQL run skipped (see README)"; fi

## poppler-utils (pdftotext, pdfinfo): qibao-pdf's tests read the rendered PDFs back with them.
pdftools:
	@if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	fi

test-sqlite: pdftools
ifeq ($(NEXTEST),yes)
	env -u QIBAO_TEST_DATABASE_URL $(CARGO) nextest run --workspace --no-fail-fast
	env -u QIBAO_TEST_DATABASE_URL $(CARGO) test --workspace --doc
else
	env -u QIBAO_TEST_DATABASE_URL $(CARGO) test --workspace --no-fail-fast
endif

test-postgres: pdftools
	@test -n "$$QIBAO_TEST_DATABASE_URL" || (echo "set QIBAO_TEST_DATABASE_URL=postgres://root@127.0.0.1:5432/test" && exit 2)
ifeq ($(NEXTEST),yes)
	$(CARGO) nextest run --workspace --no-fail-fast -E 'package(qibao-db) | package(qibao-api) | package(qibao-e2e)'
else
	$(CARGO) test -p qibao-db -p qibao-api -p qibao-e2e --no-fail-fast
endif

## schemathesis (pinned, in a venv under ~/.cache/qibao) against a live debug server with the demo
## data, on SQLite and, when QIBAO_TEST_DATABASE_URL is set, on PostgreSQL; anonymous, as the
## legal representative, staff, the tax bureau and the transfer platform: no 5xx, every status, content type and body
## as the spec says. A few minutes; see scripts/schemathesis.sh for its knobs.
fuzz: build
	scripts/schemathesis.sh

## The TypeScript client: types generated from openapi.yaml (openapi-typescript, pinned in
## clients/typescript/package-lock.json) and a front end's usage of them type-checked (tsc), so a
## spec change that would break such a client fails here. Needs Node.js and npm.
ts-client:
	cd clients/typescript && npm ci --no-audit --no-fund --silent && npm run -s check

## Regenerate the committed OpenAPI spec from the code.
openapi: build
	$(QIBAO) openapi > openapi.yaml

## The spec's examples, recorded from the scenario tests' real answers
## (tests/src/examples.rs) into api/examples.json; then `make openapi`.
examples:
	rm -rf target/examples
	env -u QIBAO_TEST_DATABASE_URL QIBAO_RECORD_EXAMPLES=$(CURDIR)/target/examples $(CARGO) nextest run -p qibao-e2e --no-fail-fast -E "not test(every_example_is_valid_and_every_json_body_has_one)"
	python3 scripts/examples.py target/examples api/examples.json openapi.yaml

## criterion benchmarks of core (release profile).
bench:
	$(CARGO) bench -p qibao-core --bench contributions
	$(CARGO) bench -p qibao-core --bench pension

## Open-loop load (qibao-load) against a release server on loopback, a unit of N employees
## (default 50000) with 12 months of history: make bench-load [BACKEND=postgres] [N=…] [DURATION=30]
bench-load:
	N=$(or $(N),50000) DURATION=$(or $(DURATION),30) scripts/bench-load.sh $(or $(BACKEND),sqlite)

## Declare + issue for one unit of N employees (default 50000) on SQLite and PostgreSQL (local server unless QIBAO_TEST_DATABASE_URL says otherwise), against COPY / set-based SQL baselines; release build
bench-decl:
	QIBAO_TEST_DATABASE_URL=$${QIBAO_TEST_DATABASE_URL:-postgres://root@127.0.0.1:5432/test} \
	  $(CARGO) run --release -q -p qibao-tools --example bench_declare -- $(or $(N),50000)

## Batch import: validate + commit of an N-row enrolment XLSX (default 50,000), release, SQLite and the local PostgreSQL
bench-import:
	QIBAO_TEST_DATABASE_URL=$${QIBAO_TEST_DATABASE_URL:-postgres://root@127.0.0.1:5432/test} \
	  $(CARGO) run --release -q -p qibao-tools --example bench_import -- $(or $(N),50000)

## Tax latency under load: U units issue orders while the feed is polled and the tax side pays (default 200)
bench-tax:
	$(CARGO) run -p qibao-e2e --example bench_tax -- $(or $(U),200)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	scripts/check-features.sh

fmt:
	$(CARGO) fmt --all

clean-db:
	rm -f qibao.db qibao.db-shm qibao.db-wal
