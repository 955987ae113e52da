#!/usr/bin/env python3
"""Writes the weights files the tests read, each by the library that writes that format for real
(NumPy, safetensors, PyTorch, ONNX, Keras), plus hostile files and the same weights as bank JSON.

Run from this folder with numpy, torch, safetensors, onnx, onnxruntime, h5py and keras installed:
    KERAS_BACKEND=torch python3 make_weights.py

One small layer is written in every format: conv weight (4, 3, 3, 3) OIHW, bias (4), and a batch norm
(weight, bias, running mean, running variance). The values are multiples of 1/64 in [-1, 1] (variances in
(0, 2]), exact in float16, bfloat16, float32 and float64, so every file holds the same numbers."""
import collections
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np

rng = np.random.default_rng(2026)
W = (rng.integers(-64, 65, size=(4, 3, 3, 3)) / 64).astype(np.float32)  # OIHW
B = (rng.integers(-64, 65, size=4) / 64).astype(np.float32)
GAMMA = (rng.integers(16, 65, size=4) / 64).astype(np.float32)
BETA = (rng.integers(-64, 65, size=4) / 64).astype(np.float32)
MEAN = (rng.integers(-64, 65, size=4) / 64).astype(np.float32)
VAR = (rng.integers(8, 129, size=4) / 64).astype(np.float32)
HWIO = np.ascontiguousarray(W.transpose(2, 3, 1, 0))


def state():
    return collections.OrderedDict([("conv.weight", W), ("conv.bias", B), ("bn.weight", GAMMA), ("bn.bias", BETA),
                                    ("bn.running_mean", MEAN), ("bn.running_var", VAR)])


# NumPy: version 1 little-endian float32 C order; version 2 big-endian float64; version 3 float16 Fortran order.
np.save("conv.npy", W)
with open("conv-v2-big-f8.npy", "wb") as f:
    np.lib.format.write_array(f, W.astype(">f8"), version=(2, 0))
with open("conv-v3-f2-fortran.npy", "wb") as f:
    np.lib.format.write_array(f, np.asfortranarray(W.astype("<f2")), version=(3, 0))
np.savez("weights.npz", **state())
np.savez_compressed("weights-deflated.npz", **state())

# safetensors in four dtypes (bfloat16 needs torch: NumPy has no bfloat16).
import torch
from safetensors.torch import save_file

