"""Build a pure-Python wheel from a project directory with a ``pyproject.toml``, offline and
without the ``wheel`` package (the samples, the scaffold's test and the test suite use it).

Only what plugins need: ``[project]`` name, version, summary and entry points, and the
packages found at the top of the project (directories with ``__init__.py``). For anything
richer use ``python -m build``; the result installs the same way.

    python -m marketplace.wheelbuild <project-dir> <output-dir>
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import sys
import tomllib
import zipfile
from pathlib import Path

SKIP_PARTS = {"__pycache__", ".git", "tests", "build", "dist"}
EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same sha256


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build ``<name>-<version>-py3-none-any.whl`` into ``out_dir``; return its path."""
    project, out_dir = Path(project), Path(out_dir)
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    name, version = _norm(meta["name"]), meta["version"]
    dist_info = f"{name}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for package in sorted(p for p in project.iterdir() if (p / "__init__.py").is_file()):
        for path in sorted(package.rglob("*")):
            rel = path.relative_to(project)
            if path.is_file() and not SKIP_PARTS & set(rel.parts) and path.suffix != ".pyc":
                files[rel.as_posix()] = path.read_bytes()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {version}",
        f"Summary: {meta.get('description', '')}",
    ]
    if meta.get("requires-python"):
        lines.append(f"Requires-Python: {meta['requires-python']}")
    files[f"{dist_info}/METADATA"] = ("\n".join(lines) + "\n").encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: cloudportal-wheelbuild\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    groups = meta.get("entry-points", {})
    if groups:
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in sorted(eps.items())) + "\n"
            for group, eps in sorted(groups.items())
        )
        files[f"{dist_info}/entry_points.txt"] = text.encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        writer.writerow([path, _record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files[f"{dist_info}/RECORD"] = record.getvalue().encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


if __name__ == "__main__":  # pragma: no cover
    print(build_wheel(Path(sys.argv[1]), Path(sys.argv[2])))
