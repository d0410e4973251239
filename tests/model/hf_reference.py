"""PyTorch reference for tests/model/hf_logits_test.ts and hf_lora_test.ts: Hugging Face causal
LMs (GPT-2, Llama, Mistral, Qwen2, Qwen3) computed in float64 following transformers' modeling
code, from a model directory read with numpy (no transformers or safetensors package needed), and
optionally with a PEFT LoRA adapter applied as PEFT's LoRA layers do.

Usage: /usr/bin/python3 tests/model/hf_reference.py < request.json
request: {"models": [{"dir": DIR, "ids": [[...]], "prompts": [[...]], "max_new": N,
                      "stop": [...], "adapter": ADAPTER_DIR, "score": [{"prompt": [...], "tokens": [...]}]}]}
("ids", "adapter" and "score" are optional.)
Prints one JSON line: {"results": [{"logits": [B*T*V floats], "greedy": [[ids per prompt]],
                                    "greedy_logprobs": [[log p per greedy id]],
                                    "scores": [[log p per scored token]],
                                    "logits_merged": [...] (with an adapter)}]}.
Greedy decoding recomputes the whole sequence every step (no KV cache), one prompt at a time;
a log p is log_softmax of the logits at the position before the token. "scores" gives, for each
prompt and continuation, the continuation's log p one token after another (teacher forcing).
With an adapter, "logits" add lora_B(lora_A(x))·scaling to each adapted projection's output
(PEFT's LoraLayer forward) and "logits_merged" come from weights merged as PEFT's merge does
(W += transpose(B @ A, fan_in_fan_out)·scaling).
"""
import json
import math
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from safetensors_np import read_safetensors as read_np  # noqa: E402
import torch.nn.functional as F

torch.set_num_threads(1)
DT = torch.float64


# ---- checkpoint -------------------------------------------------------------------------------

def read_safetensors(path):
    """The file's tensors as float64 torch tensors."""
    return {name: torch.from_numpy(a.astype(np.float64)) for name, a in read_np(path).items()}


def read_weights(d):
    index = os.path.join(d, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_safetensors(os.path.join(d, "model.safetensors"))
    with open(index) as f:
        shards = sorted(set(json.load(f)["weight_map"].values()))
    w = {}
    for s in shards:
        w.update(read_safetensors(os.path.join(d, s)))
    return w


# ---- PEFT LoRA adapter (peft/tuners/lora/layer.py) ----------------------------------------------

class Adapter:
    """adapter_config.json and adapter_model.safetensors: per module path, lora_A [r, in] and
    lora_B [out, r]; every module must be met by the forward pass (a misnamed tensor fails)."""

    def __init__(self, d):
        with open(os.path.join(d, "adapter_config.json")) as f:
            cfg = json.load(f)
        assert cfg["peft_type"] == "LORA" and cfg.get("bias", "none") == "none", cfg
        r, alpha = cfg["r"], cfg["lora_alpha"]
        self.scaling = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        self.fan_in_fan_out = cfg.get("fan_in_fan_out", False)
        parts = {}
        for name, t in read_safetensors(os.path.join(d, "adapter_model.safetensors")).items():
            m = re.fullmatch(r"base_model\.model\.(.+)\.lora_([AB])\.weight", name)
            assert m, f"not a PEFT LoRA tensor name: {name}"
            parts.setdefault(m.group(1), {})[m.group(2)] = t
        self.modules = {k: (v["A"], v["B"]) for k, v in parts.items()}
        for k, (a, b) in self.modules.items():
            assert a.shape[0] == r and b.shape[1] == r, (k, a.shape, b.shape)
        self.used = set()

    def delta(self, module, x):
        """lora_B(lora_A(x)) * scaling (zero for a module without an adapter)."""
        if module not in self.modules:
            return 0.0
        self.used.add(module)
        a, b = self.modules[module]
        return F.linear(F.linear(x, a), b) * self.scaling

    def merged(self, w):
        """Weights with every update merged: W += transpose(B @ A, fan_in_fan_out) * scaling."""
        w = dict(w)
        gpt2_pre = "transformer." if "transformer.wte.weight" in w else ""
        for module, (a, b) in self.modules.items():
            key = module + ".weight"
            if module.startswith("transformer."):
                key = gpt2_pre + key[len("transformer."):]
            delta = b @ a
            w[key] = w[key] + (delta.T if self.fan_in_fan_out else delta) * self.scaling
        return w


# ---- GPT-2 (transformers/models/gpt2/modeling_gpt2.py) ----------------------------------------

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def conv1d(x, w, b):
    # Conv1D: weight [in, out], y = x @ w + b
    return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).reshape(*x.shape[:-1], w.shape[1])


