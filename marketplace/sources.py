"""Catalog sources: read an index and fetch artifacts from a directory, a git repository at
a pinned commit, or an HTTP(S) URL. Every artifact is checked against the size and SHA-256
the index declares before anything else looks at it."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import requests
from django.conf import settings

from marketplace.choices import CatalogKind

HTTP_TIMEOUT = 30
MAX_INDEX_BYTES = 5 * 1024 * 1024
COMMIT_RE = re.compile(r"^[0-9a-f]{7,64}$")


class SourceError(Exception):
    """The catalog or artifact could not be read, or failed verification."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"git {args[0]} failed: {exc}") from exc
    if done.returncode != 0:
        raise SourceError(f"git {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def git_checkout(url: str, ref: str) -> Path:
    """A checkout of ``url`` at commit ``ref`` (cached per commit; the commit is verified)."""
    if not ref:
        raise SourceError("a git catalog needs a pinned commit")
    key = hashlib.sha256(f"{url}\0{ref}".encode()).hexdigest()[:16]
    target = Path(settings.PLUGINS_DIR) / "cache" / "git" / key
    if not (target / ".git").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "--quiet", "--no-checkout", "--", url, str(target))
        _git(
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "--quiet",
            "--detach",
            ref,
            "--",
            cwd=target,
        )
    head = _git("rev-parse", "HEAD", cwd=target)
    if COMMIT_RE.match(ref) and not head.startswith(ref):
        raise SourceError(f"checkout is at {head}, not the pinned commit {ref}")
    return target


def _base(catalog) -> tuple[str, Path | None]:
    """(index location, local root directory or None for HTTP)."""
    if catalog.kind == CatalogKind.DIRECTORY:
        root = Path(catalog.url)
        return str(root / catalog.index_path), root
    if catalog.kind == CatalogKind.GIT:
        root = git_checkout(catalog.url, catalog.ref)
        return str(root / catalog.index_path), root
    if urlparse(catalog.url).scheme not in ("http", "https"):
        raise SourceError("an HTTP catalog needs an http:// or https:// URL")
    return catalog.url, None


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise SourceError(f"artifact path escapes the catalog: {relative}")
    return path


def read_index(catalog) -> dict[str, Any]:
    """Fetch and parse the catalog's index.json."""
    location, root = _base(catalog)
    try:
        if root is not None:
            raw = _inside(root, catalog.index_path).read_bytes()[: MAX_INDEX_BYTES + 1]
        else:
            response = requests.get(location, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            raw = response.content[: MAX_INDEX_BYTES + 1]
    except (OSError, requests.RequestException) as exc:
        raise SourceError(f"cannot read the index: {exc}") from exc
    if len(raw) > MAX_INDEX_BYTES:
        raise SourceError("the index is too large")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SourceError(f"the index is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError('the index must be an object with an "items" list')
    return data


def fetch_artifact(catalog, artifact: str, *, sha256: str, size: int, dest: Path) -> Path:
    """Copy or download ``artifact`` into ``dest`` (a directory); verify size and sha256.

    On a mismatch the partial file is removed and :class:`SourceError` raised."""
    dest.mkdir(parents=True, exist_ok=True)
    name = Path(urlparse(artifact).path).name
    if not name or name in (".", ".."):
        raise SourceError(f"bad artifact name: {artifact}")
    target = dest / name
    location, root = _base(catalog)
    try:
        if urlparse(artifact).scheme in ("http", "https") or root is None:
            url = urljoin(location, artifact)
            if urlparse(url).scheme not in ("http", "https"):
                raise SourceError(f"refusing artifact URL {url}")
            _download(url, target, size)
        else:
            source = _inside(root, artifact)
            if source.stat().st_size > size:
                raise SourceError(f"size mismatch: {source.stat().st_size} bytes, expected {size}")
            shutil.copyfile(source, target)
    except (OSError, requests.RequestException) as exc:
        target.unlink(missing_ok=True)
        raise SourceError(f"cannot fetch {artifact}: {exc}") from exc
    verify(target, sha256=sha256, size=size)
    return target


def _download(url: str, target: Path, size: int) -> None:
    with requests.get(url, stream=True, timeout=HTTP_TIMEOUT) as response:
        response.raise_for_status()
        written = 0
        with open(target, "wb") as handle:
            for chunk in response.iter_content(1 << 16):
                written += len(chunk)
                if written > size:
                    raise SourceError(f"size mismatch: more than the declared {size} bytes")
                handle.write(chunk)


def verify(path: Path, *, sha256: str, size: int) -> None:
    """Refuse (and delete) a file whose size or SHA-256 is not the declared one."""
    actual_size = path.stat().st_size
    if actual_size != size:
        path.unlink(missing_ok=True)
        raise SourceError(f"size mismatch: {actual_size} bytes, expected {size}")
    actual = sha256_file(path)
    if actual != sha256.lower():
        path.unlink(missing_ok=True)
        raise SourceError(f"sha256 mismatch: got {actual}, expected {sha256}")
