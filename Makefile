# Apus: a Redis-compatible server in Swift. `make run` and `make test` work on a fresh machine:
# they install what is missing (Debian's redis-server/redis-tools for the reference server and
# clients, redis-py and pytest), build, and run.

SWIFT        ?= swift
RELEASE_BIN  := .build/release/apus-server
PORT         ?= 6379
PYTHON       ?= python3

.PHONY: run build release debug test test-swift test-python crash-test deps deps-apt deps-pip bench profile callgrind bench-micro clean \
	fuzz fuzz-ci fuzz-build fuzz-seeds hostile

run: deps-apt release
	$(RELEASE_BIN) --port $(PORT)

build: release

release:
	$(SWIFT) build -c release --product apus-server

debug:
	$(SWIFT) build

# Debian packages: the reference redis-server 7.0.15 and redis-cli/redis-benchmark.
deps-apt:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null; then \
		echo "installing redis-server redis-tools"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null; \
	fi
	@# Lua 5.1 with cjson and bit, as Redis embeds them, for scripting (a C system library).
	@if [ ! -f /usr/include/lua5.1/lua.h ] || [ ! -f /usr/include/lua5.1/lua-cjson.h ] || [ ! -f /usr/include/lua5.1/lua-bitop.h ]; then \
		echo "installing liblua5.1-0-dev lua-cjson-dev lua-bitop-dev"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblua5.1-0-dev lua-cjson-dev lua-bitop-dev pkg-config >/dev/null; \
	fi
	@# OpenSSL's headers for TLS (a C system library).
	@if [ ! -f /usr/include/openssl/ssl.h ]; then \
		echo "installing libssl-dev"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null; \
	fi
	@# Debian's package starts a service on 6379; the tests and `make run` need the port.
	@if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then systemctl stop redis-server; fi
	@if pgrep -x redis-server >/dev/null && redis-cli -p 6379 ping >/dev/null 2>&1 && [ -f /var/run/redis/redis-server.pid ]; then \
		kill $$(cat /var/run/redis/redis-server.pid) 2>/dev/null || true; fi

deps-pip:
	@$(PYTHON) -c "import redis, pytest" 2>/dev/null || $(PYTHON) -m pip install -q redis pytest

deps: deps-apt deps-pip

test: deps release test-swift test-python fuzz-ci

# Serially: the record slab is process-wide and, like the server, single-threaded.
test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

test-python: deps release
	APUS_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) -m pytest -q Tests/python

# The AOF crash test with a longer write load (CI runs it for 2 s); prints the counts.
CRASH_SECONDS ?= 20
crash-test: deps release
	AOF_CRASH_SECONDS=$(CRASH_SECONDS) APUS_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) -m pytest -q -s Tests/python/test_aof_crash.py

# libFuzzer targets (Fuzz/, scripts/fuzz.sh): the RESP request parser, the inline splitter, RDB
# files, RESTORE payloads and redis.conf, under ASan, one after another, FUZZ_RUNS executions
# each (FUZZ_SECONDS, if given, caps each target's time); then the hostile-load test for
# HOSTILE_SECONDS. `fuzz-ci` is the short run (10 s per target) `make test` ends with.
FUZZ_RUNS      ?= 10000000
FUZZ_SECONDS   ?=
HOSTILE_SECONDS ?= 60
fuzz: deps
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh
	$(MAKE) hostile HOSTILE_SECONDS=$(HOSTILE_SECONDS)

fuzz-ci:
	FUZZ_SECONDS=10 bash scripts/fuzz.sh

fuzz-build:
	bash scripts/fuzz.sh build

# Rewrites the committed seeds in Fuzz/corpus/ from redis-server's and Apus's own files.
fuzz-seeds: deps release
	APUS_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) scripts/fuzz_seeds.py

hostile: deps release
	HOSTILE_SECONDS=$(HOSTILE_SECONDS) APUS_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) -m pytest -q -s Tests/python/test_hostile_load.py

# Performance harness (Benchmarks/harness): Apus vs redis-server throughput, CPU per request,
# latency and memory per key (BENCH_QUICK=1 for a short run, BENCH_MEMORY=0 to skip memory);
# a perf profile under a SET/GET load; instructions per request under callgrind.
bench: deps-apt release
	APUS_BIN=$(CURDIR)/$(RELEASE_BIN) $(PYTHON) Benchmarks/harness/bench.py

profile: deps-apt release
	APUS_BIN=$(CURDIR)/$(RELEASE_BIN) bash Benchmarks/harness/profile.sh

callgrind: deps-apt release
	APUS_BIN=$(CURDIR)/$(RELEASE_BIN) bash Benchmarks/harness/callgrind.sh

# Microbenchmarks (Benchmarks/Package.swift, ordo-one's package-benchmark, built in release):
# wall clock, throughput and allocations of RESP parsing, reply encoding, GET/SET, the dict and
# the timer wheel. Runs them once, prints the table, then fails if any allocation count differs
# from Benchmarks/Thresholds/ (zero for the parser, replies and GET).
bench-micro:
	$(SWIFT) package --package-path Benchmarks --allow-writing-to-package-directory benchmark baseline update micro --no-progress
	$(SWIFT) package --package-path Benchmarks benchmark baseline read micro --no-progress
	$(SWIFT) package --package-path Benchmarks benchmark thresholds check micro --path $(CURDIR)/Benchmarks/Thresholds

clean:
	rm -rf .build .build-fuzz
