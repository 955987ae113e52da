#!/usr/bin/env python3
"""Writes the shipped banks in Filters/ (run from the repository root; needs only the standard library).

The banks are data: this script is kept so that the numbers in them can be traced and changed."""
import json, math, os

LUMA = {"R": 0.299, "G": 0.587, "B": 0.114}
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
SOBEL_Y = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
LAPLACE = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
ZERO3 = [[0] * 3 for _ in range(3)]


def scaled(k, s):
    return [[round(v * s, 6) for v in row] for row in k]


def rgb(r, g, b):
    return {"R": r, "G": g, "B": b}


def bank(name, description, layers, details):
    return {"format": "featuremaps-bank/1", "name": name, "description": description,
            "source": {"kind": "hand-designed", "details": details, "license": "CC0-1.0"},
            "input": {"channels": ["R", "G", "B"], "range": [0, 1], "mean": [0, 0, 0], "std": [1, 1, 1]},
            "layers": layers}


def conv(filters, **options):
    layer = {"type": "conv", "stride": 1, "dilation": 1, "groups": 1, "padding": "same",
             "padding_mode": "zeros", "activation": "none"}
    layer.update(options)
    layer["filters"] = filters
    return layer


def edges():
    return bank("edges",
        "Edge detectors. sobel-x, sobel-y and laplacian use the same kernel on R, G and B, so their map is the "
        "edge of R+G+B (the sum, not the average: values are three times one channel's). red-edge-x has a kernel "
        "only on R (zeros on G and B): it sees edges that exist in the red plane only. luma-edge-x spreads one "
        "Sobel kernel over the channels with the luma weights 0.299, 0.587, 0.114: a filter with distinct R, G "
        "and B kernels that computes the edge of brightness.",
        [conv([
            {"name": "sobel-x", "bias": 0.0, "kernels": rgb(SOBEL_X, SOBEL_X, SOBEL_X)},
            {"name": "sobel-y", "bias": 0.0, "kernels": rgb(SOBEL_Y, SOBEL_Y, SOBEL_Y)},
            {"name": "laplacian", "bias": 0.0, "kernels": rgb(LAPLACE, LAPLACE, LAPLACE)},
            {"name": "red-edge-x", "bias": 0.0, "kernels": rgb(SOBEL_X, ZERO3, ZERO3)},
            {"name": "luma-edge-x", "bias": 0.0,
             "kernels": {c: scaled(SOBEL_X, w) for c, w in LUMA.items()}},
        ])], "Sobel (1968) and Laplacian kernels; luma weights from ITU-R BT.601")


def gaussian(size, sigma):
    r = size // 2
    g = [[math.exp(-((x - r) ** 2 + (y - r) ** 2) / (2 * sigma * sigma)) for x in range(size)] for y in range(size)]
    total = sum(map(sum, g))
    return [[v / total for v in row] for row in g]


def blur_sharpen():
    def per_channel(k):  # the same kernel on each channel, divided by 3: the map is a blur of the gray mean
        return rgb(scaled(k, 1 / 3), scaled(k, 1 / 3), scaled(k, 1 / 3))
    box = [[1 / 25] * 5 for _ in range(5)]
    gauss = gaussian(5, 1.0)
    identity = [[1 if (x, y) == (2, 2) else 0 for x in range(5)] for y in range(5)]
    sharpen = [[2 * identity[y][x] - gauss[y][x] for x in range(5)] for y in range(5)]
    red_blur = rgb(gauss, [[0] * 5 for _ in range(5)], [[0] * 5 for _ in range(5)])
    return bank("blur-sharpen",
        "Smoothing and sharpening. Each filter has the same 5x5 kernel on R, G and B, divided by 3, so the "
        "summed map is the blurred (or sharpened) mean of the channels. box-5 averages a 5x5 window, gaussian-5 "
        "weighs it by a Gaussian (sigma 1), sharpen-5 is 2 x identity - gaussian (unsharp masking). red-blur "
        "blurs the red plane only. Padding is 'replicate', so the borders do not darken.",
        [conv([
            {"name": "box-5", "bias": 0.0, "kernels": per_channel(box)},
            {"name": "gaussian-5", "bias": 0.0, "kernels": per_channel(gauss)},
            {"name": "sharpen-5", "bias": 0.0, "kernels": per_channel(sharpen)},
            {"name": "red-blur", "bias": 0.0, "kernels": {c: [[round(v, 6) for v in row] for row in k] for c, k in red_blur.items()}},
        ], padding_mode="replicate")], "box, Gaussian and unsharp-mask kernels")


