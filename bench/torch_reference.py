"""PyTorch yardstick for `npm run bench` (never a dependency): the same reference GPT training step
and DIM conv step as bench/engine-steps.ts, timed the same way (median of N steps after one warm-up).
Run with Debian's python3-torch: /usr/bin/python3 bench/torch_reference.py --gpt-steps 5 --conv-steps 10
Prints one JSON object."""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--gpt-steps', type=int, default=5)
p.add_argument('--conv-steps', type=int, default=10)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--generate', type=int, default=1, help='time greedy generation with a KV cache (0: skip)')
p.add_argument('--gpt2small-steps', type=int, default=0,
               help='GPT-2-small-shaped DEMI fine-tuning steps and greedy decoding, as engine-steps.ts --only gpt2small (0: skip)')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, cache=None):
        B, T, D = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
        q, k, v = [t.view(B, T, self.h, D // self.h).transpose(1, 2) for t in (q, k, v)]
        if cache is not None:
            # KV cache for greedy decoding, as the engine's: earlier positions' keys and values kept
            if 'k' in cache:
                k, v = torch.cat([cache['k'], k], 2), torch.cat([cache['v'], v], 2)
            cache['k'], cache['v'] = k, v
        Tk = k.shape[2]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // self.h)
        mask = torch.ones(T, Tk, dtype=torch.bool).tril(Tk - T)
        att = att.masked_fill(~mask, float('-inf')).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))


class GPT(nn.Module):
    def __init__(self, V=8000, T=128, L=6, H=4, D=256):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(T, D)
        self.blocks = nn.ModuleList([Block(D, H) for _ in range(L)])
        self.ln_f = nn.LayerNorm(D)

    def hidden(self, idx, caches=None, start=0):
        x = self.wte(idx) + self.wpe(torch.arange(start, start + idx.shape[1]))
        for i, b in enumerate(self.blocks):
            x = b(x, None if caches is None else caches[i])
        return self.ln_f(x)

    def forward(self, idx, caches=None, start=0):
        return self.hidden(idx, caches, start) @ self.wte.weight.t()


def timed(step, n):
    step()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times


result = {'torch': torch.__version__, 'threads': torch.get_num_threads()}

