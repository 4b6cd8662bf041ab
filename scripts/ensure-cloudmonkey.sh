#!/usr/bin/env bash
# Install Apache CloudStack's legacy CLI, cloudmonkey 5.3.3.1 (Python 2.7), into
# .venv-cloudmonkey/ (a private site directory: pyenv's 2.7 has no venv module) and write the
# launcher .venv-cloudmonkey/bin/cloudmonkey. pip runs only when the pinned version changes.
# Python 2.7: $CLOUDMONKEY_PYTHON, else pyenv's newest 2.7, else python2.7 on PATH.
# Exit code 3 (and a reason on stderr) when no Python 2.7 is available.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.3.3.1
dest=${CLOUDMONKEY_VENV:-.venv-cloudmonkey}

find_python() {
  if [ -n "${CLOUDMONKEY_PYTHON:-}" ]; then
    echo "$CLOUDMONKEY_PYTHON"
    return
  fi
  local root
  root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
  for candidate in $(ls -d "$root"/versions/2.7* 2>/dev/null | sort -rV); do
    if [ -x "$candidate/bin/python" ]; then
      echo "$candidate/bin/python"
      return
    fi
  done
  command -v python2.7 || true
}

python=$(find_python)
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
  echo "no Python 2.7 (pyenv install 2.7.18, or set CLOUDMONKEY_PYTHON)" >&2
  exit 3
fi

stamp="$dest/.installed"
want="cloudmonkey==$version $python"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing cloudmonkey $version for $("$python" --version 2>&1) into $dest" >&2
  rm -rf "$dest"
  mkdir -p "$dest/bin"
  # From / so that pip does not see this project's egg-info in the working directory.
  if ! (cd / && "$python" -m pip install --disable-pip-version-check --no-input -q \
    --no-warn-script-location --target "$OLDPWD/$dest/site" "cloudmonkey==$version") \
    >"$dest/pip.log" 2>&1; then
    cat "$dest/pip.log" >&2
    echo "error: pip could not install cloudmonkey==$version (log above)" >&2
    exit 1
  fi
  cat >"$dest/bin/cloudmonkey" <<EOF
#!/bin/sh
# cloudmonkey $version on $python, from $dest/site (written by scripts/ensure-cloudmonkey.sh)
PYTHONPATH="$PWD/$dest/site" exec "$python" -c 'from cloudmonkey.cloudmonkey import main; main()' "\$@"
EOF
  chmod 755 "$dest/bin/cloudmonkey"
  echo "$want" >"$stamp"
fi
echo "$PWD/$dest/bin/cloudmonkey"