tensors = {k: torch.from_numpy(v.copy()) for k, v in state().items()}
for dtype, suffix in ((torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16"), (torch.float64, "f64")):
    save_file({k: v.to(dtype) for k, v in tensors.items()}, f"weights-{suffix}.safetensors", metadata={"made_by": "make_weights.py"})

# PyTorch: a real module's state dict (with _metadata and num_batches_tracked), zip and legacy formats,
# nested in a checkpoint, and the whole pickled model.
model = torch.nn.Sequential(collections.OrderedDict([("conv", torch.nn.Conv2d(3, 4, 3)), ("bn", torch.nn.BatchNorm2d(4))]))
with torch.no_grad():
    model.conv.weight.copy_(torch.from_numpy(W))
    model.conv.bias.copy_(torch.from_numpy(B))
    model.bn.weight.copy_(torch.from_numpy(GAMMA))
    model.bn.bias.copy_(torch.from_numpy(BETA))
    model.bn.running_mean.copy_(torch.from_numpy(MEAN))
    model.bn.running_var.copy_(torch.from_numpy(VAR))
torch.save(model.state_dict(), "state-dict.pth")
torch.save(model.state_dict(), "state-dict-legacy.pth", _use_new_zipfile_serialization=False)
torch.save({"epoch": 7, "state_dict": model.state_dict(), "optimizer": {"lr": 0.1}}, "checkpoint.pth")
# A view that is not contiguous: the transposed weight, saved as a slice of its storage.
torch.save({"conv.weight.t": model.conv.weight.detach().permute(1, 0, 2, 3)}, "strided.pth")
torch.save(model, "whole-model.pth")


class RunsACommand:
    def __reduce__(self):
        return (os.system, ("touch /tmp/featuremaps-pickle-ran",))


# A zip-format file whose data.pkl calls os.system, and the same pickle as a legacy file.
with zipfile.ZipFile("evil.pth", "w") as z:
    z.writestr("evil/data.pkl", pickle.dumps({"conv.weight": RunsACommand()}, protocol=2))
    z.writestr("evil/version", "3\n")
with open("evil-legacy.pth", "wb") as f:
    f.write(pickle.dumps(RunsACommand(), protocol=2))

# ONNX: two Conv nodes. The first is followed by a BatchNormalization and a Relu (NCHW); the second, as a
# TensorFlow converter writes it, by a Transpose to NHWC, then Add, Sub, Mul, Add with (1, 1, 1, 4)
# constants, and a Clip to [0, 6]. Weights as raw_data, the first bias as float_data.
import onnx
from onnx import TensorProto, helper, numpy_helper

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])
Y1 = helper.make_tensor_value_info("y1", TensorProto.FLOAT, [1, 4, 16, 16])
Y2 = helper.make_tensor_value_info("y2", TensorProto.FLOAT, [1, 8, 14, 4])
bias_float_data = helper.make_tensor("conv1.bias", TensorProto.FLOAT, [4], B.tolist())
SUB = MEAN.reshape(1, 1, 1, 4)
MUL = (GAMMA / np.sqrt(VAR + 1e-3)).astype(np.float32).reshape(1, 1, 1, 4)
inits = [numpy_helper.from_array(W, "conv1.weight"), bias_float_data,
         numpy_helper.from_array(GAMMA, "bn.scale"), numpy_helper.from_array(BETA, "bn.B"),
         numpy_helper.from_array(MEAN, "bn.mean"), numpy_helper.from_array(VAR, "bn.var"),
         numpy_helper.from_array(W[::-1].copy(), "conv2.weight"), numpy_helper.from_array(B.reshape(1, 1, 1, 4), "add.bias"),
         numpy_helper.from_array(SUB, "sub.mean"), numpy_helper.from_array(MUL, "mul.scale"),
         numpy_helper.from_array(BETA.reshape(1, 1, 1, 4), "add.beta")]
nodes = [
    helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], name="first", pads=[1, 1, 1, 1], strides=[1, 1]),
    helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.B", "bn.mean", "bn.var"], ["n1"], name="bn", epsilon=1e-5),
    helper.make_node("Relu", ["n1"], ["y1"], name="relu"),
    helper.make_node("Conv", ["x", "conv2.weight"], ["c2"], name="second", pads=[0, 1, 2, 1], strides=[2, 1], dilations=[1, 2]),
    helper.make_node("Transpose", ["c2"], ["t2"], perm=[0, 2, 3, 1]),
    helper.make_node("Add", ["t2", "add.bias"], ["a2"]),
    helper.make_node("Sub", ["a2", "sub.mean"], ["s2"]),
    helper.make_node("Mul", ["s2", "mul.scale"], ["m2"]),
    helper.make_node("Add", ["m2", "add.beta"], ["b2"]),
    helper.make_node("Constant", [], ["six"], value=numpy_helper.from_array(np.array(6, np.float32))),
    helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(np.array(0, np.float32))),
    helper.make_node("Clip", ["b2", "zero", "six"], ["y2"]),
]
graph = helper.make_graph(nodes, "two-convs", [X], [Y1, Y2], inits)
model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model_proto)
onnx.save(model_proto, "convs.onnx")
# ONNX Runtime's outputs for one input: the independent reference for the folded Conv nodes.
import onnxruntime

x = (rng.integers(-64, 65, size=(1, 3, 16, 16)) / 64).astype(np.float32)
session = onnxruntime.InferenceSession("convs.onnx", providers=["CPUExecutionProvider"])
y1, y2 = session.run(["y1", "y2"], {"x": x})
np.save("onnx-input.npy", x[0])
np.save("onnx-y1.npy", y1[0])
np.save("onnx-y2.npy", y2[0].transpose(2, 0, 1).copy())  # NHWC -> (C, H, W)
external = helper.make_model(helper.make_graph([nodes[0]], "external", [X], [Y1], inits[:2]))
onnx.save(external, "external.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="external.onnx.data",
          size_threshold=0)

