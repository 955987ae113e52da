#!/usr/bin/env python3
"""Makes the activation test models and ONNX Runtime's outputs for them (ActivationImportTests).

Each model is one Conv (4 filters 3x3 over R, G, B, padding 1, seeded weights) followed by an activation
as exporters write it; ONNX Runtime runs it on Tests/CommandTests/Pictures/small.png scaled to 0..1 and its
output is saved beside the model as NAME.npy (4, H, W), float32. Also two models the import must refuse
(PRelu slopes of the wrong length, a Clip whose min is above its max) and one whose chain stops at a
node a bank cannot express (Softmax).

Run once by hand with numpy, pillow, onnx and onnxruntime (e.g. bench/.venv/bin/python); the outputs
are committed, so the tests need none of them."""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
picture = os.path.join(here, "..", "Pictures", "small.png")
rng = np.random.default_rng(26)
weights = rng.normal(0, 0.6, size=(4, 3, 3, 3)).astype(np.float32)
bias = np.array([-0.3, 0.1, 0.4, -0.8], dtype=np.float32)


def model(name, nodes, initializers=(), opset=20):
    conv = helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3])
    graph = helper.make_graph(
        [conv] + nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, None, None])],
        [helper.make_tensor("w", TensorProto.FLOAT, weights.shape, weights.ravel()),
         helper.make_tensor("b", TensorProto.FLOAT, bias.shape, bias)] + list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=9)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(here, f"{name}.onnx"))
    return m


def run(name, m):
    x = (np.asarray(Image.open(picture).convert("RGB"), dtype=np.float32) / 255).transpose(2, 0, 1)[None].copy()
    y = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0][0]
    np.save(os.path.join(here, f"{name}.npy"), y.astype(np.float32))


def const(name, values, shape):
    return helper.make_tensor(name, TensorProto.FLOAT, shape, np.asarray(values, dtype=np.float32).ravel())


node = helper.make_node
cases = {
    "silu": [node("Sigmoid", ["c"], ["s"]), node("Mul", ["c", "s"], ["y"])],
    "hard_swish": [node("HardSwish", ["c"], ["y"])],
    "hard_swish_gated": [node("HardSigmoid", ["c"], ["s"], alpha=1 / 6, beta=0.5), node("Mul", ["s", "c"], ["y"])],
    "hard_sigmoid": [node("HardSigmoid", ["c"], ["y"], alpha=0.2, beta=0.5)],
    "gelu": [node("Gelu", ["c"], ["y"])],
    "gelu_tanh": [node("Gelu", ["c"], ["y"], approximate="tanh")],
    "elu": [node("Elu", ["c"], ["y"], alpha=0.7)],
    "mish": [node("Mish", ["c"], ["y"])],
    "clip": [node("Clip", ["c", "lo", "hi"], ["y"])],
    "prelu": [node("PRelu", ["c", "slope"], ["y"])],
    "leaky_relu": [node("LeakyRelu", ["c"], ["y"], alpha=0.2)],
    "sigmoid": [node("Sigmoid", ["c"], ["y"])],
    "tanh": [node("Tanh", ["c"], ["y"])],
}
extra = {
    "clip": [const("lo", [-0.5], []), const("hi", [1.5], [])],
    "prelu": [const("slope", [0.1, 0.25, -0.5, 2.0], [4, 1, 1])],
}
for name, nodes in cases.items():
    run(name, model(name, nodes, extra.get(name, ())))

# Refused: three slopes for four filters; a Clip from 2 down to 1.
model("bad_prelu", [node("PRelu", ["c", "slope"], ["y"])], [const("slope", [0.1, 0.2, 0.3], [3, 1, 1])])
model("bad_clip", [node("Clip", ["c", "lo", "hi"], ["y"])], [const("lo", [2], []), const("hi", [1], [])])
# The bank stops before a Softmax over the channels.
model("stops", [node("Softmax", ["c"], ["y"], axis=1)])