def gpt2_forward(cfg, w, ids, lora=None):
    pre = "transformer." if "transformer.wte.weight" in w else ""
    d, nh = cfg["n_embd"], cfg["n_head"]
    hd = d // nh
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    bsz, t = ids.shape
    x = w[pre + "wte.weight"][ids] + w[pre + "wpe.weight"][torch.arange(t)][None]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        p = f"{pre}h.{i}."

        def conv(name, h):
            y = conv1d(h, w[p + name + ".weight"], w[p + name + ".bias"])
            return y + lora.delta(f"transformer.h.{i}.{name}", h) if lora else y

        h = F.layer_norm(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        q, k, v = conv("attn.c_attn", h).split(d, dim=2)
        q, k, v = (z.view(bsz, t, nh, hd).transpose(1, 2) for z in (q, k, v))
        att = q @ k.transpose(-1, -2) / math.sqrt(hd)
        att = torch.where(causal, att, torch.tensor(torch.finfo(DT).min, dtype=DT))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(bsz, t, d)
        x = x + conv("attn.c_proj", y)
        h = F.layer_norm(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + conv("mlp.c_proj", gelu_new(conv("mlp.c_fc", h)))
    x = F.layer_norm(x, (d,), w[pre + "ln_f.weight"], w[pre + "ln_f.bias"], eps)
    tied = cfg.get("tie_word_embeddings", True)
    return x @ (w[pre + "wte.weight"] if tied else w["lm_head.weight"]).T


# ---- Llama family (modeling_llama.py, modeling_mistral.py, modeling_qwen2.py, modeling_qwen3.py) --

def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_inv_freq(cfg, dim):
    base = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(DT) / dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv_freq
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "default":
        return inv_freq
    if kind == "linear":
        return inv_freq / rs["factor"]
    assert kind == "llama3", kind
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    low_freq_wavelen, high_freq_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def repeat_kv(x, n_rep):
    b, kvh, t, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, kvh, n_rep, t, hd).reshape(b, kvh * n_rep, t, hd)


def llama_forward(cfg, w, ids, lora=None):
    arch = cfg["architectures"][0]
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    kvh = cfg.get("num_key_value_heads") or nh
    default_hd = 128 if arch == "Qwen3ForCausalLM" else d // nh
    hd = cfg.get("head_dim") or default_hd
    eps = cfg.get("rms_norm_eps", 1e-6)
    bsz, t = ids.shape
    x = w["model.embed_tokens.weight"][ids]
    freqs = torch.arange(t, dtype=DT)[:, None] * rope_inv_freq(cfg, hd)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))

    def lin(name, h):
        y = F.linear(h, w[name + ".weight"], w.get(name + ".bias"))
        return y + lora.delta(name, h) if lora else y

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin(p + "self_attn.q_proj", h).view(bsz, t, nh, hd)
        k = lin(p + "self_attn.k_proj", h).view(bsz, t, kvh, hd)
        v = lin(p + "self_attn.v_proj", h).view(bsz, t, kvh, hd).transpose(1, 2)
        if arch == "Qwen3ForCausalLM":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, nh // kvh), repeat_kv(v, nh // kvh)
        att = (q @ k.transpose(2, 3)) * hd ** -0.5
        att = att.masked_fill(~causal, float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(bsz, t, nh * hd)
        x = x + lin(p + "self_attn.o_proj", y)
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(p + "mlp.down_proj", F.silu(lin(p + "mlp.gate_proj", h)) * lin(p + "mlp.up_proj", h))
    x = rms_norm(x, w["model.norm.weight"], eps)
    tied = cfg.get("tie_word_embeddings", False)
    return x @ (w["model.embed_tokens.weight"] if tied else w["lm_head.weight"]).T


# ---- driver -----------------------------------------------------------------------------------

def forward(cfg, w, ids, lora=None):
    ids = torch.tensor(ids, dtype=torch.long)
    if cfg["architectures"][0] == "GPT2LMHeadModel":
        return gpt2_forward(cfg, w, ids, lora)
    return llama_forward(cfg, w, ids, lora)


def greedy(cfg, w, prompt, max_new, stop):
    seq, out, logprobs = list(prompt), [], []
    for _ in range(max_new):
        last = forward(cfg, w, [seq])[0, -1]
        tok = int(torch.argmax(last))
        out.append(tok)
        logprobs.append(float(torch.log_softmax(last, -1)[tok]))
        seq.append(tok)
        if tok in stop:
            break
    return out, logprobs


def score(cfg, w, prompt, tokens):
    """log p of each token of `tokens` after `prompt` and the tokens before it."""
    if not tokens:
        return []
    seq = list(prompt) + list(tokens)
    lp = torch.log_softmax(forward(cfg, w, [seq])[0], -1)
    n = len(prompt)
    return [float(lp[n - 1 + i, t]) for i, t in enumerate(tokens)]


def main():
    req = json.load(sys.stdin)
    results = []
    with torch.no_grad():
        for m in req["models"]:
            with open(os.path.join(m["dir"], "config.json")) as f:
                cfg = json.load(f)
            w = read_weights(m["dir"])
            lora = Adapter(m["adapter"]) if m.get("adapter") else None
            result = {}
            if "ids" in m:
                result["logits"] = forward(cfg, w, m["ids"], lora).reshape(-1).tolist()
            runs = [greedy(cfg, w, p, m["max_new"], set(m["stop"])) for p in m.get("prompts", [])]
            result["greedy"] = [r[0] for r in runs]
            result["greedy_logprobs"] = [r[1] for r in runs]
            result["scores"] = [score(cfg, w, s["prompt"], s["tokens"]) for s in m.get("score", [])]
            if lora:
                unused = set(lora.modules) - lora.used
                assert not unused, f"adapter modules the model does not have: {sorted(unused)}"
                merged = forward(cfg, lora.merged(w), m["ids"])
                result["logits_merged"] = merged.reshape(-1).tolist()
            results.append(result)
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
