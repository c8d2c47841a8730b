# Makefile — the short commands; CMake does the building (into build/).
#
#   make / make build   configure (first time) and build into build/
#   make setup          install missing Debian packages (scripts/setup.sh)
#   make test           setup + build + scripts/check.sh (C tests and specs, one summary line)
#   make demo           setup + build + the narrated demo (scripts/demo.lua)
#   make sanitize       build into build-asan/ with ASan+UBSan, run the C tests and specs on it
#   make fuzz           the API fuzzer, 100,000 calls per engine (make fuzz-long: 1,000,000)
#   make valgrind       the spec suite and the Lua host's allocation walk under valgrind memcheck
#   make hardening      every reliability run of scripts/hardening.sh (README "Reliability")
#   make bench          quick benchmarks B1-B6 against their baselines (build/bench/results.md)
#   make doc            the API reference (build/doc/api.md) and LuaLS stubs from lua/regio/help.lua
#   make clean          remove build/ and build-asan/
#
# `make` does not run setup: it never needs root. CMAKE_FLAGS passes options to the first
# configure, e.g. make CMAKE_FLAGS=-DCMAKE_BUILD_TYPE=Debug.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build setup test demo sanitize clean doc bench fuzz fuzz-long valgrind hardening

all: build

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

setup:
	@scripts/setup.sh

# Setup, build and check run one after the other, even under make -j.
test:
	@scripts/setup.sh
	@$(MAKE) --no-print-directory build
	@REGIO_BUILD_DIR=$(abspath $(BUILD_DIR)) scripts/check.sh

demo:
	@scripts/setup.sh
	@$(MAKE) --no-print-directory build
	@scripts/regio scripts/demo.lua

sanitize:
	cmake -S . -B $(ASAN_DIR) -DREGIO_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	@REGIO_BUILD_DIR=$(abspath $(ASAN_DIR)) scripts/check.sh

# Needs only lua5.4: the words come from lua/regio/help.lua, not from the build.
doc:
	lua5.4 scripts/gendoc.lua $(BUILD_DIR)/doc/api.md lua/regio/meta/regio.lua

# Installs the baselines' packages (scripts/bench/setup.sh), builds the C baselines and, when
# LuaJIT is installed, the LuaJIT module, then runs the quick benchmarks on Lua 5.4 and LuaJIT.
bench: $(BUILD_DIR)/CMakeCache.txt
	@scripts/bench/setup.sh
	cmake -S . -B $(BUILD_DIR) -DREGIO_BUILD_BENCH=ON \
	  $(if $(shell pkg-config --exists luajit && echo y),-DREGIO_LUAJIT=ON)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	@scripts/bench/run.sh --quick --lua both --build $(abspath $(BUILD_DIR))

# The reliability runs (scripts/hardening.sh); each ends with "N passed, N failed, N skipped".
fuzz: build
	@REGIO_BUILD_DIR=$(abspath $(BUILD_DIR)) scripts/hardening.sh fuzz

fuzz-long: build
	@REGIO_BUILD_DIR=$(abspath $(BUILD_DIR)) scripts/hardening.sh fuzz-long

valgrind: build
	@REGIO_BUILD_DIR=$(abspath $(BUILD_DIR)) scripts/hardening.sh valgrind

hardening: build
	@REGIO_BUILD_DIR=$(abspath $(BUILD_DIR)) REGIO_ASAN_DIR=$(abspath $(ASAN_DIR)) \
	  scripts/hardening.sh all

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
