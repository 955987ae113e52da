"""Writes bn-short.onnx and kernel-shape.onnx (below). bn-short.onnx: a Conv with 4 filters (1 input channel, 3x3) followed by a BatchNormalization
whose scale, bias, mean and variance hold 2 values each. Importing its Conv must be refused in one line
(it once crashed with "Index out of range"). Run from this folder with onnx installed."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

weight = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), "w")
params = [numpy_helper.from_array(np.ones(2, np.float32) * v, n) for n, v in
          [("s", 1.0), ("b", 0.0), ("m", 0.0), ("v", 1.0)]]
nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
         helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"], name="bn")]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])], [weight] + params)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
model.ir_version = 8
onnx.save(model, "bn-short.onnx")

# kernel-shape.onnx: a Conv whose kernel_shape attribute (5x5) disagrees with its 3x3 weight: refused in one line.
weight = numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[5, 5])]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 6, 6])], [weight])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
model.ir_version = 8
onnx.save(model, "kernel-shape.onnx")

# cycle.onnx: a graph with a cycle (not a valid ONNX graph: the checker is not run). conv1 reads the input
# and writes a; relu reads a and writes b; conv2 reads b and writes a again, so a's readers lead back to
# relu. `import --until end` must stop in one line, never loop.
w1 = numpy_helper.from_array(np.ones((3, 3, 3, 3), np.float32) / 27, "w1")
w2 = numpy_helper.from_array(np.ones((3, 3, 3, 3), np.float32) / 27, "w2")
nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], name="conv1", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["a"], ["b"], name="relu"),
         helper.make_node("Conv", ["b", "w2"], ["a"], name="conv2", pads=[1, 1, 1, 1])]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3, 8, 8])], [w1, w2])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
model.ir_version = 8
onnx.save(model, "cycle.onnx")

# cycle-loop.onnx: a cycle where each tensor has one writer: add reads e, which relu writes from add's own
# output. Refused in one line.
k = numpy_helper.from_array(np.ones((1, 3, 1, 1), np.float32), "k")
nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], name="conv1", pads=[1, 1, 1, 1]),
         helper.make_node("Add", ["a", "e"], ["b"], name="add"),
         helper.make_node("Relu", ["b"], ["e"], name="relu")]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("e", TensorProto.FLOAT, [1, 3, 8, 8])], [w1, k])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
model.ir_version = 8
onnx.save(model, "cycle-loop.onnx")

# relu-two-inputs.onnx: a Relu node with two inputs (the operator takes one): refused in one line when the
# Conv before it is imported, never read as a ReLU of its first input.
nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c", "k"], ["y"], name="relu")]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])], [w1, k])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="")
model.ir_version = 8
onnx.save(model, "relu-two-inputs.onnx")
