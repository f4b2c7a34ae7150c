#!/usr/bin/env bash
# Installs the PostgreSQL server binaries from Debian's packages when they are absent.
# The test session itself starts a throwaway server on a loopback port and removes it afterwards
# (tests/pgserver.py); this script only makes sure the binaries exist.
set -euo pipefail

find_pg_bin() {
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"; return 0
        fi
    done
    return 1
}

if find_pg_bin >/dev/null; then
    echo "postgresql: server binaries found in $(find_pg_bin)"
    exit 0
fi

if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null; then
    echo "postgresql: server binaries missing and no root to install them (apt-get install postgresql)" >&2
    exit 1
fi
SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
echo "postgresql: installing the server from Debian's packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
find_pg_bin >/dev/null || { echo "postgresql: install finished but initdb was not found" >&2; exit 1; }
echo "postgresql: installed in $(find_pg_bin)"
