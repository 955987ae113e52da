#!/usr/bin/env python3
"""Writes references.tsv: what independent decoders make of every test picture here.

PNG: pypng (pure Python, not libpng), stored samples: palettes expanded to RGB, alpha dropped, gray of
1/2/4 bits scaled to 8 bits (v * 255 / (2^d - 1), which is what libpng's expansion does), 16-bit kept.
JPEG: djpeg from libjpeg-turbo-progs (PPM/PGM output, default settings, no EXIF rotation).
Each line: file, width, height, channels, bits, FNV-1a-64 of the samples (interleaved; 16-bit as
little-endian pairs). Run from this folder: pip install pypng; apt-get install libjpeg-turbo-progs."""
import glob, os, subprocess
import png  # pypng


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def samples_bytes(values, bits):
    if bits == 16:
        return b"".join(int(v).to_bytes(2, "little") for v in values)
    return bytes(int(v) for v in values)


def png_reference(path):
    w, h, rows, info = png.Reader(filename=path).read()
    rows = [list(r) for r in rows]
    depth, planes = info["bitdepth"], info["planes"]
    if info.get("palette") and planes == 1 and not info["greyscale"]:  # truecolor files may carry a suggested PLTE
        pal = info["palette"]
        out = [c for r in rows for i in r for c in pal[i][:3]]
        return w, h, 3, 8, out
    alpha = info["alpha"]
    keep = planes - 1 if alpha else planes
    flat = [r[x * planes + c] for r in rows for x in range(w) for c in range(keep)]
    if depth < 8:
        flat = [v * 255 // ((1 << depth) - 1) for v in flat]
        depth = 8
    return w, h, keep, depth, flat


def pnm_reference(data):
    parts, i = [], 0
    while len(parts) < 4:  # magic, width, height, maxval
        while data[i:i + 1].isspace(): i += 1
        j = i
        while not data[j:j + 1].isspace(): j += 1
        parts.append(data[i:j]); i = j
    i += 1
    w, h, maxval = int(parts[1]), int(parts[2]), int(parts[3])
    channels = 3 if parts[0] == b"P6" else 1
    assert maxval == 255
    return w, h, channels, 8, list(data[i:i + w * h * channels])


lines = []
for path in sorted(glob.glob("pngsuite/*.png")):
    name = os.path.basename(path)
    if name.startswith("x"):
        continue
    w, h, c, bits, values = png_reference(path)
    lines.append(f"{path}\t{w}\t{h}\t{c}\t{bits}\t{fnv1a(samples_bytes(values, bits))}")
for path in sorted(glob.glob("jpeg/*.jpg")):
    result = subprocess.run(["djpeg", "-pnm", path], capture_output=True)
    if result.returncode != 0:
        continue  # 12-bit files: djpeg (8-bit libjpeg) refuses them too
    w, h, c, bits, values = pnm_reference(result.stdout)
    lines.append(f"{path}\t{w}\t{h}\t{c}\t{bits}\t{fnv1a(bytes(values))}")
open("references.tsv", "w").write("\n".join(lines) + "\n")
print(len(lines), "references")