def color_opponent():
    center = gaussian(5, 0.8)
    surround = gaussian(5, 2.0)
    on = [[round(v, 6) for v in row] for row in center]
    off = [[round(-v, 6) for v in row] for row in surround]
    return bank("color-opponent",
        "Colour-opponent channels, as in the early visual system and in the first layer of trained networks. "
        "Each filter has a different kernel per channel, and the sum across channels is what makes it "
        "opponent: red-green is +R -G, blue-yellow is +B -(R+G)/2, luminance is (R+G+B)/3. The first three "
        "look at one pixel (their 5x5 kernels are zero but for the centre); red-on-green-off-5 is a centre-surround cell: a red centre with a green surround.",
        [conv([
            {"name": "luminance", "bias": 0.0, "kernels": rgb(pad5(1 / 3), pad5(1 / 3), pad5(1 / 3))},
            {"name": "red-green", "bias": 0.0, "kernels": rgb(pad5(1), pad5(-1), pad5(0))},
            {"name": "blue-yellow", "bias": 0.0, "kernels": rgb(pad5(-0.5), pad5(-0.5), pad5(1))},
            {"name": "red-on-green-off-5", "bias": 0.0, "kernels": rgb(on, off, [[0] * 5 for _ in range(5)])},
        ])], "Opponent-process colour channels (Hering; De Valois)")


def pad5(v):
    return [[v if (x, y) == (2, 2) else 0 for x in range(5)] for y in range(5)]


def gabor_kernel(size, wavelength, theta, sigma, phase=0.0):
    r = size // 2
    k = []
    for y in range(size):
        row = []
        for x in range(size):
            xr = (x - r) * math.cos(theta) + (y - r) * math.sin(theta)
            yr = -(x - r) * math.sin(theta) + (y - r) * math.cos(theta)
            row.append(math.exp(-(xr * xr + yr * yr) / (2 * sigma * sigma)) * math.cos(2 * math.pi * xr / wavelength + phase))
        k.append(row)
    mean = sum(map(sum, k)) / (size * size)
    return [[round(v - mean, 6) for v in row] for row in k]  # zero mean: flat areas give 0


def gabor():
    filters = []
    for wavelength, sigma, label in ((4.0, 1.6, "fine"), (8.0, 3.0, "coarse")):
        for degrees in (0, 45, 90, 135):
            k = gabor_kernel(11, wavelength, math.radians(degrees), sigma)
            filters.append({"name": f"{label}-{degrees:03d}", "bias": 0.0,
                            "kernels": {c: scaled(k, w) for c, w in LUMA.items()}})
    k = gabor_kernel(11, 8.0, 0.0, 3.0)
    filters.append({"name": "red-green-coarse-000", "bias": 0.0,
                    "kernels": rgb(scaled(k, 1), scaled(k, -1), scaled(k, 0))})
    filters.append({"name": "blue-yellow-coarse-090", "bias": 0.0,
                    "kernels": rgb(scaled(gabor_kernel(11, 8.0, math.radians(90), 3.0), -0.5),
                                   scaled(gabor_kernel(11, 8.0, math.radians(90), 3.0), -0.5),
                                   scaled(gabor_kernel(11, 8.0, math.radians(90), 3.0), 1))})
    return bank("gabor",
        "Gabor filters: 4 orientations (0, 45, 90, 135 degrees) x 2 scales (wavelength 4 and 8 pixels), "
        "11x11, zero mean. The achromatic ones spread the Gabor over R, G and B with the luma weights; the last "
        "two are colour-opponent Gabors (+R -G, +B -(R+G)/2), the kind trained first layers learn next to "
        "their oriented edge detectors.",
        [conv(filters)], "Gabor functions (Daugman 1985), generated by scripts/make_banks.py")


