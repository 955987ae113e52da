#!/usr/bin/env python3
"""The Python script people would write instead of featuremaps: Pillow decodes, ONNX Runtime convolves
(2 threads, float32), each map is min-max scaled to 8 bits and saved by Pillow (compress_level 1) on 2
threads. Also times ONNX Runtime's Conv alone (--engine) and dumps its output (--dump) for comparison.

  peer.py run BANK.npz OUT PICTURE...      end to end, like featuremaps
  peer.py engine BANK.npz PICTURE [--layer2] [--repeat N]   median seconds of the Conv alone
  peer.py dump BANK.npz PICTURE OUT.npy    the final layer's output, float32 (F, H, W)
  peer.py chain BANK.npz PICTURE [--repeat N]  seconds of every layer in one ONNX graph (Conv, Relu, MaxPool):
                                               the first run, and the median of N more"""
import os, sys, time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from PIL import Image


def conv_model(weights, bias, pads, stride=1):
    f, c, kh, kw = weights.shape
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[pads] * 4, strides=[stride, stride])
    graph = helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, None, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, f, None, None])],
        [helper.make_tensor("w", TensorProto.FLOAT, weights.shape, weights.astype(np.float32).ravel()),
         helper.make_tensor("b", TensorProto.FLOAT, bias.shape, bias.astype(np.float32).ravel())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def chain_model(bank_path):
    """Every layer of a bank as one ONNX graph (Conv, then Relu where a{i} says, MaxPool 2x2 where m{i}
    says), so that ONNX Runtime runs the layers as it would a network, intermediate tensors its own way."""
    bank = np.load(bank_path)
    nodes, inits, x, i = [], [], "x", 1
    while f"w{i}" in bank:
        w = bank[f"w{i}"]
        inits += [helper.make_tensor(f"w{i}", TensorProto.FLOAT, w.shape, w.astype(np.float32).ravel()),
                  helper.make_tensor(f"b{i}", TensorProto.FLOAT, bank[f"b{i}"].shape, bank[f"b{i}"].astype(np.float32).ravel())]
        p = int(bank[f"p{i}"])
        nodes.append(helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], pads=[p] * 4))
        x = f"c{i}"
        if f"a{i}" in bank and int(bank[f"a{i}"]):
            nodes.append(helper.make_node("Relu", [x], [f"r{i}"]))
            x = f"r{i}"
        if f"m{i}" in bank and int(bank[f"m{i}"]):
            nodes.append(helper.make_node("MaxPool", [x], [f"m{i}"], kernel_shape=[2, 2], strides=[2, 2]))
            x = f"m{i}"
        i += 1
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def chain(bank_path, picture, repeat):
    """Seconds of the whole bank in one session on the picture's tensor in memory: the first run, then the
    median of `repeat` more (ONNX Runtime's first runs on a 12 MP picture take several times its later
    ones, while its memory arena grows)."""
    session = chain_model(bank_path)
    x = load(picture)
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        session.run(None, {"x": x})
        times.append(time.perf_counter() - start)
    print(times[0], sorted(times[1:])[len(times[1:]) // 2])


def sessions(bank_path):
    bank = np.load(bank_path)
    layers = []
    i = 1
    while f"w{i}" in bank:
        stride = int(bank[f"s{i}"]) if f"s{i}" in bank else 1
        layers.append(conv_model(bank[f"w{i}"], bank[f"b{i}"], int(bank[f"p{i}"]), stride))
        i += 1
    return layers


def load(picture):
    rgb = np.asarray(Image.open(picture).convert("RGB"), dtype=np.float32) / 255.0
    return rgb.transpose(2, 0, 1)[None].copy()


def forward(layers, x):
    for layer in layers:
        x = layer.run(None, {"x": x})[0]
    return x


def save(args):
    path, plane = args
    low, high = float(plane.min()), float(plane.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    Image.fromarray(((plane - low) * scale).round().astype(np.uint8)).save(path, compress_level=1)


def run(bank_path, out, pictures):
    layers = sessions(bank_path)
    with ThreadPoolExecutor(2) as pool:
        for picture in pictures:
            y = forward(layers, load(picture))[0]
            folder = os.path.join(out, os.path.splitext(os.path.basename(picture))[0])
            os.makedirs(folder, exist_ok=True)
            list(pool.map(save, [(os.path.join(folder, f"{i:02d}.png"), y[i]) for i in range(y.shape[0])]))


def engine(bank_path, picture, layer2, repeat):
    layers = sessions(bank_path)
    x = load(picture)
    if layer2:
        x = layers[0].run(None, {"x": x})[0]
    timed = layers[-1]
    timed.run(None, {"x": x})  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        timed.run(None, {"x": x})
        times.append(time.perf_counter() - start)
    print(sorted(times)[len(times) // 2])


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif command == "engine":
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
        engine(sys.argv[2], sys.argv[3], "--layer2" in sys.argv, repeat)
    elif command == "chain":
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
        chain(sys.argv[2], sys.argv[3], repeat)
    elif command == "dump":
        np.save(sys.argv[4], forward(sessions(sys.argv[2]), load(sys.argv[3]))[0])
