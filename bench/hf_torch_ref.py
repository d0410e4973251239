"""PyTorch CPU reference for the Hugging Face part of bench/model.ts: a Llama-family causal LM
(LlamaForCausalLM as transformers computes it: RMSNorm, RoPE rotate-half, grouped-query attention,
SwiGLU MLP, tied or untied head) in float32, read from the same model directory as the tfjs side
(config.json and model.safetensors, F32/F16/BF16, read with numpy), timed on the same shapes:
a prefill of one prompt, and KV-cached sampling (softmax at temperature 1, the token's unscaled
log-probability taken as the tfjs side does) of a batch of prompts.

Usage: /usr/bin/python3 bench/hf_torch_ref.py DIR THREADS PREFILL_TOKENS PROMPT_TOKENS NEW_TOKENS
                                               REPS BATCH [BATCH ...]
Timings are the best of REPS repetitions after a warm-up. Prints one JSON line:
{"threads", "prefill_tokens_per_s", "sample_tokens_per_s": {BATCH: tokens/s}} and the same per
process CPU-second ("prefill_tokens_per_cpu_s", "sample_tokens_per_cpu_s"), robust when other
processes share the cores.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from safetensors_np import read_safetensors as read_np  # noqa: E402
import torch.nn.functional as F


def read_safetensors(path):
    """The file's tensors as float32 torch tensors."""
    return {name: torch.from_numpy(a) for name, a in read_np(path).items()}


class Llama:
    def __init__(self, cfg, w):
        self.w = w
        self.d = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.kvh = cfg.get("num_key_value_heads") or self.nh
        self.hd = cfg.get("head_dim") or self.d // self.nh
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.layers = cfg["num_hidden_layers"]
        base = cfg.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (base ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        self.embed = w["model.embed_tokens.weight"]
        self.head = self.embed if cfg.get("tie_word_embeddings") else w["lm_head.weight"]

    def rms(self, x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    def forward(self, ids, pos0, cache):
        """ids [B, T] at positions pos0.. → logits of the last position [B, V]; cache: per layer
        (k, v) [B, kvh, L, hd] or None, replaced by the appended ones."""
        w, b, t = self.w, ids.shape[0], ids.shape[1]
        x = self.embed[ids]
        freqs = torch.arange(pos0, pos0 + t, dtype=torch.float32)[:, None] * self.inv_freq[None]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        rep = self.nh // self.kvh
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.rms(x, w[p + "input_layernorm.weight"])
            q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(b, t, self.nh, self.hd).transpose(1, 2)
            k = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(b, t, self.kvh, self.hd).transpose(1, 2)
            v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(b, t, self.kvh, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
            length = k.shape[2]
            kr = k[:, :, None].expand(b, self.kvh, rep, length, self.hd).reshape(b, self.nh, length, self.hd)
            vr = v[:, :, None].expand(b, self.kvh, rep, length, self.hd).reshape(b, self.nh, length, self.hd)
            att = (q @ kr.transpose(2, 3)) / math.sqrt(self.hd)
            if t > 1:
                mask = torch.ones(t, length, dtype=torch.bool).tril(length - t)
                att = att.masked_fill(~mask, float("-inf"))
            y = (att.softmax(-1) @ vr).transpose(1, 2).reshape(b, t, self.nh * self.hd)
            x = x + F.linear(y, w[p + "self_attn.o_proj.weight"])
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            gate = F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"]))
            x = x + F.linear(gate * F.linear(h, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
        x = self.rms(x[:, -1], w["model.norm.weight"])
        return x @ self.head.T


def best_of(reps, f, warm):
    """Fastest wall-clock and process-CPU seconds of `reps` runs of f, after warm()."""
    warm()
    wall = cpu = math.inf
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        f()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def main():
    d = sys.argv[1]
    threads, prefill_t, prompt_t, new_t, reps = map(int, sys.argv[2:7])
    batches = [int(x) for x in sys.argv[7:]]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    m = Llama(cfg, read_safetensors(os.path.join(d, "model.safetensors")))
    vocab = cfg["vocab_size"]
    gen = torch.Generator().manual_seed(1)
    out = {"threads": threads, "sample_tokens_per_s": {}, "sample_tokens_per_cpu_s": {}}
    with torch.no_grad():
        ids = torch.randint(0, vocab, (1, prefill_t), generator=gen)
        run = lambda: m.forward(ids, 0, [None] * m.layers)  # noqa: E731
        wall, cpu = best_of(reps, run, run)
        out["prefill_tokens_per_s"] = prefill_t / wall
        out["prefill_tokens_per_cpu_s"] = prefill_t / cpu

        for b in batches:
            prompts = torch.randint(0, vocab, (b, prompt_t), generator=gen)

            def sample(new=new_t):
                cache = [None] * m.layers
                logits = m.forward(prompts, 0, cache)
                for n in range(new):
                    logp = torch.log_softmax(logits, -1)
                    tok = torch.multinomial(logp.exp(), 1, generator=gen)
                    logp.gather(1, tok)  # the token's log-probability, as tfjs records it
                    if n + 1 == new:
                        break
                    logits = m.forward(tok, prompt_t + n, cache)

            wall, cpu = best_of(reps, sample, lambda: sample(4))
            out["sample_tokens_per_s"][str(b)] = b * new_t / wall
            out["sample_tokens_per_cpu_s"][str(b)] = b * new_t / cpu
    print(json.dumps(out))


if __name__ == "__main__":
    main()
