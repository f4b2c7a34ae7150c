#!/usr/bin/env bash
# Installs the PostgreSQL server binaries and Chromium (for the page tests, driven by Playwright
# for Python; never a browser download) from Debian's packages when they are absent.
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

missing=()
if find_pg_bin >/dev/null; then
    echo "postgresql: server binaries found in $(find_pg_bin)"
else
    missing+=(postgresql)
fi
if [ -x /usr/bin/chromium ]; then
    echo "chromium: found at /usr/bin/chromium"
else
    missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null; then
    echo "missing ${missing[*]} and no root to install them (apt-get install ${missing[*]})" >&2
    exit 1
fi
SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
echo "installing ${missing[*]} from Debian's packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
find_pg_bin >/dev/null || { echo "postgresql: install finished but initdb was not found" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "chromium: install finished but /usr/bin/chromium is missing" >&2; exit 1; }
echo "postgresql: $(find_pg_bin); chromium: /usr/bin/chromium"
