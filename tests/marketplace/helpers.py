"""Helpers shared by the marketplace tests."""

import importlib.util
import zipfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "marketplace" / "samples"
MOCKCLOUD = SAMPLES / "mockcloud_extension"


def zip_directory(source: Path, target: Path, skip=("mock_backend.py",)) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.name not in skip and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(source).as_posix())
    return target


def mock_backend_module():
    spec = importlib.util.spec_from_file_location("mock_backend", MOCKCLOUD / "mock_backend.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
