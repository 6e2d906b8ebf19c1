# bachata1c — the commands a newcomer needs. `make help` lists them.
CARGO ?= cargo
EXAMPLE_OUT := example-outbox
BIN := $(or $(CARGO_TARGET_DIR),target)/release/bachata1c

WINDOWS_TARGET := x86_64-pc-windows-gnu

FUZZ_SECONDS ?= 60

PREFIX ?= /usr/local
DOCDIR ?= $(PREFIX)/share/doc/bachata1c

# The Python tools the tests call (scripts/test-requirements.txt) live in a virtual environment
# that `make test-deps` makes; when it is there, `make test` uses it (first on PATH).
TEST_VENV := $(or $(CARGO_TARGET_DIR),target)/test-venv
ifneq ($(wildcard $(TEST_VENV)/bin/python3),)
export PATH := $(abspath $(TEST_VENV))/bin:$(PATH)
endif

.PHONY: help run test test-deps lint build clean windows windows-e2e dist dist-linux install fuzz bench-serve bench-site bench bench-core

help:
	@echo "make run    convert fixtures/inbox into $(EXAMPLE_OUT)/ (CSV, XML, CommerceML, EnterpriseData, XLSX)"
	@echo "make test   formatting, clippy and every test"
	@echo "make test-deps  the tests' Python tools in a virtual environment ($(TEST_VENV))"
	@echo "make build  release binary in $(BIN)"
	@echo "make windows  cross-build bachata1c.exe for $(WINDOWS_TARGET) (needs gcc-mingw-w64-x86-64)"
	@echo "make fuzz   libFuzzer over reading and every format for FUZZ_SECONDS (60) s; needs nightly"
	@echo "make windows-e2e  bachata1c.exe under wine vs the Linux binary, byte for byte (~4 min)"
	@echo "make dist   release archives for Linux (.tar.gz) and Windows (.zip) and SHA256SUMS in dist/;"
	@echo "            needs what make windows needs (rustup target add $(WINDOWS_TARGET), gcc-mingw-w64-x86-64)"
	@echo "make dist-linux  the Linux archive and SHA256SUMS alone, with no Windows toolchain"
	@echo "make install  after make build: binary to PREFIX/bin, docs to PREFIX/share/doc/bachata1c (PREFIX=$(PREFIX), DESTDIR honoured)"
	@echo "make bench-serve  load test of serve on the loopback (needs wrk), about 15 s"
	@echo "make bench-site  1C's query with 400 long leads waiting (BASELINE=old binary to compare), about 2 min"
	@echo "make bench  speed vs the Python and jq baselines, then serve's load test (hyperfine, jq, time, wrk)"
	@echo "make bench-core  criterion benches of the pure core (cargo bench)"

# The release binary has no test hook (src/test_hooks.rs); the check proves it.
build:
	$(CARGO) build --release --locked
	scripts/check-no-test-hooks $(BIN)

run: build
	rm -rf $(EXAMPLE_OUT)
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/csv
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/xml --format xml --quiet
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/commerceml --format commerceml --quiet
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/enterprisedata --format enterprisedata --quiet
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/xlsx --format xlsx --quiet
	@echo
	@echo "Done. Look in $(EXAMPLE_OUT)/csv (windows-1251 CSV), $(EXAMPLE_OUT)/xml (UTF-8 XML),"
	@echo "$(EXAMPLE_OUT)/commerceml (CommerceML 2.10), $(EXAMPLE_OUT)/enterprisedata (EnterpriseData 1.8)"
	@echo "and $(EXAMPLE_OUT)/xlsx (Excel, every cell text)."

# Loopback only, bounded by BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 32).
bench-serve: build
	bench/serve/run.sh $(BIN)

# 1C's query over a backlog of long leads (bench/site_query.py); BASELINE=path adds an older
# binary, measured in the same run.
bench-site: build
	bench/site_query.py $(BIN) $(BASELINE)

# The second clippy checks the library and binary as they ship, without the test hooks that
# --all-targets turns on (Cargo.toml's [features]).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	$(CARGO) clippy --locked -- -D warnings

