#!/usr/bin/env python3
"""The reference (../shared/bench/pytorch_reference.py) with its ResNet50 compiled by
torch.compile, as an expert on PyTorch 2.x would run it. Same arguments and JSON line; the
compilation happens in the warm-up steps, which are not timed.

  .venv/bin/python bench/reference_compiled.py --device cpu --size 224 --batch 32 --steps 3 --warmup 1 --threads 2

DERM_REFERENCE=PATH names another copy of the reference.
"""
import os
import runpy
import sys

import torch
import torchvision

REFERENCE = os.environ.get(
    "DERM_REFERENCE",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "pytorch_reference.py"))
eager_resnet50 = torchvision.models.resnet50


def compiled_resnet50(*args, **kwargs):
    model = eager_resnet50(*args, **kwargs)
    # Compiled at its first call, after the reference has frozen it and set its layout.
    model.forward = torch.compile(model.forward)
    return model


torchvision.models.resnet50 = compiled_resnet50
sys.argv[0] = REFERENCE
runpy.run_path(REFERENCE, run_name="__main__")
