"""PyTorch CPU reference for bench/model.ts: the same GPT (pre-norm, causal, tied embeddings,
learned positions, tanh-approximated GELU MLP), the same AdamW step with global-norm clipping and
the same KV-cached batched sampling.

Usage: /usr/bin/python3 bench/torch_ref.py D_MODEL N_LAYER N_HEAD VOCAB CTX BATCH SEQ TRAIN_STEPS
                                            SAMPLE_NEW_TOKENS [THREADS (default 1)]
Timings are the best of the timed repetitions (least disturbed on a shared machine).
Prints one JSON line with train_tokens_per_s, sample_tokens_per_s (wall clock), the same per
CPU-second of this process (robust when other processes share the cores), and matmul_gflops.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.manual_seed(0)


class Block(torch.nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.fc = torch.nn.Linear(d, 4 * d)
        self.out = torch.nn.Linear(4 * d, d)

    def attn(self, x, cache=None):
        b, t, d = x.shape
        hd = d // self.h
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.h, hd).transpose(1, 2)
        k = k.view(b, t, self.h, hd).transpose(1, 2)
        v = v.view(b, t, self.h, hd).transpose(1, 2)
        if cache is not None and cache[0] is not None:
            k = torch.cat([cache[0], k], 2)
            v = torch.cat([cache[1], v], 2)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        tk = k.shape[2]
        mask = torch.ones(t, tk, dtype=torch.bool).tril(tk - t)
        s = s.masked_fill(~mask, -1e9)
        y = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        return self.proj(y), (k, v)

    def forward(self, x, cache=None):
        a, kv = self.attn(x, cache)
        x = x + a
        x = x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x, kv


class GPT(torch.nn.Module):
    def __init__(self, v, ctx, n_layer, n_head, d):
        super().__init__()
        self.wte = torch.nn.Embedding(v, d)
        self.wpe = torch.nn.Embedding(ctx, d)
        self.blocks = torch.nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.lnf = torch.nn.LayerNorm(d)

    def forward(self, ids, pos0=0, caches=None):
        b, t = ids.shape
        x = self.wte(ids) + self.wpe(torch.arange(pos0, pos0 + t))[None]
        new = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, None if caches is None else caches[i])
            new.append(kv)
        return self.lnf(x) @ self.wte.weight.t(), new


def main():
    d, nl, nh, v, ctx, b, t, steps, new_tokens = map(int, sys.argv[1:10])
    threads = int(sys.argv[10]) if len(sys.argv) > 10 else 1
    torch.set_num_threads(threads)
    m = GPT(v, ctx, nl, nh, d)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.0)
    ids = torch.randint(0, v, (b, t + 1))

    def train_step():
        logits, _ = m(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, v), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()

    train_step()
    walls, cpus = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        train_step()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    # Best step: the least disturbed by other processes on a shared machine.
    train_s, train_cpu_s = min(walls), min(cpus)

    prompt = torch.randint(0, v, (b, 8))

    @torch.no_grad()
    def sample():
        logits, caches = m(prompt)
        pos = prompt.shape[1]
        g = torch.Generator().manual_seed(1)
        for _ in range(new_tokens):
            p = logits[:, -1].softmax(-1)
            nxt = torch.multinomial(p, 1, generator=g)
            logits, caches = m(nxt, pos, caches)
            pos += 1

    sample()
    sample_s, sample_cpu_s = float("inf"), float("inf")
    for _ in range(2):
        t0, c0 = time.perf_counter(), time.process_time()
        sample()
        sample_s = min(sample_s, time.perf_counter() - t0)
        sample_cpu_s = min(sample_cpu_s, time.process_time() - c0)

    a = torch.randn(1024, 1024)
    a @ a
    t0 = time.perf_counter()
    for _ in range(10):
        a @ a
    mm_gflops = 10 * 2 * 1024**3 / (time.perf_counter() - t0) / 1e9

    print(json.dumps({
        "train_step_ms": train_s * 1e3,
        "train_tokens_per_s": b * t / train_s,
        "sample_tokens_per_s": b * new_tokens / sample_s,
        "train_tokens_per_cpu_s": b * t / train_cpu_s,
        "sample_tokens_per_cpu_s": b * new_tokens / sample_cpu_s,
        "matmul_gflops": mm_gflops,
        "threads": threads,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
