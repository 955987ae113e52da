#!/usr/bin/env python3
"""Writes the pictures whose headers claim more pixels than any machine has (run from this folder):
huge-header-2147483647.png (libpng's largest side, 2^31 - 1, both ways; valid CRCs) and
huge-header-65535.jpg (JPEG's largest, 65535 x 65535). Their data is a few bytes: a decoder that trusts
the header allocates exabytes or gigabytes; featuremaps must refuse them with one line."""
import struct
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


side = 2**31 - 1
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
open("huge-header-2147483647.png", "wb").write(png)

# SOI, a DQT, a baseline SOF0 for 65535 x 65535 gray, a DHT pair, an SOS, one byte of data, EOI.
dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 65535, 65535, 1) + b"\x01\x11\x00"
dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
open("huge-header-65535.jpg", "wb").write(b"\xff\xd8" + dqt + sof + dc + ac + sos + b"\x00" + b"\xff\xd9")
