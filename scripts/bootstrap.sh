#!/bin/sh
# Installs GNU make on a fresh Debian machine that lacks it; `make run` / `make test` then
# install everything else themselves.
set -eu
command -v make >/dev/null 2>&1 && { echo "make is already installed"; exit 0; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends make
