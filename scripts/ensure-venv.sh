#!/usr/bin/env bash
# Make .venv hold this project with the given extras ("agents", "test") at the pinned versions.
# pip runs only when pyproject.toml changed since the last install of those extras
# (a stamp file holds its hash), so re-runs are fast and work offline.
set -euo pipefail

extras=${1:?usage: ensure-venv.sh EXTRAS}
python=${PYTHON:-python3}
venv=.venv
is_311='import sys; sys.exit(sys.version_info[:2] != (3, 11))'

if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$is_311" 2>/dev/null; }; then
  if ! "$python" -c "$is_311" 2>/dev/null; then
    echo "error: Python 3.11 is required; set PYTHON=/path/to/python3.11 (found: $("$python" --version 2>&1))" >&2
    exit 1
  fi
  if ! "$python" -c 'import ensurepip, sysconfig, os; os.stat(sysconfig.get_path("include") + "/Python.h")' 2>/dev/null; then
    # Debian's own python3 keeps venv support and the C headers (for libvirt-python) apart.
    bash "$(dirname "$0")/install-system-deps.sh" <(printf 'python3-venv\npython3-dev\n')
  fi
  echo "Creating $venv with $("$python" --version)"
  "$python" -m venv --clear "$venv"
fi

stamp="$venv/.installed-$extras"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages (.[$extras]) into $venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -e ".[$extras]"
  echo "$want" >"$stamp"
fi