# the machine's matmul rate as PyTorch reaches it, at the same shape as the engine's raw sgemm
a, b = torch.randn(2048, 768), torch.randn(768, 768)
ms, _ = timed(lambda: torch.mm(a, b), 15)
result['sgemmGflops'] = {'2048x768x768': 2 * 2048 * 768 * 768 / (ms * 1e6)}
if args.gpt_steps > 0:
    model = GPT()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    idx = torch.randint(0, 8000, (16, 128))
    tgt = torch.randint(0, 8000, (16, 128))

    def gpt_step():
        loss = F.cross_entropy(model(idx).view(-1, 8000), tgt.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    ms, times = timed(gpt_step, args.gpt_steps)
    result['gpt'] = {'stepMs': ms, 'stepsMs': times, 'tokensPerSecond': 16 * 128 / (ms / 1000)}

if args.conv_steps > 0:
    convs = nn.Sequential(nn.Conv2d(3, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 4, 2, 1), nn.ReLU(),
                          nn.Conv2d(128, 256, 4, 2, 1), nn.ReLU())
    opt = torch.optim.Adam(convs.parameters(), lr=1e-3)
    images = torch.rand(64, 3, 32, 32)

    def conv_step():
        loss = convs(images).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    ms, times = timed(conv_step, args.conv_steps)
    result['conv'] = {'stepMs': ms, 'stepsMs': times, 'imagesPerSecond': 64 / (ms / 1000)}

def greedy(model, vocab, new_tokens):
    # batch 1, 16-token prompt, KV cache: median of 3 runs in ms
    runs = []
    with torch.no_grad():
        for r in range(3):
            prompt = torch.randint(0, vocab, (1, 16))
            t0 = time.perf_counter()
            caches = [{} for _ in model.blocks]
            logits = model(prompt, caches)
            pos = prompt.shape[1]
            for i in range(new_tokens):
                nxt = logits[:, -1].argmax(-1, keepdim=True)
                if i < new_tokens - 1:
                    logits = model(nxt, caches, pos)
                    pos += 1
            runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    return runs[len(runs) // 2]


def off_diagonal(m):
    return m.masked_fill(torch.eye(m.shape[0], dtype=torch.bool), -1e9)


def conditional_infonce(phi, log_w):
    # the engine's conditionalInfoNCE: importance weights from the earlier level, no gradient through them
    n = phi.shape[0]
    weights = off_diagonal(log_w.detach()).log_softmax(1)
    positive = phi.diagonal()
    weighted = weights + off_diagonal(phi) + math.log(n - 1)
    log_den = torch.cat([positive[:, None], weighted], 1).logsumexp(1) - math.log(n)
    return (positive - log_den).mean()


if args.gpt2small_steps > 0:
    # engine-steps.ts --only gpt2small: GPT-2 small's shape, context 192 + response 63 + EOS, batch 4,
    # DEMI M = 4 (f, g projections to 128, tau 0.1, lambda 0.1), LM loss on the response, AdamW
    V, D, B, levels, tau = 50257, 768, 4, 4, 0.1
    model = GPT(V, 256, 12, 12, D)
    f_proj, g_proj = nn.Linear(D, 128, bias=False), nn.Linear(D, 128, bias=False)
    opt = torch.optim.AdamW(list(model.parameters()) + list(f_proj.parameters()) + list(g_proj.parameters()), lr=1e-5, weight_decay=0.01)
    full = torch.cat([torch.randint(0, 50000, (B, 191)), torch.full((B, 1), 50256), torch.randint(0, 50000, (B, 63)), torch.full((B, 1), 50256)], 1)
    ids = full[:, :-1]
    labels = full[:, 1:].clone()
    labels[:, :191] = -100
    response = torch.cat([torch.full((B, 1), 50256), full[:, 192:255]], 1)
    context_end = torch.full((B,), 191)
    prefix_ends = [math.ceil(k * 63 / levels) for k in range(1, levels + 1)]
    rows = torch.arange(B)

    def demi_step():
        hidden = model.hidden(ids)
        lm = F.cross_entropy((hidden @ model.wte.weight.t()).view(-1, V), labels.reshape(-1), ignore_index=-100)
        fx = F.normalize(f_proj(hidden[rows, context_end]), dim=1)
        responses = model.hidden(response)
        scores = [F.normalize(g_proj(responses[rows, torch.full((B,), e)]), dim=1) @ fx.t() / tau for e in prefix_ends]
        terms = [(scores[0].diagonal() - scores[0].logsumexp(1)).mean() + math.log(B)]
        terms += [conditional_infonce(scores[k], scores[k - 1]) for k in range(1, levels)]
        loss = lm - 0.1 * sum(terms)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    ms, times = timed(demi_step, args.gpt2small_steps)
    result['gpt2small'] = {'stepMs': ms, 'stepsMs': times}
    ms = greedy(model.eval(), V, 32)
    result['gpt2smallGenerate'] = {'promptLength': 16, 'newTokens': 32, 'ms': ms, 'tokensPerSecond': 32 / (ms / 1000)}
    ms = greedy(GPT(8000, 128, 4, 4, 256).eval(), 8000, 64)
    result['defaultShapeGenerate'] = {'promptLength': 16, 'newTokens': 64, 'ms': ms, 'tokensPerSecond': 64 / (ms / 1000)}
    import resource
    result['maxRssMiB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if args.generate > 0:
    # greedy decoding at batch 1, 16-token prompt, 64 new tokens, with the KV cache (the engine's bench case)
    ms = greedy(GPT().eval(), 8000, 64)
    result['generate'] = {'promptLength': 16, 'newTokens': 64, 'ms': ms, 'tokensPerSecond': 64 / (ms / 1000)}

print(json.dumps(result))
