#!/usr/bin/env bash
# Installs what maic needs (Debian 12 packages, the web toolchain), builds it
# and starts the data server (maic-cloud, on SQLite) with a simulated
# smart-MAIC D103 uploading to it. On the first run it also sets up a demo
# account that owns the device and prints how to read its data.
# Extra arguments go to maic-device (see build/release/apps/maic-device
# --help). Ctrl-C stops both. State stays in maic-data/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target maic-device maic-cloud

CLOUD=http://127.0.0.1:8090
DEVICE=http://127.0.0.1:8080
mkdir -p maic-data
build/release/apps/maic-cloud --data-dir maic-data/cloud --listen 127.0.0.1:8090 &
cloud_pid=$!
build/release/apps/maic-device --data-dir maic-data/device --listen 127.0.0.1:8080 \
  --server "$CLOUD" "$@" &
device_pid=$!
stop() {
  kill "$device_pid" "$cloud_pid" 2>/dev/null || true
  wait "$device_pid" "$cloud_pid" 2>/dev/null || true
}
trap stop EXIT INT TERM

# The demo account: created once, its key kept in maic-data/demo.env.
demo=maic-data/demo.env
if [ ! -f "$demo" ]; then
  get() { curl -sf --retry 30 --retry-connrefused --retry-delay 1 "$@"; }
  devid=$(get "$DEVICE/api/v1/status" | sed -n 's/.*"devid":"\([0-9]\{10\}\)".*/\1/p')
  pin=$(printf '%04d' $((RANDOM % 9000 + 1000)))
  # The device's owner sets a PIN (a device still on 0000 cannot be added).
  # Cookie-less, as Home Assistant: devlogin authorises this address (a
  # cookie session would also need its X-CSRF-Token, docs/device.md).
  get "$DEVICE/?page=devlogin&devpass=0000" >/dev/null
  get -X PATCH "$DEVICE/api/v1/settings" -H 'Content-Type: application/json' \
      -d "{\"pin\":\"$pin\"}" >/dev/null
  key=$(get "$CLOUD/api/v1/register" -H 'Content-Type: application/json' \
          -d '{"email":"demo@example.org","password":"maic-demo"}' |
        sed -n 's/.*"api_key":"\([0-9a-f]\{64\}\)".*/\1/p')
  # The device says hello within a second or two of starting.
  for _ in $(seq 30); do
    if curl -sf -H "Authorization: Bearer $key" "$CLOUD/api/v1/devices" \
         -d "{\"name\":\"Demo D103\",\"devid\":\"$devid\",\"pin\":\"$pin\"}" >/dev/null; then
      break
    fi
    sleep 1
  done
  printf 'DEVID=%s\nPIN=%s\nAPIKEY=%s\n' "$devid" "$pin" "$key" >"$demo"
fi
# shellcheck disable=SC1090
. "$demo"
cat <<INFO

maic is running:
  the device's page    $DEVICE            (PIN $PIN)
  the data server      $CLOUD
  demo account         demo@example.org / maic-demo, API key $APIKEY
  its minute rows      curl "$CLOUD/api?devid=$DEVID&apikey=$APIKEY&period=minute&date1=$(( $(date +%s) - 3600 ))"
  its hour rows        curl "$CLOUD/api?devid=$DEVID&apikey=$APIKEY&period=hour"   (the last whole hour)
  its devices          curl -H "Authorization: Bearer $APIKEY" $CLOUD/api/v1/devices
  (docs/api.md has every endpoint; a day passes in 10 minutes with --time-scale 144)
Ctrl-C stops both.

INFO
wait "$device_pid"
