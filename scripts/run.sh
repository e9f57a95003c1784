#!/usr/bin/env bash
# Installs what maic needs (Debian 12 packages, the web toolchain), builds it
# and starts a simulated smart-MAIC D103. Extra arguments go to maic-device
# (see: build/release/apps/maic-device --help). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target maic-device
exec build/release/apps/maic-device "$@"
