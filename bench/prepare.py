#!/usr/bin/env python3
"""Makes the benchmark pictures from the CC0/public-domain sample photos (real photos, not noise).

bench/work/w1.jpg           1024x768
bench/work/w2.jpg           4000x3000 (12 MP)
bench/work/w4/NNN.jpg       N pictures of 1600x1200, each a different crop and zoom of a sample photo
Run with the bench venv's python (Pillow)."""
import os, sys
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
work = os.path.join(here, "work")
photos = [os.path.join(root, "SampleImages", name) for name in ("rocket.jpg", "coffee.png", "chelsea.png")]


def sized(photo, width, height, zoom=1.0, shift=0.0):
    """A crop of `photo` with the aspect ratio width:height, zoomed and shifted, scaled to width x height."""
    image = Image.open(photo).convert("RGB")
    w, h = image.size
    cw = min(w, h * width / height) / zoom
    ch = cw * height / width
    x = (w - cw) * shift
    y = (h - ch) * (1 - shift)
    return image.resize((width, height), Image.LANCZOS, box=(x, y, x + cw, y + ch))


def main(count):
    os.makedirs(os.path.join(work, "w4"), exist_ok=True)
    sized(photos[0], 1024, 768).save(os.path.join(work, "w1.jpg"), quality=92)
    sized(photos[0], 4000, 3000).save(os.path.join(work, "w2.jpg"), quality=92)
    for i in range(count):
        path = os.path.join(work, "w4", f"{i:03d}.jpg")
        if not os.path.exists(path):
            sized(photos[i % 3], 1600, 1200, zoom=1 + (i % 7) * 0.1, shift=(i % 5) / 4).save(path, quality=90)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
