# bachata1c — the commands a newcomer needs. `make help` lists them.
CARGO ?= cargo
EXAMPLE_OUT := example-outbox
BIN := $(or $(CARGO_TARGET_DIR),target)/release/bachata1c

.PHONY: help run test lint build clean bench bench-core

help:
	@echo "make run    convert fixtures/inbox into $(EXAMPLE_OUT)/ (CSV and XML)"
	@echo "make test   formatting, clippy and every test"
	@echo "make build  release binary in $(BIN)"
	@echo "make bench  speed vs the Python and jq baselines (needs hyperfine, jq, GNU time)"
	@echo "make bench-core  criterion benches of the pure core (cargo bench)"

build:
	$(CARGO) build --release --locked

run: build
	rm -rf $(EXAMPLE_OUT)
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/csv
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/xml --format xml --quiet
	@echo
	@echo "Done. Look in $(EXAMPLE_OUT)/csv (windows-1251 CSV) and $(EXAMPLE_OUT)/xml (UTF-8 XML)."

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test: lint
	$(CARGO) test --locked

# Whole-process benchmark (bench/run.sh; FILES, CLIENTS, RUNS, JQ_RUNS tune it), then the
# criterion benches of the pure core. Never part of `make test` or CI.
bench: build
	bench/run.sh $(BIN)

bench-core:
	$(CARGO) bench --bench core

clean:
	rm -rf $(EXAMPLE_OUT)
	$(CARGO) clean
