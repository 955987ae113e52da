#!/usr/bin/env python3
"""Writes the benchmark banks twice, as featuremaps JSON and as NumPy weights for the Python peer:
seeded random weights of the size of learned first layers (normal, std 0.1; std 0.05 for layer 2)."""
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


if __name__ == "__main__":
    main()
