#!/usr/bin/env bash
# Installs everything, builds and runs every test: unit, accuracy, Modbus,
# browser and format checks on the optimised build, then the tests again
# under AddressSanitizer + UndefinedBehaviorSanitizer.
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