def two_layer():
    half = lambda k, s: {c: scaled(k, w * s) for c, w in LUMA.items()}
    layer1 = conv([
        {"name": "dark-to-light-x", "bias": 0.0, "kernels": half(SOBEL_X, 1)},
        {"name": "light-to-dark-x", "bias": 0.0, "kernels": half(SOBEL_X, -1)},
        {"name": "dark-to-light-y", "bias": 0.0, "kernels": half(SOBEL_Y, 1)},
        {"name": "light-to-dark-y", "bias": 0.0, "kernels": half(SOBEL_Y, -1)},
    ], activation="relu")
    c = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    left = [[0, 0, 0], [1, 0, 0], [0, 0, 0]]
    right = [[0, 0, 0], [0, 0, 1], [0, 0, 0]]
    up = [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    down = [[0, 0, 0], [0, 0, 0], [0, 1, 0]]
    layer2 = conv([
        {"name": "any-edge", "bias": 0.0,
         "kernels": {"dark-to-light-x": c, "light-to-dark-x": c, "dark-to-light-y": c, "light-to-dark-y": c}},
        {"name": "bright-vertical-line", "bias": 0.0,
         "kernels": {"dark-to-light-x": left, "light-to-dark-x": right, "dark-to-light-y": ZERO3, "light-to-dark-y": ZERO3}},
        {"name": "bright-horizontal-line", "bias": 0.0,
         "kernels": {"dark-to-light-x": ZERO3, "light-to-dark-x": ZERO3, "dark-to-light-y": up, "light-to-dark-y": down}},
        # An x edge and a y edge at the same place: the sum passes the bias threshold only there.
        {"name": "corner", "bias": -0.5,
         "kernels": {"dark-to-light-x": c, "light-to-dark-x": c, "dark-to-light-y": c, "light-to-dark-y": c}},
    ], activation="relu")
    return bank("two-layer",
        "What layer 2 sees. Layer 1 has four luma Sobel filters with ReLU, one per edge direction (dark to "
        "light or light to dark, along x or along y). Layer 2's filters have one 3x3 kernel per layer-1 map "
        "(four kernels each, keyed by the layer-1 filter names) and combine them: any-edge sums the four maps; "
        "bright-vertical-line fires where a dark-to-light edge lies one pixel left of a light-to-dark edge, "
        "a thin bright vertical line; bright-horizontal-line likewise across rows; corner sums all four and "
        "subtracts a threshold (bias -0.5) so that only places with strong edges in several directions remain.",
        [layer1, layer2], "hand-designed to show how a second layer combines first-layer maps")


WIDTH = 110


def readable_json(value, indent=0):
    """JSON that reads like the bank it is: whatever fits on a line stays on it (a 3x3 kernel, the input),
    a row of numbers always does, and the rest has one member or row per line (an 11x11 kernel is 11
    lines). Numbers are written as json.dumps writes them, so the values are the same in any layout."""
    flat = json.dumps(value, separators=(", ", ": "))
    scalars = isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value)
    if indent + len(flat) <= WIDTH or scalars or not isinstance(value, (list, dict)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list):
        return "[\n" + ",\n".join(pad + readable_json(v, indent + 2) for v in value) + "\n" + " " * indent + "]"
    members = [pad + json.dumps(key) + ": " + readable_json(v, indent + 2) for key, v in value.items()]
    return "{\n" + ",\n".join(members) + "\n" + " " * indent + "}"


if __name__ == "__main__":
    os.makedirs("Filters", exist_ok=True)
    for make in (edges, blur_sharpen, color_opponent, gabor, two_layer):
        b = make()
        with open(f"Filters/{b['name']}.json", "w") as f:
            f.write(readable_json(b) + "\n")
        print("wrote", f"Filters/{b['name']}.json")
