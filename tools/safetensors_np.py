"""Reads a safetensors file into float32 numpy arrays (F32, F16, BF16), for the PyTorch
references of the tests (tests/model/hf_reference.py) and the benchmark (bench/hf_torch_ref.py).
Debian has no `safetensors` package; the format is an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets}}, then the raw little-endian bytes."""
import json
import struct

import numpy as np


def read_safetensors(path):
    """{name: float32 ndarray of the tensor's shape}; the __metadata__ entry is skipped."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, en = e["data_offsets"]
        buf = data[base + b:base + en]
        if e["dtype"] == "F32":
            a = np.frombuffer(buf, "<f4").copy()
        elif e["dtype"] == "F16":
            a = np.frombuffer(buf, "<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            a = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: dtype {e['dtype']}")
        out[name] = a.reshape(e["shape"])
    return out
