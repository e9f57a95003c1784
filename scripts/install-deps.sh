#!/usr/bin/env bash
# Installs everything maic needs to build, run and test from Debian 12
# packages and the npm registry. Idempotent: a second run changes nothing.
#   scripts/install-deps.sh            build + runtime dependencies
#   scripts/install-deps.sh --test     also what the test suite starts
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache git ca-certificates tzdata curl
  libboost1.81-dev
  nlohmann-json3-dev libsimdjson-dev
  libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev
  libmodbus-dev libmosquitto-dev libcurl4-openssl-dev libgpiod-dev
  libsqlite3-dev libpqxx-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(
  clang libclang-rt-14-dev clang-format valgrind chromium mosquitto mosquitto-clients openssl postgresql-15 python3-aiosmtpd
)

pkgs=("${build_pkgs[@]}")
if [ "$want_test" -eq 1 ]; then pkgs+=("${test_pkgs[@]}"); fi
# Node.js: keep whatever node the machine has (it brings npm); else Debian's.
if ! command -v node >/dev/null 2>&1; then pkgs+=(nodejs npm); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web front ends' toolchain (esbuild, TypeScript, uPlot, playwright-core).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/web/package.json" ]; then
  (cd "$here/web" && if [ -d node_modules ] && [ node_modules -nt package-lock.json ]; then :; else npm ci --no-audit --no-fund --loglevel=error; fi)
fi
