"""Facts read from disk image headers: qcow2 virtual size and backing files."""

from __future__ import annotations

import struct
from dataclasses import dataclass

QCOW2_MAGIC = b"QFI\xfb"


class UnsafeImage(ValueError):
    """The image must not be used (e.g. a qcow2 with a backing file: it could read any
    file on the hypervisor, CVE-2024-29007-style)."""


@dataclass
class ImageFacts:
    format: str
    virtual_size: int | None


def inspect_header(header: bytes, declared_format: str) -> ImageFacts:
    """Check the first bytes of an image against its declared format."""
    if header[:4] == QCOW2_MAGIC:
        if len(header) < 32:
            raise UnsafeImage("Truncated qcow2 header.")
        version, backing_offset, backing_size = struct.unpack(">IQI", header[4:20])
        if backing_offset or backing_size:
            raise UnsafeImage("qcow2 images with a backing file are refused.")
        (virtual_size,) = struct.unpack(">Q", header[24:32])
        if declared_format.upper() != "QCOW2":
            raise UnsafeImage(f"The image is qcow2 but was registered as {declared_format}.")
        return ImageFacts("QCOW2", virtual_size)
    if declared_format.upper() == "QCOW2":
        raise UnsafeImage("The image is not a qcow2 file.")
    return ImageFacts(declared_format.upper(), None)
