#!/bin/sh
# run.sh — runs scripts/bench/run.lua (arguments passed on) with UDP receive buffers large enough
# for the datagram benchmarks.
#
# B1 and B6 queue tens of thousands of datagrams in one socket. regio's and LuaSocket's sockets
# take the kernel's default receive buffer (net.core.rmem_default, 208 KiB here: a few hundred
# datagrams), so as root this raises net.core.rmem_default to 32 MiB and rmem_max to 64 MiB for
# the run and puts the old values back when it ends (also on interrupt). Without root the
# benchmarks still run; B6 then drains only what the default buffer holds.
# Set REGIO_BENCH_NO_SYSCTL=1 to leave the sysctls alone.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

restore=""
if [ "$(id -u)" -eq 0 ] && [ -z "${REGIO_BENCH_NO_SYSCTL:-}" ]; then
  old_default=$(cat /proc/sys/net/core/rmem_default)
  old_max=$(cat /proc/sys/net/core/rmem_max)
  if [ "$old_default" -lt 33554432 ]; then
    restore="echo $old_default > /proc/sys/net/core/rmem_default; \
echo $old_max > /proc/sys/net/core/rmem_max"
    trap 'eval "$restore"' EXIT
    trap 'exit 130' INT TERM
    [ "$old_max" -lt 67108864 ] && echo 67108864 > /proc/sys/net/core/rmem_max
    echo 33554432 > /proc/sys/net/core/rmem_default
    echo "bench: net.core.rmem_default raised to 32 MiB for this run (was $old_default)"
  fi
fi
lua5.4 "$here/run.lua" "$@"
