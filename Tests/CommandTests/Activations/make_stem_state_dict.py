#!/usr/bin/env python3
"""Writes stem.pth: the weights of stem.onnx as the PyTorch state dict of the same network built as
nn.Sequential (0 Conv2d, 1 BatchNorm2d, 2 SiLU, 3 Conv2d depthwise, 4 BatchNorm2d, 5 Hardswish, 6 MaxPool2d,
7 Conv2d 1x1, 8 BatchNorm2d, 9 PReLU(8)), in torch.save's zip format (ImportTests: `import --layers` on it
gives the bank `import stem.onnx --until end` gives).

torch is not needed: the pickle is written with stand-ins named as torch's own classes (the format records
names only), and each tensor's bytes are a record of the zip, as torch.save writes them. Run by hand from
this folder with numpy and onnx (e.g. bench/.venv/bin/python); stem.pth is committed."""
import collections
import io
import os
import pickle
import sys
import types
import zipfile

import numpy as np
import onnx
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
graph = onnx.load(os.path.join(here, "stem.onnx")).graph
initial = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer}

state = collections.OrderedDict()
state["0.weight"] = initial["w1"]
for module, bn in (("1", "bn1"), ("4", "bn2"), ("8", "bn3")):
    for suffix, name in (("weight", "s"), ("bias", "b"), ("running_mean", "m"), ("running_var", "v")):
        state[f"{module}.{suffix}"] = initial[f"{bn}_{name}"]
    if module == "1":
        state["3.weight"] = initial["w2"]
    if module == "4":
        state["7.weight"] = initial["w3"]
state["9.weight"] = initial["slope3"].reshape(-1)

# Stand-ins for the names torch's pickles refer to.
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


def _rebuild_tensor_v2(*args):
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils


class Storage:
    def __init__(self, key, array):
        self.key, self.array = key, array


class Tensor:
    def __init__(self, storage):
        self.storage = storage

    def __reduce__(self):
        a = self.storage.array
        strides = tuple(s // 4 for s in np.ascontiguousarray(a).strides)
        return _rebuild_tensor_v2, (self.storage, 0, a.shape, strides, False, collections.OrderedDict())


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.array.size)
        return None


storages = [Storage(str(i), np.ascontiguousarray(v)) for i, v in enumerate(state.values())]
buffer = io.BytesIO()
Pickler(buffer, protocol=2).dump(collections.OrderedDict((k, Tensor(s)) for k, s in zip(state, storages)))
with zipfile.ZipFile(os.path.join(here, "stem.pth"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("stem/data.pkl", buffer.getvalue())
    z.writestr("stem/byteorder", "little")
    for s in storages:
        z.writestr(f"stem/data/{s.key}", s.array.astype("<f4").tobytes())
    z.writestr("stem/version", "3\n")
