#!/usr/bin/env bash
# `make windows-e2e`: the Windows binary under wine against the Linux binary, byte for byte.
#
# Each case runs both binaries on its own fresh copy of fixtures/inbox inside folders with
# Cyrillic names and spaces (`Обмен 1С/входящие`), with the same relative paths, the same file
# times and TZ=UTC (ВремяПолучения comes from the file time in local time), then compares the
# exit status, the messages (with `\` read as `/`) and every output file byte for byte.
# Then the library's unit tests run as Windows programs (sharing violations, rename over an
# existing file). Installs wine64, mingw and the Rust target when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=x86_64-pc-windows-gnu
target_dir=${CARGO_TARGET_DIR:-$root/target}
started=$(date +%s)

# --- setup: packages, binaries, wine prefix ------------------------------------------------
source scripts/wine/setup.sh
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# The Linux side is the debug build `make test` already made: the same code, no second build.
cargo build --locked
cargo build --release --locked --target "$target"
linux_bin=$target_dir/debug/bachata1c
windows_bin=$target_dir/$target/release/bachata1c.exe

work=$(mktemp -d /tmp/bachata1c-windows-e2e.XXXXXX)
trap 'WINEPREFIX=$work/prefix wine_stop; rm -rf "$work"' EXIT
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" TZ=UTC

mkdir -p "$work/bin"
cp "$windows_bin" "$work/bin/"
wine_shim "$work/bin"
prefix_started=$(date +%s)
wine_start
wine "$work/bin/bachata1c.exe" --version
echo "windows-e2e: wine prefix ready in $(($(date +%s) - prefix_started)) s"

# --- cases -----------------------------------------------------------------------------------
inbox="Обмен 1С/входящие"
outbox="Обмен 1С/исходящие файлы"
failures=0

