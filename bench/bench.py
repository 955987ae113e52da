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
        deep_round(w2, w3, w4[0], record, algorithms, flops)
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
    deep_table = deep_report(m, algorithms)
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
        ("W5 resnet conv1 engine GFLOP/s ratio >= 1.3", ratio("W5 resnet conv1"), ">=", 1.3),
        ("W1 wall vs Python <= 0.2x", m[("W1", "featuremaps", "wall")] / m[("W1", "python", "wall")], "<=", 0.2),
        ("W2 wall vs Python <= 0.2x", m[("W2", "featuremaps", "wall")] / m[("W2", "python", "wall")], "<=", 0.2),
        ("W4 pictures/s vs Python >= 7x", m[("W4", "python", "wall")] / m[("W4", "featuremaps", "wall")], ">=", 7.0),
        ("W2 peak RSS <= 700 MB", m[("W2", "featuremaps", "rss")] * 1.048576, "<=", 700),
        ("W1 maps equal ONNX Runtime's (max |difference| / max |value|)", difference, "<=", 1e-5),
    ]
    goals += deep_goals(m)
    print(deep_table)
    print("\n| goal | measured | met |\n|---|---|---|")
    for label, value, op, limit in goals:
        met = value >= limit if op == ">=" else value <= limit
        print(f"| {label} | {value:.3g} | {'yes' if met else 'NO'} |")


# Deep banks (issue 25): W6 the shipped vgg16-block1 on the 12 MP photo, whole command, against ONNX
# Runtime's two layers and ReLUs in one graph on the same tensor in memory; W7 a seeded 5-layer bank on
# the 12 MP photo and on a 512x512 picture; W8 VGG's second layer alone at 1600x1200.

def peer_chain_seconds(npz, picture):
    """ONNX Runtime's first run and its steady state (median of 3 more runs in the same session)."""
    first, steady = subprocess.run([python, peer, "chain", os.path.join(banks, npz), picture, "--repeat", "3"],
                                   capture_output=True, text=True, check=True).stdout.split()
    return float(first), float(steady)


def deep_round(w2, w3, w4_first, record, algorithms, flops):
    for name, extra in (("W6 vgg16-block1 12 MP", ()), ("W6 vgg16-block1 12 MP, range", ("--normalize", "range:0,100"))):
        wall, rss, lines = ours([w2], "vgg16-block1", extra)
        record((name, "featuremaps", "wall"), wall)
        record((name, "featuremaps", "rss"), rss)
        algorithms[name] = lines[0]["timings"].get("maps", "")
    first, steady = peer_chain_seconds("w6-vgg.npz", w2)
    record(("W6 vgg16-block1 12 MP", "onnxruntime", "seconds"), steady)
    record(("W6 vgg16-block1 12 MP", "onnxruntime first", "seconds"), first)
    for name, picture in (("W7 deep5 12 MP", w2), ("W7 deep5 512x512", w3)):
        wall, rss, lines = ours([picture], os.path.join(banks, "deep5.json"))
        record((name, "featuremaps", "wall"), wall)
        record((name, "featuremaps", "rss"), rss)
        for i, layer in enumerate(lines[0]["timings"]["layers"]):
            if layer["operations"] > 0:
                record((name, f"layer {i + 1}", "gflops"), layer["operations"] / layer["seconds"] / 1e9)
        algorithms[name] = lines[0]["timings"].get("maps", "")
    _, _, lines = ours([w4_first], "vgg16-block1")
    layer = lines[0]["timings"]["layers"][1]
    record(("W8 vgg layer 2 1600x1200", "featuremaps", "gflops"), layer["operations"] / layer["seconds"] / 1e9)
    algorithms["W8 vgg layer 2 1600x1200"] = layer["algorithm"]
    flops["W8"] = 2 * 64 * 576 * 1600 * 1200
    record(("W8 vgg layer 2 1600x1200", "onnxruntime", "gflops"),
           flops["W8"] / peer_engine_seconds("w6-vgg", w4_first, layer2=True) / 1e9)


def deep_report(m, algorithms):
    out = ["\n| deep workload | featuremaps wall | peak RSS | ONNX Runtime in memory, steady (first run) | how the maps were made |",
           "|---|---|---|---|---|"]
    for name in ("W6 vgg16-block1 12 MP", "W6 vgg16-block1 12 MP, range", "W7 deep5 12 MP", "W7 deep5 512x512"):
        ort = "-"
        if name.startswith("W6"):
            ort = (f"{m[('W6 vgg16-block1 12 MP', 'onnxruntime', 'seconds')]:.2f} s "
                   f"({m[('W6 vgg16-block1 12 MP', 'onnxruntime first', 'seconds')]:.2f} s)")
        out.append(f"| {name} | {m[(name, 'featuremaps', 'wall')]:.2f} s | {m[(name, 'featuremaps', 'rss')]:.0f} MiB | "
                   f"{ort} | {algorithms.get(name, '-')} |")
    out.append("\n| W7 layer | GFLOP/s 12 MP | GFLOP/s 512x512 | ratio |\n|---|---|---|---|")
    for i in range(1, 7):
        big, small = m.get(("W7 deep5 12 MP", f"layer {i}", "gflops")), m.get(("W7 deep5 512x512", f"layer {i}", "gflops"))
        if big and small:
            out.append(f"| {i} | {big:.0f} | {small:.0f} | {big / small:.2f} |")
    w8 = ("W8 vgg layer 2 1600x1200", "featuremaps", "gflops")
    out.append(f"\nW8: VGG layer 2 at 1600x1200 {m[w8]:.0f} GFLOP/s ({algorithms[w8[0]]}), ONNX Runtime "
               f"{m[(w8[0], 'onnxruntime', 'gflops')]:.0f}")
    return "\n".join(out)


def deep_goals(m):
    ort_time = m[("W6 vgg16-block1 12 MP", "onnxruntime", "seconds")]
    layer_ratios = [m[("W7 deep5 12 MP", f"layer {i}", "gflops")] / m[("W7 deep5 512x512", f"layer {i}", "gflops")]
                    for i in range(1, 7) if ("W7 deep5 12 MP", f"layer {i}", "gflops") in m]
    return [
        ("W6 vgg16-block1 12 MP wall vs ONNX Runtime's steady run <= 1.0x", m[("W6 vgg16-block1 12 MP", "featuremaps", "wall")] / ort_time, "<=", 1.0),
        ("W6 with --normalize range wall vs ONNX Runtime's steady run <= 0.6x", m[("W6 vgg16-block1 12 MP, range", "featuremaps", "wall")] / ort_time, "<=", 0.6),
        ("W6 peak RSS <= 1 GiB (MiB)", max(m[("W6 vgg16-block1 12 MP", "featuremaps", "rss")], m[("W6 vgg16-block1 12 MP, range", "featuremaps", "rss")]), "<=", 1024),
        ("W7 deep5 12 MP peak RSS <= 1 GiB (MiB)", m[("W7 deep5 12 MP", "featuremaps", "rss")], "<=", 1024),
        ("W7 every layer's GFLOP/s at 12 MP >= 0.8x at 512x512 (worst)", min(layer_ratios), ">=", 0.8),
        ("W8 VGG layer 2 at 1600x1200 vs ONNX Runtime >= 1.5x", m[("W8 vgg layer 2 1600x1200", "featuremaps", "gflops")]
         / m[("W8 vgg layer 2 1600x1200", "onnxruntime", "gflops")], ">=", 1.5),
    ]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