# Tests that cannot run here (no official schemas beside the clone, no tmpfs mount) record
# themselves in SKIP_LOG; the summary below lists them. Under CI=true they fail instead.
SKIP_LOG := $(or $(CARGO_TARGET_DIR),target)/tmp/skipped-tests.txt

test-deps:
	python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python3 -m pip install --quiet --upgrade pip
	$(TEST_VENV)/bin/python3 -m pip install --quiet -r scripts/test-requirements.txt

test: lint
	rm -f $(SKIP_LOG)
	$(CARGO) test --locked
	@if [ -s $(SKIP_LOG) ]; then \
	  echo; echo "$$(wc -l < $(SKIP_LOG)) check(s) skipped: this machine lacks what they need (under CI=true they fail):"; \
	  sort $(SKIP_LOG) | sed 's/^/  /'; \
	else echo "No test skipped."; fi

# Whole-process benchmark (bench/run.sh; FILES, CLIENTS, RUNS, JQ_RUNS tune it), then the
# HTTP receiver's load test (bench/serve/run.sh). Never part of `make test` or CI.
bench: build
	bench/run.sh $(BIN)
	bench/serve/run.sh $(BIN)

bench-core:
	$(CARGO) bench --bench core

clean:
	rm -rf $(EXAMPLE_OUT)
	$(CARGO) clean

# The Windows binary dealers run; needs `rustup target add $(WINDOWS_TARGET)` and Debian's
# gcc-mingw-w64-x86-64 for linking (.ci/run installs both).
windows:
	$(CARGO) clippy --all-targets --locked --target $(WINDOWS_TARGET) -- -D warnings
	$(CARGO) build --release --locked --target $(WINDOWS_TARGET)
	@echo "Built $${CARGO_TARGET_DIR:-target}/$(WINDOWS_TARGET)/release/bachata1c.exe"

# The archives a dealer downloads (scripts/dist; docs/install.md says what to do with them):
# dist/bachata1c-<version>-x86_64-unknown-linux-gnu.tar.gz, ...-x86_64-pc-windows-gnu.zip and
# dist/SHA256SUMS. Builds both release binaries; needs what `make windows` needs (`rustup target
# add x86_64-pc-windows-gnu`, gcc-mingw-w64-x86-64): scripts/dist says what is missing.
# scripts/test-dist (run by .ci/run) unpacks them and runs both binaries, the .exe under wine.
dist:
	bash scripts/dist

# The Linux archive and its SHA256SUMS alone: no Windows target, no mingw.
dist-linux:
	bash scripts/dist --linux-only

# From source: `make build`, then (as root if PREFIX is not yours) `make install`. Does not
# build, so that `sudo make install` needs no cargo and leaves no root-owned files in target/.
# DESTDIR is prepended for packaging. Nothing else is installed: see docs/install.md.
install:
	@test -x $(BIN) || { echo "make install: no $(BIN); run make build first"; exit 2; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DOCDIR)/docs
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/bachata1c
	install -m 644 README.md CHANGELOG.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/

# The Windows binary under wine on folders with Cyrillic names, compared byte for byte with
# the Linux binary; then the unit tests as Windows programs. Installs wine64 when missing.
windows-e2e:
	bash scripts/windows-e2e.sh

# Coverage-guided fuzzing of reading and converting (fuzz/fuzz_targets/convert.rs), seeded with
# the fixtures. Needs the nightly toolchain and cargo-fuzz; the same checks run on stable in
# `make test` (tests/fuzz_stable.rs). A crash is saved in fuzz/artifacts/convert/: add it
# to tests/fuzz_stable.rs as a regression test.
fuzz:
	@rustup toolchain list | grep -q '^nightly' || { \
	  echo "make fuzz needs nightly: rustup toolchain install nightly"; exit 2; }
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/convert
	cp fixtures/inbox/*.json fixtures/bad/*.json fuzz/corpus/convert/
	cd fuzz && $(CARGO) +nightly fuzz run convert -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048
