# One-command entry points. Every target installs what it needs from Debian first.
#   make run   – build Release, create ./var/dev on first run, print tokens, serve on 127.0.0.1:50051
#   make test  – build, then run every test through ctest
SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
# Let ccache share its cache between checkouts at different paths (CI clones elsewhere).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
DEBIAN_PACKAGES := cmake make g++ pkg-config ccache git \
	libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
	librocksdb-dev libsodium-dev libabsl-dev nlohmann-json3-dev libssl-dev openssl \
	libgtest-dev libgmock-dev googletest libbenchmark-dev clang libclang-rt-14-dev \
	libgoogle-perftools-dev python3

FUZZ_SECONDS ?= 60
ASAN_BUILD_DIR ?= build-asan
# Sanitizer findings fail the test that hit them.
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: deps configure build test test-unit test-sanitize fuzz bench bench-deps run lint-proto format clean

# install_missing PACKAGES: installs those of the Debian PACKAGES that are not installed yet
# (needs root or sudo on a fresh machine).
define install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

# Installs the Debian packages that are missing.
deps:
	$(call install_missing,$(DEBIAN_PACKAGES))

# The bench tools are built too, so the suite's bench_smoke_test keeps them working.
configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DREGISTRY_BUILD_BENCH=ON

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Everything CI runs: the suite, the suite again under ASan+UBSan, and every fuzzer.
test: test-unit test-sanitize fuzz

test-unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 900

test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
	  -DREGISTRY_SANITIZE=address,undefined
	cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 1800

fuzz: deps
	scripts/run-fuzzers.sh $(FUZZ_SECONDS)

# Performance: registryd vs a do-nothing gRPC server and etcd 3.4, plus micro-benchmarks
# (bench/README.md).
bench: deps bench-deps
	BENCH_MICRO=1 scripts/bench.sh

# Scale: 1 000 vs 1 000 000 registries (restart, Resolve, List p99, memory); builds and caches
# the 1M data set under var/bench-scale/ (bench/README.md, "Scale benchmark").
.PHONY: bench-scale
bench-scale: deps
	scripts/bench-scale.sh

# The comparison baseline: Debian's etcd 3.4 (scripts/bench.sh starts its own etcd process).
BENCH_DEBIAN_PACKAGES := etcd-server etcd-client
bench-deps:
	$(call install_missing,$(BENCH_DEBIAN_PACKAGES))

run: build
	scripts/dev-run.sh $(BUILD_DIR)/bin

lint-proto:
	npx --yes @bufbuild/buf@1.75.0 lint

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
