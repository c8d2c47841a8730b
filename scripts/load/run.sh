#!/usr/bin/env bash
# scripts/load/run.sh — the load tests' wrapper: raises the descriptor limit, isolates the UDP
# counters in a private network namespace when it can, then runs scripts/load/run.lua.
#
#   scripts/load/run.sh [--build DIR] --backend NAME [run.lua options...]
#
# 1,000 TCP connections need about 2,100 descriptors (client, server, listener, engine): when the
# limit cannot be raised to REGIO_LOAD_NOFILE (4096) the run is skipped with the reason (exit 77).
# `unshare -rn` gives the flood its own /proc/net/snmp, so no other traffic moves the counters;
# without it the run uses the shared namespace and says so. REGIO_LOAD_SHARED_NET=1 skips unshare.
set -uo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
want=${REGIO_LOAD_NOFILE:-4096}
lua=${LUA:-lua5.4}

if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  if ! ulimit -n "$want" 2>/dev/null; then
    echo "load: skipped: cannot raise the descriptor limit to $want" \
         "(soft $(ulimit -Sn), hard $(ulimit -Hn))"
    exit 77
  fi
fi

if [ "${REGIO_LOAD_SHARED_NET:-0}" != 1 ] &&
   unshare -rn sh -c 'ip link set lo up' >/dev/null 2>&1; then
  echo "load: private network namespace (unshare -rn); descriptor limit $(ulimit -n)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "$lua" "$here/run.lua" "$@"
fi
echo "load: shared network namespace; descriptor limit $(ulimit -n)"
exec "$lua" "$here/run.lua" "$@"
