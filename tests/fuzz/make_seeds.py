#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/<target>/ (valid files and near misses). Inputs
that crashed a target, or made it misbehave, are kept under names saying what they do. Run from anywhere; standard library
only."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def floats(n):
    return struct.pack("<%df" % n, *[0.5] * n)


# spec YAML
for name in ("demo.yaml", "infer.yaml", "sweep.yaml"):
    path = os.path.join(HERE, "..", "..", "examples", name)
    if os.path.exists(path):
        put("spec_yaml", name, open(path, "rb").read())
put("spec_yaml", "duplicate-key.yaml", "train: {epochs: 1, epochs: 5000}\n")
put("spec_yaml", "deep.yaml", "a: " + "[" * 200 + "]" * 200 + "\n")
put("spec_yaml", "not-utf8.yaml", b"name: \xff\xfe\n")
put("spec_yaml", "anchors.yaml", "x: &a [1, 2]\ny: *a\ntrain: {epochs: *a}\n")
put("spec_yaml", "types.yaml", "train: {epochs: 1e400, batch_size: -0x10, learning_rate: .nan}\n")

# run filter: FILTER \n ORDER_BY
put("run_filter", "simple", "state = succeeded AND final_val_accuracy > 0.8\nbest_val_accuracy desc")
put("run_filter", "params", "params.train.learning_rate >= 1e-3 OR tags.team = 'derm'\nrun_id")
put("run_filter", "bad", "((((accuracy > \n")
put("run_filter", "quotes", "name = 'it''s' AND dataset_fingerprint != \"x\"\nname asc, run_id desc")

# safetensors and model files
put("safetensors", "small", safetensors({"a": ("F32", [2, 3], floats(6)), "b": ("I64", [2], struct.pack("<2q", 7, -8))}))
put("safetensors", "metadata", safetensors({"w": ("F16", [1], b"\x00\x3c")}, {"format": "pt"}))
put("safetensors", "offsets-out-of-range", safetensors({"a": ("F32", [4], floats(2))}))
put("safetensors", "short", b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
put("safetensors", "huge-header-length", b"\xff" * 8 + b"{}")
model_meta = {"format": "derm.model.v1", "backbone": "resnet50", "class_names": json.dumps(["benign", "malignant"]),
              "image_size": "224,224", "preprocessing": "rgb/255, imagenet mean/std", "weights": "",
              "weights_sha256": "", "backbone_seed": "123", "source_run_id": "1"}
model = safetensors({"head.weight": ("F32", [2, 2048], floats(4096)), "head.bias": ("F32", [2], floats(2))}, model_meta)
put("model_file", "two-classes.dermmodel", model)
put("model_file", "wrong-shape.dermmodel",
    safetensors({"head.weight": ("F32", [2, 3], floats(6)), "head.bias": ("F32", [2], floats(2))}, model_meta))
put("model_file", "no-metadata.dermmodel", safetensors({"head.bias": ("F32", [2], floats(2))}))


# decode cache: "DERMCACHE3", pixels, metadata, metadata length (8 bytes, little-endian)
def u64(v):
    return struct.pack("<Q", v)


def s(text):
    return u64(len(text)) + text


def cache(splits, classes=(b"a", b"b"), skipped=()):
    pixels, meta = b"", s(b"fp") + u64(len(classes)) + b"".join(s(c) for c in classes)
    meta += u64(len(skipped)) + b"".join(s(p) + s(r) for p, r in skipped)
    for h, w, labels in splits:
        pixels += b"\x80" * (h * w * 3 * len(labels))
        meta += u64(h) + u64(w) + u64(len(labels)) + struct.pack("<%di" % len(labels), *labels)
        meta += b"".join(s(b"/d/%d.jpg" % i) for i in range(len(labels)))
    for h, w, labels in splits:  # each image's SHA-256 and perceptual hashes
        meta += u64(len(labels)) + b"".join(s(b"0" * 64) + u64(3) * 4 + b"\x80" * 1024 for _ in labels)
    return b"DERMCACHE3" + pixels + meta + u64(len(meta))


put("decode_cache", "valid.dermcache", cache([(2, 2, [0, 1]), (2, 2, [1]), (2, 2, [])], skipped=[(b"x.txt", b"not an image")]))
put("decode_cache", "foreign", b"SQLite format 3\x00" + b"\x00" * 100)
# Tiny files claiming 100,000,000 images or 10,000,000 skipped files: the reader reserved 400 and
# 640 MB for them before finding the bytes missing.
claim = s(b"fp") + u64(1) + s(b"a") + u64(0) + u64(2) + u64(2) + u64(100000000)
put("decode_cache", "claims-1e8-images", b"DERMCACHE3" + claim + u64(len(claim)))
claim = s(b"fp") + u64(1) + s(b"a") + u64(10000000)
put("decode_cache", "claims-1e7-skipped", b"DERMCACHE3" + claim + u64(len(claim)))
