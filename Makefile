# bachata1c — the commands a newcomer needs. `make help` lists them.
CARGO ?= cargo
EXAMPLE_OUT := example-outbox
BIN := $(or $(CARGO_TARGET_DIR),target)/release/bachata1c

.PHONY: help run test lint build clean bench-serve

help:
	@echo "make run    convert fixtures/inbox into $(EXAMPLE_OUT)/ (CSV, XML, CommerceML, EnterpriseData)"
	@echo "make test   formatting, clippy and every test"
	@echo "make build  release binary in $(BIN)"
	@echo "make bench-serve  load test of serve on the loopback (needs wrk), about 15 s"

build:
	$(CARGO) build --release --locked

run: build
	rm -rf $(EXAMPLE_OUT)
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/csv
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/xml --format xml --quiet
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/commerceml --format commerceml --quiet
	$(BIN) convert fixtures/inbox --out $(EXAMPLE_OUT)/enterprisedata --format enterprisedata --quiet
	@echo
	@echo "Done. Look in $(EXAMPLE_OUT)/csv (windows-1251 CSV), $(EXAMPLE_OUT)/xml (UTF-8 XML),"
	@echo "$(EXAMPLE_OUT)/commerceml (CommerceML 2.10) and $(EXAMPLE_OUT)/enterprisedata (EnterpriseData 1.8)."

# Loopback only, bounded by BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 32).
bench-serve:
	$(CARGO) build --release --locked
	bench/serve/run.sh $${CARGO_TARGET_DIR:-target}/release/bachata1c

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test: lint
	$(CARGO) test --locked

clean:
	rm -rf $(EXAMPLE_OUT)
	$(CARGO) clean
