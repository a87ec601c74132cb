# lurewatch: the two commands of the README.
#   make demo   install dependencies, build, hunt the bundled samples
#   make check  install dependencies, build, run every test (also under ASan+UBSan)
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20

.PHONY: all deps build demo check test test-asan test-tsan conformance fuzz fuzz-smoke bench format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/lurewatch hunt -f table examples/

test: build
	cd $(BUILD) && ctest --output-on-failure

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLW_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure

# The decode thread under ThreadSanitizer: its unit test and the CLI with -j 2.
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLW_TSAN=ON >/dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_pipeline lurewatch
	TSAN_OPTIONS=halt_on_error=1 $(TSAN_BUILD)/test_pipeline
	TSAN_OPTIONS=halt_on_error=1 python3 tests/e2e/threads.py $(TSAN_BUILD)/lurewatch

check: test test-asan test-tsan

conformance: build
	cd $(BUILD) && ctest --output-on-failure -L conformance

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLW_FUZZ=ON \
	  -DLW_BUILD_TESTS=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Run each fuzzer briefly over its seed corpus (CI smoke test).
fuzz-smoke: fuzz
	scripts/fuzz-smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)/lurewatch

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