# auto_pad SAME_LOWER with a 4x4 kernel: at stride 1 the odd pixel of padding goes above and left
# (imported as explicit padding); at stride 2 it depends on the picture's size (refused).
wide = rng.normal(0, 0.4, size=(4, 3, 4, 4)).astype(np.float32)
for name, strides in (("same_lower", [1, 1]), ("same_lower_strided", [2, 2])):
    conv = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", auto_pad="SAME_LOWER", kernel_shape=[4, 4], strides=strides)
    graph = helper.make_graph([conv], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, None, None])],
                              [helper.make_tensor("w", TensorProto.FLOAT, wide.shape, wide.ravel()),
                               helper.make_tensor("b", TensorProto.FLOAT, bias.shape, bias)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.save(m, os.path.join(here, f"{name}.onnx"))
    if strides == [1, 1]:
        run(name, m)

# A Keras-style HWIO kernel saved as .npy (3x3 over R, G, B, 4 filters), and a grouped weight that needs
# 16 input channels: both told from their shapes.
np.save(os.path.join(here, "hwio.npy"), rng.normal(0, 0.3, size=(3, 3, 3, 4)).astype(np.float32))
np.save(os.path.join(here, "grouped16.npy"), rng.normal(0, 0.3, size=(16, 4, 3, 3)).astype(np.float32))

# A network's stem: Conv-BN-SiLU, depthwise Conv-BN-HardSwish, MaxPool, 1x1 Conv-BN-PRelu, then a residual
# Add of the last two paths. ONNX Runtime's output of each layer is saved as stem-layerN.npy.
def bn(name, channels):
    return [const(f"{name}_s", rng.uniform(0.5, 1.5, channels), [channels]), const(f"{name}_b", rng.normal(0, 0.2, channels), [channels]),
            const(f"{name}_m", rng.normal(0, 0.2, channels), [channels]), const(f"{name}_v", rng.uniform(0.5, 2, channels), [channels])]


w1 = rng.normal(0, 0.5, size=(8, 3, 3, 3)).astype(np.float32)
w2 = rng.normal(0, 0.5, size=(8, 1, 3, 3)).astype(np.float32)
w3 = rng.normal(0, 0.4, size=(8, 8, 1, 1)).astype(np.float32)
stem_nodes = [
    node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
    node("BatchNormalization", ["c1", "bn1_s", "bn1_b", "bn1_m", "bn1_v"], ["n1"], name="bn1"),
    node("Sigmoid", ["n1"], ["g1"], name="sig1"), node("Mul", ["n1", "g1"], ["a1"], name="silu1"),
    node("Conv", ["a1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1], group=8),
    node("BatchNormalization", ["c2", "bn2_s", "bn2_b", "bn2_m", "bn2_v"], ["n2"], name="bn2"),
    node("HardSwish", ["n2"], ["a2"], name="hswish2"),
    node("MaxPool", ["a2"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    node("Conv", ["p", "w3"], ["c3"], name="conv3"),
    node("BatchNormalization", ["c3", "bn3_s", "bn3_b", "bn3_m", "bn3_v"], ["n3"], name="bn3"),
    node("PRelu", ["n3", "slope3"], ["a3"], name="prelu3"),
    node("Add", ["a3", "p"], ["y"], name="residual"),
]
stem_inits = ([helper.make_tensor("w1", TensorProto.FLOAT, w1.shape, w1.ravel()), helper.make_tensor("w2", TensorProto.FLOAT, w2.shape, w2.ravel()),
               helper.make_tensor("w3", TensorProto.FLOAT, w3.shape, w3.ravel()), const("slope3", rng.uniform(-0.3, 0.6, 8), [8, 1, 1])]
              + bn("bn1", 8) + bn("bn2", 8) + bn("bn3", 8))
outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 8, None, None]) for name in ("y", "a1", "a2", "p", "a3")]
stem_graph = helper.make_graph(stem_nodes, "stem", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])], outputs, stem_inits)
stem_model = helper.make_model(stem_graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)
onnx.checker.check_model(stem_model)
onnx.save(stem_model, os.path.join(here, "stem.onnx"))
x = (np.asarray(Image.open(picture).convert("RGB"), dtype=np.float32) / 255).transpose(2, 0, 1)[None].copy()
results = ort.InferenceSession(stem_model.SerializeToString(), providers=["CPUExecutionProvider"]).run(["a1", "a2", "p", "a3"], {"x": x})
for i, value in enumerate(results, start=1):
    np.save(os.path.join(here, f"stem-layer{i}.npy"), value[0].astype(np.float32))
