"""The RFB (VNC) handshake on both sides of the console proxy, so the VNC password stays
on the management side: the proxy authenticates to the hypervisor's VNC server (VNC
authentication, RFC 6143 7.2.2) and offers the browser security type None. Everything
after the security handshake (ClientInit, ServerInit, the framebuffer) is passed through.

No Django here: plain asyncio streams and bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

VERSION_38 = b"RFB 003.008\n"
SEC_NONE, SEC_VNC = 1, 2


class RfbError(Exception):
    """The VNC server or the browser broke the handshake (message is safe to show)."""


def vnc_response(password: str, challenge: bytes) -> bytes:
    """DES of ``challenge`` with the password as key, each key byte bit-reversed (VNC's
    quirk); passwords are cut or zero-padded to 8 bytes."""
    key = password.encode("latin-1", "replace")[:8].ljust(8, b"\0")
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in key)
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # 3 x the key = single DES
    return encryptor.update(challenge) + encryptor.finalize()


async def _reason(read: Callable[[int], Awaitable[bytes]]) -> str:
    (length,) = struct.unpack(">I", await read(4))
    return (await read(min(length, 4096))).decode("utf-8", "replace")


async def authenticate_server(
    read: Callable[[int], Awaitable[bytes]],
    write: Callable[[bytes], Awaitable[None]],
    password: str,
) -> None:
    """Run the client half of the handshake against a VNC server (RFB 3.7/3.8), with VNC
    authentication when the server asks for it; raises :class:`RfbError` on refusal."""
    version = await read(12)
    if not version.startswith(b"RFB 003."):
        raise RfbError("the console is not a VNC server")
    if version < b"RFB 003.007\n":
        raise RfbError(f"VNC protocol {version.decode(errors='replace').strip()} not supported")
    await write(VERSION_38 if version >= VERSION_38 else version)
    (count,) = await read(1)
    if count == 0:
        raise RfbError(f"the VNC server refused the connection: {await _reason(read)}")
    types = set(await read(count))
    if SEC_VNC in types and (password or SEC_NONE not in types):
        await write(bytes([SEC_VNC]))
        await write(vnc_response(password, await read(16)))
    elif SEC_NONE in types:
        await write(bytes([SEC_NONE]))
        if version < VERSION_38:
            return  # 3.7 sends no SecurityResult for None
    else:
        raise RfbError(f"no supported VNC security type among {sorted(types)}")
    (result,) = struct.unpack(">I", await read(4))
    if result != 0:
        reason = await _reason(read) if version >= VERSION_38 else "authentication failed"
        raise RfbError(f"VNC authentication failed: {reason}")


async def accept_client(
    read: Callable[[int], Awaitable[bytes]], write: Callable[[bytes], Awaitable[None]]
) -> None:
    """Run the server half of the handshake with the browser: RFB 3.8, security type None."""
    await write(VERSION_38)
    version = await read(12)
    if not version.startswith(b"RFB 003.00") or version < VERSION_38:
        raise RfbError("the console client must speak RFB 3.8")
    await write(bytes([1, SEC_NONE]))
    (choice,) = await read(1)
    if choice != SEC_NONE:
        raise RfbError("the console client chose an unsupported security type")
    await write(struct.pack(">I", 0))