# A fresh copy of the inbox, with one fixed file time so both sides see the same ВремяПолучения.
lay_out() {
  mkdir -p "$1/$inbox"
  cp fixtures/inbox/*.json "$1/$inbox/"
  touch -d '2026-11-26 09:15:00 UTC' "$1/$inbox"/*.json
}

# case NAME ARGS...: runs `bachata1c ARGS...` on both sides, in a folder of its own, and
# compares. Arguments are relative paths, the same on both sides.
case_() {
  local name=$1
  shift
  local linux=$work/linux/$name windows=$work/windows/$name
  lay_out "$linux"
  lay_out "$windows"
  local linux_status=0 windows_status=0
  (cd "$linux" && "$linux_bin" "$@") >"$linux.out" 2>"$linux.err" || linux_status=$?
  (cd "$windows" && wine "$work/bin/bachata1c.exe" "$@") >"$windows.out" 2>"$windows.err" ||
    windows_status=$?
  # Windows prints its own separator; wine adds `\r` before `\n` on the console.
  # clap names the program as it was started: `bachata1c.exe` in usage lines.
  sed -i 's/\r$//; s#\\#/#g; s/bachata1c\.exe/bachata1c/g' "$windows.out" "$windows.err"
  # The operating systems word their errors differently; the code is what must match.
  sed -i 's/: [^:]*(os error \([0-9]*\))/: os error \1/' "$linux.err" "$windows.err"
  local problems=()
  [ "$linux_status" = "$windows_status" ] ||
    problems+=("exit status $linux_status on Linux, $windows_status on Windows")
  # `|| true` inside: under `set -e` a failing substitution would end the script unreported.
  local note=""
  if ! cmp -s "$linux.err" "$windows.err"; then
    # Files of equal time may be listed in another order on Windows: the same messages in
    # another order are reported, not failed.
    if cmp -s <(sort "$linux.err") <(sort "$windows.err"); then
      note=" (messages in another order)"
    else
      problems+=("messages differ: $(diff "$linux.err" "$windows.err" | head -5 || true)")
    fi
  fi
  diff -r -x state "$linux" "$windows" >"$work/$name.diff" 2>&1 ||
    problems+=("files differ: $(head -5 "$work/$name.diff" || true)")
  local files
  files=$(find "$linux" -type f | wc -l)
  if [ ${#problems[@]} -eq 0 ]; then
    echo "windows-e2e: $name: same exit status ($linux_status), messages and $files files$note"
  else
    failures=$((failures + 1))
    printf 'windows-e2e: %s: FAILED\n' "$name"
    printf '  %s\n' "${problems[@]}"
  fi
}

case_ convert-csv-1251 convert "$inbox" --out "$outbox"
case_ convert-xml-1251 convert "$inbox" --out "$outbox" --format xml --encoding windows-1251
case_ convert-xml-utf8 convert "$inbox" --out "$outbox" --format xml
case_ convert-csv-quoted convert "$inbox/note-example.json" "$inbox/saved-by-windows-1251.json" --out "$outbox" --csv-quote
case_ convert-limits convert "$inbox" --out "$outbox" --max-input-size 900 --max-clients 2
case_ convert-refused convert "$inbox" "$inbox/missing.json" --out "$outbox"
# `run` on the exchange folder (the ledger under state/ holds times and is not compared).
case_ run-csv-1251 run --dir "Обмен 1С" --inbox "$inbox" --outbox "$outbox"
case_ run-xml-1251 run --dir "Обмен 1С" --inbox "$inbox" --outbox "$outbox" --format xml --encoding windows-1251

# --- the unit tests and tests/windows.rs as Windows programs ---------------------------------
tests_started=$(date +%s)
cargo test --locked --lib --test windows --target "$target" --no-run 2>"$work/build-tests.log" || {
  cat "$work/build-tests.log"
  exit 1
}
if [ -f "$work/bin/bcryptprimitives.dll" ]; then
  cp "$work/bin/bcryptprimitives.dll" "$target_dir/$target/debug/deps/"
  cp "$work/bin/bcryptprimitives.dll" "$target_dir/$target/debug/"
fi
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine_loader
# Each test binary (the library's, tests/windows.rs) must print its own `test result: ok`;
# --no-fail-fast runs the second even when the first fails.
windows_tests() {
  timeout 600 cargo test --locked --no-fail-fast --lib --test windows --target "$target" \
    >"$work/unit.log" 2>&1
  grep -E '^test result|FAILED|panicked|^error' "$work/unit.log"
  [ "$(grep -c '^test result: ok' "$work/unit.log")" -eq 2 ]
}
if ! windows_tests; then
  # Say why in CI's log: the whole output, not only its summary lines.
  echo "windows-e2e: the Windows tests did not all pass; their output:"
  sed 's/^/  | /' "$work/unit.log" | tail -n 150
  # A test binary that ended with no test failed never gave its verdict: wine could not start
  # it or it died under wine, not in our assertions. Say so and run the tests once more; a
  # test that failed is never run again.
  if grep -q '^test result: FAILED\|\.\.\. FAILED$' "$work/unit.log"; then
    failures=$((failures + 1))
  else
    echo "windows-e2e: a test binary ended under wine without a verdict; running the Windows tests once more"
    windows_tests || failures=$((failures + 1))
  fi
fi
# The tests that exist only on Windows must have run, not been compiled out.
for test in a_file_held_open_without_sharing_is_a_sharing_violation \
  write_atomic_over_a_file_held_open_by_a_reader_fails_cleanly \
  a_webhook_still_open_by_its_writer_is_reported_as_not_ready; do
  grep -q "$test ... ok" "$work/unit.log" ||
    { echo "windows-e2e: $test did not pass under wine"; failures=$((failures + 1)); }
done
echo "windows-e2e: Windows tests under wine in $(($(date +%s) - tests_started)) s"

if [ "$failures" -gt 0 ] && [ -f "$work/unit.log" ]; then
  echo "windows-e2e: what the Windows tests said last:"
  grep -E '^running|^test result|FAILED|panicked|^error|Caused by|exit code|overflow' "$work/unit.log" | tail -n 20
fi
echo "windows-e2e: $failures failed; $(($(date +%s) - started)) s in all"
[ "$failures" -eq 0 ]
