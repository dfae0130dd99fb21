#!/usr/bin/python3
# export.py: exports the image encoder of a SAM folder (Hugging Face layout) to ONNX with
# torch.onnx, from Paintmask's own PyTorch forward (tests/fixtures/sam_reference.py), for
# the ONNX Runtime comparison. Benchmark tooling, not a test.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: export.py MODEL_DIR OUT.onnx
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'fixtures'))
import sam_reference as ref  # noqa: E402


class Encoder(torch.nn.Module):
    def __init__(self, model_dir):
        super().__init__()
        self.cfg = ref.read_config(model_dir)
        weights = ref.load_safetensors(os.path.join(model_dir, 'model.safetensors'))
        self.names = [k for k in weights if k.startswith('vision_encoder.')]
        for i, k in enumerate(self.names):
            self.register_buffer('w%d' % i, weights[k])

    def forward(self, pixel_values):
        w = {k: getattr(self, 'w%d' % i) for i, k in enumerate(self.names)}
        return ref.encode_image(w, self.cfg, pixel_values)[None]


def main():
    model_dir, out = sys.argv[1:3]
    torch.set_grad_enabled(False)
    enc = Encoder(model_dir).eval()
    x = torch.zeros(1, 3, 1024, 1024)
    torch.onnx.export(enc, (x,), out, input_names=['pixel_values'],
                      output_names=['image_embeddings'], opset_version=17,
                      do_constant_folding=True)


if __name__ == '__main__':
    main()
