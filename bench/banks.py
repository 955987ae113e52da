#!/usr/bin/env python3
"""Writes the benchmark banks twice, as featuremaps JSON and as NumPy weights for the Python peer:
seeded random weights of the size of learned first layers (normal, std 0.1; std 0.05 for layer 2) for
W1-W3, and the shipped gabor and ResNet-50 conv1 banks' own weights for W5."""
import json, os
import numpy as np

work = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "banks")
SHAPES = {  # name: [(filters, channels, side, padding), ...]
    "w1": [(8, 3, 3, 1)],
    "w2": [(64, 3, 7, 3)],
    "w3": [(64, 3, 3, 1), (64, 64, 3, 1)],
}


def main():
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(2026)
    for name, shapes in SHAPES.items():
        layers, arrays = [], {}
        channel_names = ["R", "G", "B"]
        for i, (f, c, k, p) in enumerate(shapes, start=1):
            w = rng.normal(0, 0.1 if i == 1 else 0.05, size=(f, c, k, k)).astype(np.float32)
            b = rng.normal(0, 0.01, size=f).astype(np.float32)
            arrays.update({f"w{i}": w, f"b{i}": b, f"p{i}": np.array(p)})
            names = [f"l{i}-{j:02d}" for j in range(f)]
            layers.append({"type": "conv", "padding": p, "filters": [
                {"name": names[j], "bias": float(b[j]), "weights": w[j].tolist()} for j in range(f)]})
            channel_names = names
        bank = {"format": "featuremaps-bank/1", "name": f"bench-{name}",
                "description": "benchmark bank: seeded random weights of the size of learned layers",
                "layers": layers}
        with open(os.path.join(work, f"{name}.json"), "w") as out:
            json.dump(bank, out)
        np.savez(os.path.join(work, f"{name}.npz"), **arrays)
    for name in ("gabor", "resnet50-conv1"):
        export_shipped(name)
    export_vgg()
    write_deep(rng)


def write_deep(rng):
    """deep5: five conv layers of 64 filters 3x3 with ReLU, a 2x2 max pooling after the second (issue 25's
    depth workload), seeded like the others; as JSON and as NumPy weights (a{i}: ReLU, m{i}: max pooling after)."""
    layers, arrays, channels = [], {}, 3
    for i in range(1, 6):
        w = rng.normal(0, (2 / (9 * channels)) ** 0.5, size=(64, channels, 3, 3)).astype(np.float32)
        b = rng.normal(0, 0.01, size=64).astype(np.float32)
        arrays.update({f"w{i}": w, f"b{i}": b, f"p{i}": np.array(1), f"a{i}": np.array(1)})
        layers.append({"type": "conv", "padding": 1, "activation": "relu", "filters": [
            {"name": f"l{i}-{j:02d}", "bias": float(b[j]), "weights": w[j].tolist()} for j in range(64)]})
        if i == 2:
            arrays["m2"] = np.array(1)
            layers.append({"type": "maxpool", "size": 2})
        channels = 64
    bank = {"format": "featuremaps-bank/1", "name": "bench-deep5",
            "description": "benchmark bank: five seeded 64-filter 3x3 ReLU layers, 2x2 max pooling after the second",
            "layers": layers}
    with open(os.path.join(work, "deep5.json"), "w") as out:
        json.dump(bank, out)
    np.savez(os.path.join(work, "deep5.npz"), **arrays)


def export_vgg():
    """vgg16-block1 (two conv layers with ReLU) as NumPy weights for ONNX Runtime: w6-vgg.npz."""
    with open(os.path.join(os.path.dirname(work), "..", "..", "Filters", "vgg16-block1.json")) as f:
        bank = json.load(f)
    arrays, channels = {}, bank["input"]["channels"]
    for i, layer in enumerate(bank["layers"], start=1):
        w = np.array([filt["weights"] if "weights" in filt else [filt["kernels"][c] for c in channels]
                      for filt in layer["filters"]], dtype=np.float32)
        arrays.update({f"w{i}": w, f"b{i}": np.array([filt.get("bias", 0.0) for filt in layer["filters"]], dtype=np.float32),
                       f"p{i}": np.array(1), f"a{i}": np.array(1 if layer.get("activation") == "relu" else 0)})
        channels = [filt["name"] for filt in layer["filters"]]
    np.savez(os.path.join(work, "w6-vgg.npz"), **arrays)


def export_shipped(name):
    """A one-layer bank of Filters/ as NumPy weights (w1, b1, p1 padding, s1 stride) for the peer."""
    with open(os.path.join(os.path.dirname(work), "..", "..", "Filters", f"{name}.json")) as f:
        bank = json.load(f)
    layer, channels = bank["layers"][0], bank["input"]["channels"]
    # A filter lists its weights (C, K, K) or its kernels by input channel name.
    w = np.array([filt["weights"] if "weights" in filt else [filt["kernels"][c] for c in channels]
                  for filt in layer["filters"]], dtype=np.float32)
    b = np.array([filt.get("bias", 0.0) for filt in layer["filters"]], dtype=np.float32)
    padding = layer["padding"] if layer["padding"] != "same" else w.shape[-1] // 2
    np.savez(os.path.join(work, f"w5-{name}.npz"), w1=w, b1=b, p1=np.array(padding), s1=np.array(layer.get("stride", 1)))


if __name__ == "__main__":
    main()
