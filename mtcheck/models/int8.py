"""Int8 matrix products for the fluency model on CPU (W8A8, per-token activation scales).

Why: scoring is compute-bound on 2 cores (about 76% of the time in fp32 matrix
products, torch profiler on the sample page), and the integer product
`torch._int_mm` runs about 3x faster than the fp32 one on these AVX-512 VNNI
CPUs. The weights are quantised once per output channel; each token's
activations are quantised on the fly with their own scale (the per-token
scheme of ZeroQuant, Yao et al. 2022), so:

* a segment's score hardly depends on the other segments in its batch (only
  through fp32 rounding in attention that can flip a code: mean 0.006 nats on
  the sample page), where torch's `quantize_dynamic` takes one activation
  scale over the whole padded batch (measured: r = 0.86 with fp32 on TED
  zh-en, against 0.986 here);
* the integer products are exact, so the only error is the rounding to int8.

Inputs that several projections share (q/k/v after one norm, gate/up after
another) are quantised once: the module keeps the last input it saw and its
int8 form in a `SharedInput` that the sibling projections hold too.

Measured in benchmarks/bench_fluency.py against fp32 in the same process.
This module imports torch at the top: only FluencyModel.load imports it.
"""

from __future__ import annotations

import torch

# Projections that read the same input tensor within one decoder layer.
SHARED_INPUTS = ({"q_proj", "k_proj", "v_proj"}, {"gate_proj", "up_proj"})
PROJECTIONS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"}


class SharedInput:
    """The last input a group of projections saw, with its int8 codes and per-token scales."""

    __slots__ = ("x", "codes", "scales")

    def __init__(self) -> None:
        self.x = self.codes = self.scales = None

    def quantised(self, x):
        # Identity, not equality: the sibling projections get the very same tensor object, and
        # holding a reference to it means no later tensor can take its id.
        if self.x is not x:
            flat = x.reshape(-1, x.shape[-1])
            # amax and amin separately: 5x faster here than torch.aminmax or abs().amax().
            high, low = flat.amax(dim=1, keepdim=True), flat.amin(dim=1, keepdim=True)
            scales = torch.maximum(high, low.neg_()).clamp_(min=1e-8).div_(127.0)
            self.codes = torch.div(flat, scales).round_().to(torch.int8)
            self.scales, self.x = scales, x
        return self.codes, self.scales

    def clear(self) -> None:
        self.x = self.codes = self.scales = None


class Int8Linear(torch.nn.Module):
    """A bias-free nn.Linear computed as int8 x int8 -> int32, then rescaled to fp32."""

    def __init__(self, linear: torch.nn.Linear, shared: SharedInput) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        # (in, out) layout, contiguous: what torch._int_mm wants as its right operand.
        self.register_buffer("codes", torch.round(weight / scale[:, None]).to(torch.int8).t().contiguous())
        self.register_buffer("scale", scale)
        self.shared = shared
        self.out_features = weight.shape[0]

    def forward(self, x):
        codes, scales = self.shared.quantised(x)
        # Convert, then scale in place: a mixed int32 x fp32 multiply casts through a copy
        # and took 1.7x as long.
        out = torch._int_mm(codes, self.codes).float().mul_(self.scale).mul_(scales)
        return out.reshape(*x.shape[:-1], self.out_features)


def quantise(model) -> int:
    """Replace the model's projections (and its output head) by Int8Linear, in place; returns how many.

    Embeddings, norms and attention stay fp32. Layers with a bias are left alone
    (SmolLM2 has none)."""
    replaced = 0
    for module in list(model.modules()):
        groups = {name: SharedInput() for name in PROJECTIONS}
        for together in SHARED_INPUTS:
            shared = SharedInput()
            for name in together:
                groups[name] = shared
        for name, child in list(module.named_children()):
            if name in PROJECTIONS and isinstance(child, torch.nn.Linear) and child.bias is None:
                setattr(module, name, Int8Linear(child, groups[name]))
                replaced += 1
    return replaced


def release(model) -> None:
    """Drop the inputs the shared quantisers hold on to (call after a batch)."""
    for module in model.modules():
        shared = getattr(module, "shared", None)
        if isinstance(shared, SharedInput):
            shared.clear()
