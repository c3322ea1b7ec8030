"""A small, fast PNG encoder for the live views' frames (plumbing)."""
from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["rgb_png"]


def rgb_png(pixels: np.ndarray, level: int = 1) -> bytes:
    """PNG bytes of ``pixels``: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint8 (RGBA that
    is fully opaque is written as RGB). The "Up" filter and a fast zlib level: a 480x224 figure
    takes under 1 ms, a few times faster than PIL or ``savefig``, and flat backgrounds shrink."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (
            pixels.ndim == 3 and pixels.shape[2] not in (3, 4)):
        raise ValueError(f"pixels must be uint8 (H, W), (H, W, 3) or (H, W, 4), got "
                         f"{pixels.dtype} {pixels.shape}")
    if pixels.ndim == 3 and pixels.shape[2] == 4 and pixels[..., 3].min() == 255:
        pixels = pixels[..., :3]
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    flat = pixels.reshape(height, -1)
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 2  # filter type 2 ("Up") on every row: each row minus the one above
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # modulo 256, as PNG wants
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + _chunk(b"IEND", b""))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