# Keras 3 (.weights.h5) and Keras 2 style (.h5) from a real Keras model: kernels HWIO.
os.environ.setdefault("KERAS_BACKEND", "torch")
import keras

k = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, padding="same", name="conv"),
                      keras.layers.BatchNormalization(name="bn", epsilon=1e-3)])
k.get_layer("conv").set_weights([HWIO, B])
k.get_layer("bn").set_weights([GAMMA, BETA, MEAN, VAR])
k.save_weights("keras3.weights.h5")
k.save("keras2.h5")

# Hostile files. A .npy whose header claims far more than the file holds; a safetensors header length of
# 2^60; a safetensors tensor whose offsets lie past the data; an .npz member that inflates past the size it
# declares (a zip bomb); a pickle whose string claims 4 GB.
with open("lying-shape.npy", "wb") as f:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + W.tobytes())
with open("header-2e60.safetensors", "wb") as f:
    f.write(struct.pack("<Q", 2**60) + b'{"a": {}}')
with open("offsets-past-end.safetensors", "wb") as f:
    head = json.dumps({"w": {"dtype": "F32", "shape": [4, 3, 3, 3], "data_offsets": [0, 432000]}}).encode()
    f.write(struct.pack("<Q", len(head)) + head + W.tobytes())
bomb = io.BytesIO()
with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("w.npy", b"\x93NUMPY\x01\x00" + b"\x00" * (10 << 20))
data = bytearray(bomb.getvalue())
# Declare 1000 bytes in both the local header (offset 22) and the central directory entry.
struct.pack_into("<I", data, 22, 1000)
central = data.rfind(b"PK\x01\x02")
struct.pack_into("<I", data, central + 24, 1000)
open("bomb.npz", "wb").write(bytes(data))
with open("huge-string.pth", "wb") as f:
    f.write(b"\x80\x02X" + struct.pack("<I", 0xFFFFFFF0) + b"abc")

# The same weights as banks, for the engine to compute the reference maps with.
def bank(name, weights, bias, description):
    filters = [{"name": f"f{i}", "bias": float(bias[i]), "weights": weights[i].tolist()} for i in range(4)]
    return {"format": "featuremaps-bank/1", "name": name, "description": description, "padding": 1, "filters": filters}


json.dump(bank("reference", W.astype(np.float64), B.astype(np.float64), "conv.weight and conv.bias as JSON"),
          open("reference.json", "w"), indent=1)
no_bias = bank("reference-nobias", W.astype(np.float64), np.zeros(4), "conv.weight alone as JSON")
for f in no_bias["filters"]:
    del f["bias"]
json.dump(no_bias, open("reference-nobias.json", "w"), indent=1)
# Every array as NumPy holds it, for the readers' tests.
json.dump({"conv.weight": W.tolist(), "conv.bias": B.tolist(), "bn.weight": GAMMA.tolist(), "bn.bias": BETA.tolist(),
           "bn.running_mean": MEAN.tolist(), "bn.running_var": VAR.tolist(),
           "conv.weight.t": W.transpose(1, 0, 2, 3).tolist(), "hwio": HWIO.tolist()}, open("expected.json", "w"))
# The batch norm folded in float64: w * g / sqrt(v + eps), (b - m) * g / sqrt(v + eps) + beta.
for eps, suffix in ((1e-5, ""), (1e-3, "-keras")):
    scale = GAMMA.astype(np.float64) / np.sqrt(VAR.astype(np.float64) + eps)
    folded_w = (W.astype(np.float64) * scale[:, None, None, None]).astype(np.float32).astype(np.float64)
    folded_b = ((B.astype(np.float64) - MEAN) * scale + BETA).astype(np.float32).astype(np.float64)
    json.dump(bank(f"reference-folded{suffix}", folded_w, folded_b, f"conv and bn folded in float64, eps {eps}"),
              open(f"reference-folded{suffix}.json", "w"), indent=1)
print("wrote", sorted(os.listdir(".")))
