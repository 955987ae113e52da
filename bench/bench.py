#!/usr/bin/env python3
"""Runs featuremaps and the Python peer alternately on W1-W5 and prints medians and the goals' ratios.
W5 is engine-only: the shipped gabor bank (10 filters 11x11x3) and ResNet-50's conv1 (64 filters 7x7x3,
stride 2) on the 12 MP photo, against ONNX Runtime's Conv with the same weights."""
import datetime, json, os, platform, shutil, statistics, subprocess, sys, tempfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
work = os.path.join(here, "work")
featuremaps = os.path.join(root, ".build", "release", "featuremaps")
python = sys.executable
peer = os.path.join(here, "peer.py")
banks = os.path.join(work, "banks")


def timed(command):
    """Wall seconds and peak RSS (MiB) of a whole process, and its standard output."""
    with tempfile.NamedTemporaryFile("r") as report:
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name] + command,
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
        wall, rss = report.read().split()[-2:]
    return float(wall), int(rss) / 1024, result.stdout


def fresh(name):
    path = os.path.join(tempfile.gettempdir(), "featuremaps-bench", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def ours(pictures, bank, extra=()):
    wall, rss, out = timed([featuremaps, *pictures, "--bank", bank, "--out", fresh("ours"), "-q", "--log", "json", *extra])
    lines = [json.loads(line) for line in out.splitlines()]
    return wall, rss, lines


def engine_gflops(line, layer=-1):
    t = line["timings"]["layers"][layer]
    return t["operations"] / t["seconds"] / 1e9


def peer_engine_seconds(bank, picture, layer2=False):
    return float(subprocess.run([python, peer, "engine", os.path.join(banks, f"{bank}.npz"), picture, "--repeat", "5"]
                                + (["--layer2"] if layer2 else []), capture_output=True, text=True, check=True).stdout)


def main(repeats):
    w1, w2, w3 = (os.path.join(work, f"w{i}.jpg") for i in (1, 2, 3))
    w4 = sorted(os.path.join(work, "w4", f) for f in os.listdir(os.path.join(work, "w4")))[:100]
    if not os.path.exists(w3):
        from PIL import Image
        Image.open(w1).resize((512, 512)).save(w3, quality=92)
    flops = {"W1": 2 * 8 * 27 * 1024 * 768, "W2": 2 * 64 * 147 * 4000 * 3000, "W3": 2 * 64 * 576 * 512 * 512}
    rows = {}
    algorithms = {}

    def record(key, value):
        rows.setdefault(key, []).append(value)

    for r in range(repeats):
        for name, pictures, bank in (("W1", [w1], "w1"), ("W2", [w2], "w2"), ("W4", w4, "w1")):
            wall, rss, lines = ours(pictures, os.path.join(banks, f"{bank}.json"))
            record((name, "featuremaps", "wall"), wall)
            record((name, "featuremaps", "rss"), rss)
            if name != "W4":
                record((name, "featuremaps", "gflops"), engine_gflops(lines[0]))
            wall, rss, _ = timed([python, peer, "run", os.path.join(banks, f"{bank}.npz"), fresh("peer"), *pictures])
            record((name, "python", "wall"), wall)
            record((name, "python", "rss"), rss)
            if name != "W4":
                algorithms[name] = lines[0]["timings"]["layers"][-1]["algorithm"]
        _, _, lines = ours([w3], os.path.join(banks, "w3.json"))
        record(("W3", "featuremaps", "gflops"), engine_gflops(lines[0], layer=1))
        algorithms["W3"] = lines[0]["timings"]["layers"][1]["algorithm"]
        for name, bank in (("W5 gabor", "gabor"), ("W5 resnet conv1", "resnet50-conv1")):
            _, _, lines = ours([w2], bank)
            record((name, "featuremaps", "gflops"), engine_gflops(lines[0]))
            algorithms[name] = lines[0]["timings"]["layers"][-1]["algorithm"]
            flops[name] = lines[0]["timings"]["layers"][-1]["operations"]
            record((name, "onnxruntime", "gflops"), flops[name] / peer_engine_seconds(f"w5-{bank}", w2) / 1e9)
        for name, picture, bank, layer2 in (("W1", w1, "w1", False), ("W2", w2, "w2", False), ("W3", w3, "w3", True)):
            record((name, "onnxruntime", "gflops"), flops[name] / peer_engine_seconds(bank, picture, layer2) / 1e9)
        print(f"round {r + 1} of {repeats} done", file=sys.stderr)

    # Equality with ONNX Runtime: the raw maps of W1 (npy) against ORT's output.
    out = fresh("equal")
    subprocess.run([featuremaps, w1, "--bank", os.path.join(banks, "w1.json"), "--out", out, "--format", "npy", "-q"], check=True)
    ref_path = os.path.join(out, "ort.npy")
    subprocess.run([python, peer, "dump", os.path.join(banks, "w1.npz"), w1, ref_path], check=True)
    ref = np.load(ref_path)
    mine = np.stack([np.load(os.path.join(out, "w1", f)) for f in sorted(os.listdir(os.path.join(out, "w1"))) if f.endswith(".npy")])
    difference = float(np.abs(mine - ref).max() / np.abs(ref).max())

    m = {k: statistics.median(v) for k, v in rows.items()}
    print(f"\nfeaturemaps benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{repeats} alternating runs, medians\n")
    print("| workload | featuremaps wall | peak RSS | Python script wall | peak RSS | engine GFLOP/s featuremaps | ONNX Runtime | algorithm |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("W1", "W2", "W3", "W4", "W5 gabor", "W5 resnet conv1"):
        cell = lambda side, what, fmt: fmt.format(m[(name, side, what)]) if (name, side, what) in m else "-"
        print(f"| {name} | {cell('featuremaps', 'wall', '{:.2f} s')} | {cell('featuremaps', 'rss', '{:.0f} MiB')} | "
              f"{cell('python', 'wall', '{:.2f} s')} | {cell('python', 'rss', '{:.0f} MiB')} | "
              f"{cell('featuremaps', 'gflops', '{:.0f}')} | {cell('onnxruntime', 'gflops', '{:.0f}')} | {algorithms.get(name, '-')} |")
    ratio = lambda name: m[(name, "featuremaps", "gflops")] / m[(name, "onnxruntime", "gflops")]
    goals = [
        ("W1 engine GFLOP/s ratio >= 2.0", ratio("W1"), ">=", 2.0),
        ("W2 engine GFLOP/s ratio >= 1.5", ratio("W2"), ">=", 1.5),
        ("W3 engine GFLOP/s ratio >= 1.5", ratio("W3"), ">=", 1.5),
        ("W5 gabor engine GFLOP/s ratio >= 2.0", ratio("W5 gabor"), ">=", 2.0),
        ("W5 resnet conv1 engine GFLOP/s ratio >= 2.0", ratio("W5 resnet conv1"), ">=", 2.0),
        ("W1 wall vs Python <= 0.2x", m[("W1", "featuremaps", "wall")] / m[("W1", "python", "wall")], "<=", 0.2),
        ("W2 wall vs Python <= 0.2x", m[("W2", "featuremaps", "wall")] / m[("W2", "python", "wall")], "<=", 0.2),
        ("W4 pictures/s vs Python >= 5x", m[("W4", "python", "wall")] / m[("W4", "featuremaps", "wall")], ">=", 5.0),
        ("W2 peak RSS <= 700 MB", m[("W2", "featuremaps", "rss")] * 1.048576, "<=", 700),
        ("W1 maps equal ONNX Runtime's (max |difference| / max |value|)", difference, "<=", 1e-5),
    ]
    print("\n| goal | measured | met |\n|---|---|---|")
    for label, value, op, limit in goals:
        met = value >= limit if op == ">=" else value <= limit
        print(f"| {label} | {value:.3g} | {'yes' if met else 'NO'} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
