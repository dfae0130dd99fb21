#!/usr/bin/python3
"""Writes the fuzz harnesses' seed corpora (tests/fuzz/corpus/NAME/) and the small CLIP
tokenizer (tests/fuzz/data/tokenizer/). Run from anywhere; needs numpy and PIL. The
configs and the tokenizer are cut from the shared fixtures (../shared/data).

SPDX-License-Identifier: GPL-3.0-or-later
"""
import base64, io, json, os, shutil, struct, sys
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("PM_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))
SEP = b"\n====\n"


def out(name, fname, data):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def png(w, h, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    b = io.BytesIO()
    Image.fromarray(a).save(b, "PNG")
    return b.getvalue()


def photo_png():
    # The remote harness's photo (16×12, fuzz-remote.c) with its left half repainted.
    a = np.zeros((12, 16, 3), dtype=np.uint8)
    for y in range(12):
        for x in range(16):
            a[y, x] = (x * 16, y * 20, (x + y) * 8)
    a[3:9, 2:7] = (40, 60, 220)
    b = io.BytesIO()
    Image.fromarray(a).save(b, "PNG")
    return b.getvalue()


# ---------------------------------------------------------------- safetensors
def safetensors(tensors, meta=None, raw_header=None):
    header, data = {}, b""
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


f32 = np.arange(6, dtype="<f4").reshape(2, 3)
out("safetensors", "valid", safetensors({
    "a.weight": ("F32", [2, 3], f32.tobytes()),
    "a.bias": ("F16", [3], np.array([1, -2, 0.5], "<f2").tobytes()),
    "b": ("BF16", [2], struct.pack("<HH", 0x3f80, 0xc000)),
    "ids": ("I64", [2], np.array([1, 2], "<i8").tobytes()),
    "flag": ("BOOL", [1], b"\x01"),
    "scalar": ("F32", [], struct.pack("<f", 3.0)),
    "empty": ("F32", [0, 4], b""),
}, meta={"format": "pt"}))
out("safetensors", "nan", safetensors({"w": ("F32", [2], struct.pack("<ff", float("nan"), 1))}))
out("safetensors", "overlap", safetensors({}, raw_header=json.dumps(
    {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
     "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()) + b"\0" * 12)
out("safetensors", "mismatch", safetensors({}, raw_header=json.dumps(
    {"a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 8]}}).encode()) + b"\0" * 8)
out("safetensors", "f8", safetensors({"a": ("F8_E4M3", [4], b"\x38\x40\xb8\x7f"),
                                      "b": ("F8_E5M2", [2], b"\x3c\xfc")}))

# ---------------------------------------------------------------- configs
def read(*p):
    with open(os.path.join(SHARED, "data", *p), "rb") as f:
        return f.read()


out("config", "clipseg-full", b"\0" + read("clipseg-fixture", "full-config", "config.json") + SEP
    + read("clipseg-fixture", "full-config", "preprocessor_config.json"))
out("config", "clipseg-tiny", b"\0" + read("clipseg-fixture", "tiny-f32", "config.json") + SEP
    + read("clipseg-fixture", "tiny-f32", "preprocessor_config.json"))
out("config", "clipseg-noprep", b"\0" + read("clipseg-fixture", "tiny-f32", "config.json"))
out("config", "sam-tiny", b"\1" + read("sam-fixture", "tiny-f32", "config.json") + SEP
    + read("sam-fixture", "tiny-f32", "preprocessor_config.json"))
out("config", "sam-noprep", b"\1" + read("sam-fixture", "tiny-f32", "config.json"))
out("config", "sam-hf", b"\1" + json.dumps({
    "architectures": ["SamModel"], "model_type": "sam",
    "vision_config": {"hidden_size": 768, "num_hidden_layers": 12, "global_attn_indexes": [2, 5, 8, 11],
                      "window_size": 14, "mlp_dim": 3072},
    "prompt_encoder_config": {"hidden_size": 256},
    "mask_decoder_config": {"hidden_size": 256, "num_multimask_outputs": 3}}).encode()
    + SEP + json.dumps({"longest_edge": 1024, "size": {"longest_edge": 1024},
                        "pad_size": {"height": 1024, "width": 1024},
                        "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}).encode())

# ---------------------------------------------------------------- tokenizer
vocab = json.loads(read("clip-tokenizer", "vocab.json"))
merges = read("clip-tokenizer", "merges.txt").decode().split("\n")
N_MERGES = 2000
small = {k: v for k, v in vocab.items() if v < 512 + N_MERGES}
small["<|startoftext|>"] = 512 + N_MERGES
small["<|endoftext|>"] = 512 + N_MERGES + 1
tokdir = os.path.join(HERE, "data", "tokenizer")
os.makedirs(tokdir, exist_ok=True)
with open(os.path.join(tokdir, "vocab.json"), "w", encoding="utf-8") as f:
    json.dump(small, f, ensure_ascii=False)
with open(os.path.join(tokdir, "merges.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(merges[:N_MERGES + 1]) + "\n")
for i, text in enumerate(["a photo of a cat", "the girl with the red mask",
                          "Ünïcödé — 日本語 🍌 tab\there", "it's  don't   <|endoftext|>",
                          "x" * 300, ""]):
    out("tokenizer", "text-%d" % i, text)
byte_vocab = {k: v for k, v in vocab.items() if v < 256}
byte_vocab["<|startoftext|>"] = 256
byte_vocab["<|endoftext|>"] = 257
byte_vocab["ab</w>"] = 258
out("tokenizer", "files-0", json.dumps(byte_vocab).encode() + SEP
    + b"#version: 0.2\na b</w>\n" + SEP + b"ab ab abc")
out("tokenizer", "files-1", b'{"a": 0, "\\u00e9": 1}' + SEP + b"a b\n" + SEP + b"a")

# ---------------------------------------------------------------- instructions
for i, text in enumerate([
        "paint the banana in the upper-right purple", "segment the girl with the red mask",
        "make the car blue", "paint the second cup from the left #00ff80",
        "paint the biggest dog green and the smallest cat yellow",
        "segment the cup, the saucer and the spoon", "colour the red car on the right teal",
        "highlight the top-left window", "turn the lower apple orange, the upper one red",
        "paint the third bottle from the right in light sea green", "", "😀 the 🍌 🟣"]):
    out("instruction", "i%02d" % i, text)


# ---------------------------------------------------------------- RLE
def rle_counts(mask):
    flat = mask.flatten(order="F")
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            cur, run = v, 0
        run += 1
    counts.append(run)
    s = bytearray()
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            s.append(c + 48)
    return bytes(s)


rng = np.random.default_rng(1)
for i, (w, h) in enumerate([(8, 6), (32, 24), (1, 1), (256, 3)]):
    m = (rng.random((h, w)) > 0.6).astype(np.uint8)
    if i == 1:
        m[:] = 0
        m[4:20, 5:25] = 1
    out("rle", "r%d" % i, bytes([w - 1, h - 1]) + rle_counts(m))

# ---------------------------------------------------------------- npy
def npy(a, **kw):
    b = io.BytesIO()
    np.save(b, a, **kw)
    return b.getvalue()


out("npy", "f32-3d", npy(np.arange(24, dtype="<f4").reshape(2, 3, 4)))
out("npy", "f32-scalar", npy(np.array(1.5, dtype="<f4")))
out("npy", "f32-empty", npy(np.zeros((0, 3), dtype="<f4")))
out("npy", "f32-fortran", npy(np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3))))
out("npy", "f64", npy(np.arange(4, dtype="<f8")))
out("npy", "f32-be", npy(np.arange(4, dtype=">f4")))

# ---------------------------------------------------------------- images
def save(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


rgb = Image.fromarray(np.random.default_rng(2).integers(0, 255, (6, 8, 3), dtype=np.uint8))
out("image", "png", save(rgb, "PNG"))
out("image", "png-rgba", save(rgb.convert("RGBA"), "PNG"))
out("image", "png-grey16", save(rgb.convert("L").convert("I"), "PNG"))
out("image", "png-palette", save(rgb.convert("P"), "PNG"))
out("image", "jpeg", save(rgb, "JPEG", quality=80))
exif = Image.Exif()
exif[0x0112] = 6
out("image", "jpeg-exif-rot", save(rgb, "JPEG", exif=exif.tobytes()))
out("image", "gif", save(rgb.convert("P"), "GIF"))
out("image", "bmp", save(rgb, "BMP"))
out("image", "tiff", save(rgb, "TIFF"))
out("image", "webp", save(rgb, "WEBP"))
out("image", "tall", save(Image.new("RGB", (1, 4000)), "PNG"))
big = bytearray(save(Image.new("RGB", (1, 1)), "PNG"))
big[16:24] = struct.pack(">II", 100000, 100000)   # declares 10 gigapixels (bad CRC too)
out("image", "huge-declared", bytes(big))

# ---------------------------------------------------------------- COCO
def coco(images, annotations, categories=None):
    return json.dumps({"images": images, "annotations": annotations,
                       "categories": categories or [{"id": 1, "name": "cup"},
                                                    {"id": 2, "name": "saucer"}]})


m = np.zeros((6, 8), dtype=np.uint8)
m[1:4, 2:6] = 1
out("coco", "rle", coco([{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
                        [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                          "segmentation": {"size": [6, 8], "counts": rle_counts(m).decode()}}]))
out("coco", "polygon", coco([{"id": 1, "file_name": "a.png", "width": 8, "height": 6},
                             {"id": 2, "file_name": "b.png", "width": 4, "height": 4}],
                            [{"id": 1, "image_id": 1, "category_id": 2,
                              "segmentation": [[1, 1, 6, 1, 6, 5, 1, 5]]},
                             {"id": 2, "image_id": 2, "category_id": 1,
                              "segmentation": {"size": [4, 4], "counts": [3, 5, 8]}}]))
out("coco", "paths", coco([{"id": 1, "file_name": "../a.png", "width": 8, "height": 6},
                           {"id": 2, "file_name": "/etc/passwd", "width": 4, "height": 4},
                           {"id": 3, "file_name": "missing.png", "width": 4, "height": 4},
                           {"id": 3, "file_name": "b.png", "width": 4, "height": 4}], []))
out("coco", "wrong-size", coco([{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
                               [{"id": 1, "image_id": 1, "category_id": 1,
                                 "segmentation": {"size": [4, 4], "counts": "0"}}]))

# ---------------------------------------------------------------- remote replies
photo = photo_png()
b64 = base64.b64encode(photo).decode()
R = lambda *parts: bytes([parts[0]]) + SEP.join(p if isinstance(p, bytes) else p.encode() for p in parts[1:])
out("remote", "openai-b64", R(0, json.dumps({"created": 1, "data": [{"b64_json": b64}]})))
out("remote", "openai-url", R(0, json.dumps({"data": [{"url": "/files/x.png"}]}), photo))
out("remote", "compatible-data-url", R(1, json.dumps({"data": [{"url": "data:image/png;base64," + b64}]})))
out("remote", "compatible-error", R(1, 'HTTP 422\n{"detail":[{"loc":["body","size"],"msg":"bad size","type":"value_error"}]}'))
out("remote", "sdcpp-b64", R(2, json.dumps({"data": [{"b64_json": b64}]})))
out("remote", "sdcpp-retry", R(2, "HTTP 503\n{\"error\":{\"message\":\"busy\"}}", json.dumps({"data": [{"b64_json": b64}]})))
out("remote", "comfyui", R(3, '{"name":"p.png","subfolder":"","type":"input"}',
                           '{"prompt_id":"abc","number":1,"node_errors":{}}', "{}",
                           json.dumps({"abc": {"outputs": {"13": {"images": [{"filename": "o.png", "subfolder": "", "type": "output"}]}},
                                       "status": {"status_str": "success", "completed": True, "messages": []}}}),
                           photo))
out("remote", "comfyui-error", R(3, '{"name":"p.png"}', '{"prompt_id":"abc"}',
                                 json.dumps({"abc": {"outputs": {}, "status": {"status_str": "error", "completed": False,
                                             "messages": [["execution_error", {"node_type": "KSampler", "exception_message": "OOM"}]]}}})))
out("remote", "gemini", R(4, json.dumps({"candidates": [{"content": {"parts": [
    {"text": "Here."}, {"inlineData": {"mimeType": "image/png", "data": b64}}]}}]})))
out("remote", "gemini-blocked", R(4, '{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}'))
out("remote", "gemini-key-echo", R(4, 'HTTP 400\n{"error":{"code":400,"message":"API key not valid (sk-fuzz-0123456789abcdefSECRET)","status":"INVALID_ARGUMENT"}}'))
base = "https://queue.fal.run/fal-ai/qwen-image-edit/requests/r1"
out("remote", "fal", R(5, json.dumps({"request_id": "r1", "response_url": base, "status_url": base + "/status",
                                      "cancel_url": base + "/cancel"}),
                       'HTTP 202\n{"status":"IN_QUEUE","queue_position":1}', '{"status":"COMPLETED"}',
                       json.dumps({"images": [{"url": "https://v3.fal.media/files/x.png", "width": 16, "height": 12}]}),
                       photo))
out("remote", "fal-evil", R(5, json.dumps({"request_id": "r1", "response_url": base, "status_url": base + "/status"}),
                            '{"status":"COMPLETED"}', json.dumps({"images": [{"url": "http://198.51.100.7/x.png"}]})))
out("remote", "redirect", R(0, "HTTP 302\n"))
