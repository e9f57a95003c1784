#!/usr/bin/env bash
# Installs what maic needs (Debian 12 packages, the web toolchain), builds it
# and starts the data server (maic-cloud, on SQLite) with a simulated
# smart-MAIC D103 uploading to it. On the first run it first fills a year
# of the device's history into the server (maic-history, docs/history.md),
# then creates a demo account that owns the device, and prints where to
# open it and how to read its data.
# Extra arguments go to maic-device (see build/release/apps/maic-device
# --help). Ctrl-C stops both. State stays in maic-data/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target maic-device maic-cloud maic-history

CLOUD=http://127.0.0.1:8090
DEVICE=http://127.0.0.1:8080
BIN=build/release/apps
mkdir -p maic-data

pids=()
stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# Waits until program $1 (pid $2) has printed a line matching $3 to its
# log $4; fails if it exits first.
wait_for() {
  local name=$1 pid=$2 pattern=$3 log=$4
  if ! grep -q -m1 -- "$pattern" <(tail -n +1 -F --pid="$pid" "$log" 2>/dev/null); then
    echo "run.sh: $name stopped before '$pattern' (its log: $log)" >&2
    exit 1
  fi
}

# The logs are new for each run, so that a line from the last run is not
# taken for this one's.
rm -f maic-data/cloud.log maic-data/device.log
# The server; its output goes to the terminal and its log.
"$BIN/maic-cloud" --data-dir maic-data/cloud --listen 127.0.0.1:8090 \
  > >(tee maic-data/cloud.log) 2>&1 &
pids+=($!)
wait_for maic-cloud "${pids[0]}" "listening on" maic-data/cloud.log

# A year of history, once, before the device's first start: the device
# then continues from the history's meters. The PIN and the history's end
# are chosen once, so that an interrupted first run repeats the same
# records (which the server takes once). An installation from before the
# history (its demo.env made) keeps its data as it is.
demo=maic-data/demo.env
history=maic-data/history.env
if [ ! -f "$demo" ]; then
  if [ ! -f "$history" ]; then
    printf 'PIN=%s\nEND=%s\n' "$(shuf -i 1000-9999 -n 1)" "$(date +%s)" >"$history"
  fi
  # shellcheck disable=SC1090
  . "$history"
  if [ ! -f maic-data/history.done ]; then
    "$BIN/maic-history" --data-dir maic-data/device --server "$CLOUD" --pin "$PIN" --end "$END"
    touch maic-data/history.done
  fi
fi

"$BIN/maic-device" --data-dir maic-data/device --listen 127.0.0.1:8080 --server "$CLOUD" "$@" \
  > >(tee maic-data/device.log) 2>&1 &
pids+=($!)
wait_for maic-device "${pids[1]}" "listening on" maic-data/device.log

# The demo account: created once, its password and key kept in maic-data/demo.env.
if [ ! -f "$demo" ]; then
  DEVID=$(sed -n 's/.*"devid": *"\([0-9]\{10\}\)".*/\1/p' maic-data/device/settings.json)
  EMAIL=demo@maic.local
  PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
  APIKEY=$(curl -sf "$CLOUD/api/v1/register" -H 'Content-Type: application/json' \
             -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" |
           sed -n 's/.*"api_key":"\([0-9a-f]\{64\}\)".*/\1/p')
  # The server knows the device and its PIN from the history's hello.
  curl -sf -H "Authorization: Bearer $APIKEY" -H 'Content-Type: application/json' \
       "$CLOUD/api/v1/devices" \
       -d "{\"name\":\"Demo D103\",\"devid\":\"$DEVID\",\"pin\":\"$PIN\"}" >/dev/null
  # Its two pre-configured boards, as a person accepts them in the Dashboard.
  for layout in pc mobile; do
    curl -sf -X POST -H "Authorization: Bearer $APIKEY" \
         "$CLOUD/api/v1/devices/$DEVID/boards/$layout/preset" >/dev/null
  done
  printf 'DEVID=%s\nPIN=%s\nEMAIL=%s\nPASSWORD=%s\nAPIKEY=%s\n' \
    "$DEVID" "$PIN" "$EMAIL" "$PASSWORD" "$APIKEY" >"$demo"
fi
# shellcheck disable=SC1090
. "$demo"
cat <<INFO

maic is running:
  open in a browser    $CLOUD/   and sign in as ${EMAIL:-demo@example.org} / ${PASSWORD:-maic-demo}
                       (the device $DEVID, a year of history, its PC and mobile boards)
  the device's page    $DEVICE            (PIN $PIN)
  its minute rows      curl "$CLOUD/api?devid=$DEVID&apikey=$APIKEY&period=minute&date1=$(( $(date +%s) - 3600 ))"
  its hour rows        curl "$CLOUD/api?devid=$DEVID&apikey=$APIKEY&period=hour"   (the last whole hour)
  its month rows       curl "$CLOUD/api?devid=$DEVID&apikey=$APIKEY&period=month&date1=$(( $(date +%s) - 366 * 86400 ))"
  its devices          curl -H "Authorization: Bearer $APIKEY" $CLOUD/api/v1/devices
  (docs/api.md has every endpoint; a day passes in 10 minutes with --time-scale 144)
Ctrl-C stops both.

INFO
wait "${pids[1]}"
