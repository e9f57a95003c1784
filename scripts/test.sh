#!/usr/bin/env bash
# Installs everything, builds and runs every test: unit, accuracy, Modbus,
# browser, integration and format checks on the optimised build, then the
# tests again under AddressSanitizer + UndefinedBehaviorSanitizer, then a
# short run of each fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

echo "== release build"
cmake --preset release
cmake --build --preset release
ctest --preset release

echo "== sanitizer build (ASan + UBSan)"
cmake --preset asan
cmake --build --preset asan
ctest --preset asan

echo "== fuzzers (libFuzzer, a short run over each corpus)"
cmake --preset fuzz
cmake --build --preset fuzz
ctest --preset fuzz
