#!/usr/bin/env python3
"""20 random banks and what PyTorch says about them, for SummaryTests (run from this folder with torch):
    python3 make_summary_expectations.py
Each bank is also built as a torch.nn module (asymmetric padding as a ZeroPad2d before the conv, 'same' only
with stride 1 as PyTorch allows). PyTorch gives each layer's parameter count (sum of numel() of its
parameters) and output shape (a forward pass). The receptive field is measured, not computed: with every
weight 1 and pooling as averages, the input pixels whose gradient for one output pixel is not zero form a
box whose sides are the receptive field; the next pixel's box starts one jump later."""
import json
import random

import torch

random.seed(2026)
torch.set_grad_enabled(True)
cases = []
case = 0
while case < 20:
    width, height = random.randint(24, 48), random.randint(24, 48)
    channels = random.choice([1, 3])
    names = ["Y"] if channels == 1 else ["R", "G", "B"]
    layers, modules, measure = [], [], []
    for number in range(random.randint(1, 4)):
        if number > 0 and random.random() < 0.3:
            size = random.randint(2, 3)
            stride = random.randint(1, size)
            pad = random.randint(0, size // 2)
            kind = random.choice(["maxpool", "avgpool"])
            layers.append({"type": kind, "size": size, "stride": stride, "padding": pad})
            module = (torch.nn.MaxPool2d if kind == "maxpool" else torch.nn.AvgPool2d)(size, stride, pad)
            modules.append(module)
            measure.append(torch.nn.AvgPool2d(size, stride, pad))
            continue
        groups = random.choice([1, 1, channels])
        filters = groups * random.randint(1, 4)
        kh, kw = random.randint(1, 5), random.randint(1, 5)
        stride = (random.randint(1, 2), random.randint(1, 3))
        dilation = (random.randint(1, 2), random.randint(1, 2))
        bias = random.random() < 0.5
        style = random.choice(["int", "pair", "four", "same"])
        if style == "same":
            stride = (1, 1)
        padding = {"int": random.randint(0, 2), "pair": [random.randint(0, 2), random.randint(0, 2)],
                   "four": [random.randint(0, 2) for _ in range(4)], "same": "same"}[style]
        per = channels // groups
        filter_json = [{"name": f"c{number}f{f}", **({"bias": 0} if bias else {}),
                        "weights": [[[0] * kw for _ in range(kh)] for _ in range(per)]} for f in range(filters)]
        layers.append({"type": "conv", "stride": list(stride), "dilation": list(dilation), "groups": groups,
                       "padding": padding, "filters": filter_json})
        pieces = []
        if style == "four":
            pieces.append(torch.nn.ZeroPad2d((padding[1], padding[3], padding[0], padding[2])))
            torch_padding = 0
        elif style == "pair":
            torch_padding = tuple(padding)
        else:
            torch_padding = padding
        conv = torch.nn.Conv2d(channels, filters, (kh, kw), stride, torch_padding, dilation, groups, bias)
        with torch.no_grad():
            conv.weight.fill_(1)
        pieces.append(conv)
        module = torch.nn.Sequential(*pieces)
        modules.append(module)
        measure.append(module)
        channels = filters
    x = torch.zeros(1, len(names), height, width)
    expected = []
    try:
        for layer, module in zip(layers, modules):
            x = module(x)
            expected.append({"type": layer["type"], "parameters": sum(p.numel() for p in module.parameters()),
                             "output": list(x.shape[1:])})
    except RuntimeError:
        continue  # the picture shrank below a kernel: draw another bank
    bank = {"format": "featuremaps-bank/1", "name": f"random-{case}", "input": {"channels": names}, "layers": layers}
    json.dump(bank, open(f"summary-bank-{case}.json", "w"))
    # Receptive field of the output pixel nearest the middle, and the jump to its right and lower neighbours.
    def box(y, x0):
        inp = torch.ones(1, len(names), height * 4, width * 4, requires_grad=True)
        out = torch.nn.Sequential(*measure)(inp)
        out[0, 0, y, x0].backward()
        nonzero = inp.grad[0].abs().sum(0).nonzero()
        return nonzero.min(0).values.tolist(), nonzero.max(0).values.tolist()
    probe = torch.nn.Sequential(*measure)(torch.zeros(1, len(names), height * 4, width * 4))
    cy, cx = probe.shape[2] // 2, probe.shape[3] // 2
    (top, left), (bottom, right) = box(cy, cx)
    (top2, left2), _ = box(cy + 1, cx + 1)
    cases.append({"bank": f"summary-bank-{case}.json", "input": [width, height], "layers": expected,
                  "total_parameters": sum(e["parameters"] for e in expected),
                  "receptive_field": [bottom - top + 1, right - left + 1], "jump": [top2 - top, left2 - left]})
    case += 1
json.dump(cases, open("summary-expected.json", "w"), indent=1)
print("wrote", len(cases), "banks")
