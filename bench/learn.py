"""featuremaps learn against the same pipeline in NumPy (and scikit-learn's KMeans for reference), from
the same file of patches.

    bench/learn.sh [REPEATS]

Both sides read bench/work/patches.npy (100,000 patches of 7x7x3 that `featuremaps learn --save-patches`
sampled from the sample photos) and learn 32 filters in 10 iterations. The NumPy pipeline is the same
algorithm: contrast normalisation (variance + 10/255^2), ZCA whitening (epsilon 0.1, numpy.linalg.eigh),
spherical k-means with Coates and Ng's damping, from the same initial centroids (xoshiro256** and
Box-Muller, reimplemented here). scikit-learn's KMeans (Euclidean, Lloyd, n_init=1, 10 iterations, the
same initial centroids) is timed on the same whitened patches as the usual library choice.

Prints wall times and peak memory of each (medians of REPEATS runs, each a process of its own), and how
far featuremaps' filters are from NumPy's (after sorting both by cluster size).
"""
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
BINARY = os.path.join(ROOT, ".build", "release", "featuremaps")
PATCHES = os.path.join(WORK, "patches.npy")
FILTERS, SIZE, ITERATIONS, SEED, EPSILON = 32, 7, 10, 1, 0.1
MASK = (1 << 64) - 1


def splitmix_state(seed, stream):
    x = (seed ^ ((stream * 0x9E3779B97F4A7C15) & MASK)) & MASK
    out = []
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def xoshiro(state):
    s = list(state)
    rot = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
    while True:
        result = (rot((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rot(s[3], 45)
        yield result


def initial_centroids(count, dimension, seed):
    """featuremaps' SphericalKMeans.init: normals from the 'kmeans' stream, each row normalised."""
    generator = xoshiro(splitmix_state(seed, 0x6B6D65616E73))
    values = []
    for _ in range(count * dimension):
        u = ((next(generator) >> 11) + 0.5) / float(1 << 53)
        v = (next(generator) >> 11) / float(1 << 53)
        values.append(math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v))
    c = np.array(values).reshape(count, dimension)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def whitened(patches):
    x = patches.astype(np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    x = x / np.sqrt(x.var(axis=1, keepdims=True) + 10.0 / (255.0 * 255.0))
    mean = x.mean(axis=0)
    centred = x - mean
    covariance = centred.T @ centred / len(x)
    values, vectors = np.linalg.eigh(covariance)
    w = vectors @ np.diag(1 / np.sqrt(np.maximum(values, 0) + EPSILON)) @ vectors.T
    return centred @ w.T, w, mean


def spherical_kmeans(z, centroids):
    for _ in range(ITERATIONS):
        dots = z @ centroids.T
        best = np.argmax(np.abs(dots), axis=1)
        s = np.zeros_like(dots)
        rows = np.arange(len(z))
        s[rows, best] = dots[rows, best]
        centroids = s.T @ z + centroids
        centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
    sizes = np.bincount(best, minlength=len(centroids))
    return centroids, sizes


def run_numpy():
    start = time.perf_counter()
    patches = np.load(PATCHES)
    z, w, mean = whitened(patches)
    centroids, sizes = spherical_kmeans(z, initial_centroids(FILTERS, z.shape[1], SEED))
    order = sorted(range(FILTERS), key=lambda j: (-sizes[j], j))
    filters = np.array([w @ centroids[j] for j in order])
    seconds = time.perf_counter() - start
    np.save(os.path.join(WORK, "numpy-filters.npy"), filters)
    return seconds


def run_sklearn():
    from sklearn.cluster import KMeans
    patches = np.load(PATCHES)
    z, _, _ = whitened(patches)
    start = time.perf_counter()
    KMeans(n_clusters=FILTERS, init=initial_centroids(FILTERS, z.shape[1], SEED), n_init=1, max_iter=ITERATIONS,
           tol=0, algorithm="lloyd").fit(z)
    return time.perf_counter() - start


def child(kind):
    seconds = run_numpy() if kind == "numpy" else run_sklearn()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def measure(arguments):
    """Wall time and peak RSS of a process, from /usr/bin/time."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + arguments, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    return seconds, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("numpy", "sklearn"):
        return child(sys.argv[1])
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    os.makedirs(WORK, exist_ok=True)
    subprocess.run([BINARY, "learn", os.path.join(ROOT, "SampleImages"), "--filters", str(FILTERS), "--size", str(SIZE),
                    "--seed", str(SEED), "--save-patches", PATCHES, "--out", os.path.join(WORK, "sampled.json")], check=True,
                   capture_output=True)
    ours, numpy_runs, sklearn_runs = [], [], []
    bank = os.path.join(WORK, "learned.json")
    for _ in range(repeats):
        seconds, peak, _ = measure([BINARY, "learn", "--patches-from", PATCHES, "--filters", str(FILTERS), "--size", str(SIZE),
                                    "--seed", str(SEED), "--iterations", str(ITERATIONS), "--out", bank])
        ours.append((seconds, peak))
        for kind, runs in (("numpy", numpy_runs), ("sklearn", sklearn_runs)):
            _, peak, out = measure([sys.executable, __file__, kind])
            runs.append((json.loads(out)["seconds"], peak))
    # featuremaps' filters against NumPy's, both ordered by cluster size.
    with open(bank) as f:
        layer = json.load(f)["layers"][0]
    mine = np.array([np.array(filt["weights"], dtype=np.float64).ravel() for filt in layer["filters"]])
    theirs = np.load(os.path.join(WORK, "numpy-filters.npy"))
    difference = np.abs(mine - theirs).max() / np.abs(theirs).max()

    def row(name, runs, note):
        seconds = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        print(f"| {name} | {seconds:.2f} s | {peak:.0f} MB | {note} |")

    print(f"{len(mine)} filters from {np.load(PATCHES).shape[0]} patches of {SIZE}x{SIZE}x3, {ITERATIONS} iterations, "
          f"median of {repeats}; {os.cpu_count()} cores")
    print("| pipeline | time | peak memory | |")
    print("|---|---|---|---|")
    row("featuremaps learn --patches-from", ours, "whole run: read, normalise, whiten, k-means, write the bank")
    row("NumPy (same algorithm)", numpy_runs, "whole pipeline in the process; peak of the process")
    row("scikit-learn KMeans (Lloyd)", sklearn_runs, "k-means alone, on patches whitened by NumPy first")
    print(f"largest |featuremaps - NumPy| over the filters, relative to the largest weight: {difference:.2e}")


if __name__ == "__main__":
    main()
