#!/usr/bin/env bash
# Install the Debian packages named in the given list files (one per line, '#' comments).
# apt is skipped entirely when every package is already installed (checked with dpkg-query),
# so re-runs are fast and work offline.
set -euo pipefail

pkgs=()
for list in "$@"; do
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    for p in $line; do pkgs+=("$p"); done
  done <"$list"
done

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "error: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

# Keep package scripts from starting system-wide services (a Redis on 6379, a PostgreSQL
# cluster on 5432): the portal and the test suite start their own on 127.0.0.1.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

# --no-install-recommends: the lists name everything needed, nothing more gets pulled in.
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
