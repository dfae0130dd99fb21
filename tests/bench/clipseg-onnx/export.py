#!/usr/bin/python3
# export.py: an independent PyTorch CLIPSeg forward (CLIPSegForImageSegmentation semantics)
# that reads a model folder's config.json + model.safetensors and exports it to ONNX, for
# timing against `paintmask bench` (benchmark only, not part of CI).
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: export.py MODEL_DIR OUT.onnx [--image IMG --ids 49406,...,49407 --ref OUT.npy]
# The exported graph takes pixel_values [1,3,S,S] float32 and input_ids [1,L] int64 (L free)
# and returns logits [1,S,S]. Like the C engine it runs the vision encoder only up to the
# deepest extracted layer and the text encoder on the real prompt length. With --image, it
# also writes the logits of that image (Pillow bilinear resize, normalised) for a cross-check.
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(n))
        data = np.memmap(path, dtype=np.uint8, mode='r', offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        dt = {'F32': np.float32, 'F16': np.float16, 'BF16': None}[info['dtype']]
        arr = np.frombuffer(data[begin:end].tobytes(), dtype=dt).reshape(info['shape'])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def layer_norm(x, w, b, eps):
    return F.layer_norm(x, (w.shape[0],), w, b, eps)


class Weights:
    def __init__(self, tensors):
        self.t = tensors

    def __call__(self, name):
        return self.t[name]


CAUSAL = torch.triu(torch.full((77, 77), float('-inf')), diagonal=1)


def attention(x, W, prefix, heads, causal):
    # x [T, D]; q is scaled by head_dim^-0.5 before the product, as CLIP does.
    D = W(prefix + 'q_proj.weight').shape[0]
    T = x.shape[0]
    hd = D // heads
    q = F.linear(x, W(prefix + 'q_proj.weight'), W(prefix + 'q_proj.bias')) * hd ** -0.5
    k = F.linear(x, W(prefix + 'k_proj.weight'), W(prefix + 'k_proj.bias'))
    v = F.linear(x, W(prefix + 'v_proj.weight'), W(prefix + 'v_proj.bias'))
    q = q.reshape(-1, heads, hd).transpose(0, 1)
    k = k.reshape(-1, heads, hd).transpose(0, 1)
    v = v.reshape(-1, heads, hd).transpose(0, 1)
    scores = q @ k.transpose(1, 2)
    if causal:
        scores = scores + CAUSAL[:T, :T]
    out = torch.softmax(scores, dim=-1) @ v
    out = out.transpose(0, 1).reshape(-1, D)
    return F.linear(out, W(prefix + 'out_proj.weight'), W(prefix + 'out_proj.bias'))


def clip_layer(x, W, prefix, heads, eps, causal):
    # pre-norm CLIP encoder layer
    h = layer_norm(x, W(prefix + 'layer_norm1.weight'), W(prefix + 'layer_norm1.bias'), eps)
    x = x + attention(h, W, prefix + 'self_attn.', heads, causal)
    h = layer_norm(x, W(prefix + 'layer_norm2.weight'), W(prefix + 'layer_norm2.bias'), eps)
    h = quick_gelu(F.linear(h, W(prefix + 'mlp.fc1.weight'), W(prefix + 'mlp.fc1.bias')))
    return x + F.linear(h, W(prefix + 'mlp.fc2.weight'), W(prefix + 'mlp.fc2.bias'))


def decoder_layer(x, W, prefix, heads, eps):
    # post-norm, ReLU MLP
    x = layer_norm(x + attention(x, W, prefix + 'self_attn.', heads, False),
                   W(prefix + 'layer_norm1.weight'), W(prefix + 'layer_norm1.bias'), eps)
    h = torch.relu(F.linear(x, W(prefix + 'mlp.fc1.weight'), W(prefix + 'mlp.fc1.bias')))
    h = F.linear(h, W(prefix + 'mlp.fc2.weight'), W(prefix + 'mlp.fc2.bias'))
    return layer_norm(x + h, W(prefix + 'layer_norm2.weight'), W(prefix + 'layer_norm2.bias'),
                      eps)


class ClipSeg(torch.nn.Module):
    def __init__(self, tensors, config, size):
        super().__init__()
        self.W = Weights(tensors)
        self.cfg = config
        self.size = size
        v = config['vision_config']
        self.patch = v.get('patch_size', 32)
        grid0 = v.get('image_size', 224) // self.patch
        grid = size // self.patch
        pos = tensors['clip.vision_model.embeddings.position_embedding.weight']
        cls, rest = pos[:1], pos[1:]
        D = rest.shape[1]
        rest = rest.reshape(1, grid0, grid0, D).permute(0, 3, 1, 2)
        rest = F.interpolate(rest, size=(grid, grid), mode='bicubic', align_corners=False)
        rest = rest.permute(0, 2, 3, 1).reshape(grid * grid, D)
        self.vpos = torch.cat([cls, rest], 0)

    def forward(self, pixel_values, input_ids):
        W, cfg = self.W, self.cfg
        v, t = cfg['vision_config'], cfg['text_config']
        eps_v = v.get('layer_norm_eps', 1e-5)
        eps_t = t.get('layer_norm_eps', 1e-5)
        extract = cfg.get('extract_layers', [3, 6, 9])

        # Vision: patches, class token, interpolated positions, pre-LN, layers ≤ max(extract)
        x = F.conv2d(pixel_values, W('clip.vision_model.embeddings.patch_embedding.weight'),
                     stride=self.patch)
        x = x.flatten(2).transpose(1, 2)[0]
        x = torch.cat([W('clip.vision_model.embeddings.class_embedding')[None, :], x], 0)
        x = x + self.vpos
        x = layer_norm(x, W('clip.vision_model.pre_layrnorm.weight'),
                       W('clip.vision_model.pre_layrnorm.bias'), eps_v)
        acts = []
        for i in range(max(extract) + 1):
            x = clip_layer(x, W, 'clip.vision_model.encoder.layers.%d.' % i,
                           v['num_attention_heads'], eps_v, False)
            if i in extract:
                acts.append(x)

        # Text: causal encoder, pooled at the first EOS (largest id), projection
        ids = input_ids[0]
        L = ids.shape[0]
        h = W('clip.text_model.embeddings.token_embedding.weight')[ids]
        h = h + W('clip.text_model.embeddings.position_embedding.weight')[:L]
        for i in range(t['num_hidden_layers']):
            h = clip_layer(h, W, 'clip.text_model.encoder.layers.%d.' % i,
                           t['num_attention_heads'], eps_t, True)
        h = layer_norm(h, W('clip.text_model.final_layer_norm.weight'),
                       W('clip.text_model.final_layer_norm.bias'), eps_t)
        pooled = h[torch.argmax(ids)]
        cond = F.linear(pooled, W('clip.text_projection.weight'))

        # Decoder: deepest activation first, FiLM at conditional_layer, post-norm layers
        out = None
        for i, act in enumerate(acts[::-1]):
            r = F.linear(act, W('decoder.reduces.%d.weight' % i), W('decoder.reduces.%d.bias' % i))
            out = r if out is None else out + r
            if i == cfg.get('conditional_layer', 0):
                out = (F.linear(cond, W('decoder.film_mul.weight'), W('decoder.film_mul.bias')) * out
                       + F.linear(cond, W('decoder.film_add.weight'), W('decoder.film_add.bias')))
            out = decoder_layer(out, W, 'decoder.layers.%d.' % i,
                                cfg.get('decoder_num_attention_heads', 4), eps_v)
        out = out[1:].transpose(0, 1)
        g = self.size // self.patch
        out = out.reshape(1, cfg.get('reduce_dim', 64), g, g)
        out = torch.relu(F.conv2d(out, W('decoder.transposed_convolution.0.weight'),
                                  W('decoder.transposed_convolution.0.bias'), padding=1))
        k = self.patch // 4
        out = torch.relu(F.conv_transpose2d(out, W('decoder.transposed_convolution.2.weight'),
                                            W('decoder.transposed_convolution.2.bias'), stride=k))
        out = F.conv_transpose2d(out, W('decoder.transposed_convolution.4.weight'),
                                 W('decoder.transposed_convolution.4.bias'), stride=k)
        return out[:, 0]


def preprocess(path, pre):
    from PIL import Image
    size = pre.get('size', {})
    S = size.get('height', 224) if isinstance(size, dict) else size
    img = Image.open(path).convert('RGB').resize((S, S), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) * pre.get('rescale_factor', 1 / 255)
    x = (x - np.array(pre['image_mean'], np.float32)) / np.array(pre['image_std'], np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1)[None].copy())


def main():
    args = sys.argv[1:]
    opts = {}
    for key in ('--image', '--ids', '--ref'):
        if key in args:
            i = args.index(key)
            opts[key] = args[i + 1]
            del args[i:i + 2]
    model_dir, out_path = args
    config = json.load(open(model_dir + '/config.json'))
    pre = json.load(open(model_dir + '/preprocessor_config.json'))
    size = pre.get('size', {}).get('height', 224)
    model = ClipSeg(read_safetensors(model_dir + '/model.safetensors'), config, size)
    model.eval()
    pixels = torch.zeros(1, 3, size, size)
    ids = torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407]], dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (pixels, ids), out_path, input_names=['pixel_values', 'input_ids'],
                          output_names=['logits'], dynamic_axes={'input_ids': {1: 'length'}},
                          opset_version=14, do_constant_folding=True)
        if '--image' in opts:
            ids = torch.tensor([[int(v) for v in opts['--ids'].split(',')]], dtype=torch.int64)
            logits = model(preprocess(opts['--image'], pre), ids)
            np.save(opts['--ref'], logits.numpy().astype(np.float32))
    print('wrote', out_path)


if __name__ == '__main__':
    main()
