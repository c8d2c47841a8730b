#!/bin/sh
# setup.sh — installs what the benchmarks need that the build does not: LuaSocket (the Lua
# baseline), iperf3 (B3's baseline) and perf (profiles). Only missing packages are installed, and
# only as root (otherwise it prints the apt-get command and carries on: benchmarks whose baseline
# is missing say so and skip).
set -eu

missing=""
dpkg -s lua-socket >/dev/null 2>&1 || missing="$missing lua-socket"
command -v iperf3 >/dev/null 2>&1 || missing="$missing iperf3"
command -v perf >/dev/null 2>&1 || dpkg -s linux-perf >/dev/null 2>&1 ||
  missing="$missing linux-perf"
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "bench setup: missing:$missing; run: sudo apt-get install -y$missing" >&2
  exit 0
fi
echo "bench setup: installing$missing"
DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null || {
  apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null
}
