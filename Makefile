# galley's developer interface. `make test` is exactly what CI runs (.ci/run).
#
#   make test    lints, unit and integration tests, then checks the recipe library
#   make fmt     formats the Rust code and the .ovl files in place
#   make lint    clippy and rustfmt, no tests
#   make bench   the benchmarks (cargo bench)
#   make bench-serve  load-test `galley serve` with wrk (figures for docs/performance.md)
#   make fuzz    each fuzz target for FUZZ_SECONDS (installs cargo-fuzz when missing)
#   make tools   the external checkers (helm, kubectl, helmfile, ...) into .tools/
#   make clean   build outputs (target/, fuzz/target/); .tools/ is kept
#   make man     the man pages, generated from the CLI definition, into target/man/

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

CARGO ?= cargo
GALLEY := target/debug/galley
# The .ovl trees the binary checks and formats: the shipped library and the stdlib.
DSL_DIRS := recipes stdlib
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= parse yaml snapshot pipeline
# Large enough for inputs that reach the nesting, size and count limits (the default is 4 KB).
FUZZ_MAX_LEN ?= 1048576

.PHONY: test tools-min build lint clippy fmt-check fmt bench bench-serve fuzz tools clean

# The bundle tests run the real checkers (helm, helmfile, shellcheck, yamllint, schema
# validators); `tools` installs them and GALLEY_REQUIRE_TOOLS=1 makes their absence a failure.
test: tools-min tools
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) fmt --all --check
	GALLEY_REQUIRE_TOOLS=1 $(CARGO) test --workspace --locked
	$(CARGO) build --locked
	$(GALLEY) check $(DSL_DIRS)
	$(GALLEY) fmt --check $(DSL_DIRS)

# rustfmt and clippy are rustup components a minimal toolchain may lack.
tools-min:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
	@scripts/install-debs.sh graphviz man-db docker-registry apache2-utils chromium chromium-driver

build:
	$(CARGO) build --locked

lint: clippy fmt-check

clippy: tools-min
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt-check: tools-min
	$(CARGO) fmt --all --check

fmt: tools-min build
	$(CARGO) fmt --all
	$(GALLEY) fmt $(DSL_DIRS)

bench:
	$(CARGO) bench

# A load test, not a timed test: wrk against the release build (docs/serve.md).
bench-serve:
	$(CARGO) build --release --locked --bin galley
	scripts/bench-serve.sh

# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 unlocks them on the stable toolchain.
fuzz:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	for target in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run "$$target" -- -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN); \
	done

tools:
	scripts/install-tools.sh

clean:
	$(CARGO) clean
	rm -rf fuzz/target

.PHONY: man
man: build
	$(GALLEY) man --out target/man
