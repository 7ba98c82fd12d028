"""SmolLM2 on torch: the fp32 and int8 engines, and lm_ref's shared-prefix runner (see smollm.py)."""

from __future__ import annotations

import json

from mtcheck.models.smollm import PREFIX_CHUNK, _converted, _quiet_transformers, fits

# The keys and values a prefix pass keeps are 46 KB a token (30 layers x 3 heads x 64 x 2 floats), and each
# batch after it copies its prefixes' share: 32 references of 256 tokens held 377 MB, and lm_ref's peak
# reached 1.8 GB (issue 34). A prefix pass holds at most PREFIX_TOKENS padded tokens, a batch after it
# CONTINUE_TOKENS of prefix and target together.
PREFIX_TOKENS = 1024
CONTINUE_TOKENS = 512


def torch_model(precision: str = "fp32"):
    """The converted model in torch, fp32 or with int8 products."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from accelerate import init_empty_weights

    from mtcheck.models.cpu import release_memory

    _quiet_transformers()
    cached = _converted()
    config = AutoConfig.for_model(**json.loads((cached / "model_config.json").read_text()))
    # The weights are the converted file itself, memory-mapped, not a copy: building the model with
    # random weights and then loading the state dict into it held three copies at once (1.4 GB at the
    # peak, issue 34); this holds one, and only the pages the model reads.
    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(torch.load(cached / "weights.pt", weights_only=True, mmap=True), strict=False,
                          assign=True)
    model.tie_weights()
    release_memory()
    model.config.use_cache = False
    if precision == "int8":
        from mtcheck.models.int8 import quantise

        quantise(model)
    return model.eval()


def _logprob_module(model):
    """A module (input_ids, attention_mask) -> log-probability of each next token, (batch, length - 1)."""
    import torch

    class NextTokenLogProbs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits[:, :-1]
            # gather minus logsumexp: the log-softmax of the next tokens only, without writing a
            # second (batch x length x 49,152) tensor.
            return logits.gather(-1, input_ids[:, 1:, None])[..., 0] - torch.logsumexp(logits, dim=-1)

    return NextTokenLogProbs().eval()


class TorchRunner:
    def __init__(self, precision: str) -> None:
        self.precision = precision
        self.module = _logprob_module(torch_model(precision))

    def __call__(self, input_ids, mask, shrink: bool = False):
        """`shrink` is ONNX Runtime's (OnnxRunner); torch's memory is given back after every batch."""
        import torch

        with torch.inference_mode():
            out = self.module(torch.from_numpy(input_ids), torch.from_numpy(mask)).numpy()
        if self.precision == "int8":
            from mtcheck.models.int8 import release

            release(self.module)
        from mtcheck.models.cpu import release_memory

        release_memory()  # as SharedPrefixRunner._release
        return out

    def library(self) -> str:
        from importlib.metadata import version

        return f"torch {version('torch')} ({self.precision})"


class SharedPrefixRunner:
    """Log-probabilities of targets after prefixes, each distinct prefix run once (issue 26).

    A multi-system corpus gives every system's MT of one source the same reference, so `lm_ref` asked
    the model for the same prompt-and-reference prefix once per system. Here the distinct prefixes
    run once, batched, keeping the attention keys and values (the KV cache, as generation does); each
    target then runs with its prefix's cache, so only its own tokens are computed. The prefix's last
    token goes with the target, so that its prediction of the target's first token comes out of the
    same pass. Every pair takes this path, whether or not its prefix repeats, so a row's score does
    not depend on the rest of the corpus; it agrees with one pass over prefix and target to about
    1e-6 nats (tests/test_fluency.py).

    It runs on torch (fp32, or int8 when that precision is asked for): the ONNX graph has no cache
    inputs. On 280 TED rows of 14 systems it was 1.74x faster than the full pass on ONNX Runtime and
    2.1x faster than on torch (benchmarks/bench_lmref.py, AMD EPYC, 2 cores; 1.67x with AVX2 only);
    with one system per source it took 4.4 s where one torch pass took 5.0 s and ONNX Runtime 3.8 s.
    """

    def __init__(self, precision: str, model=None) -> None:
        import inspect

        self.precision = precision
        self.model = model if model is not None else torch_model(precision)
        # transformers 5 renamed the cache argument; older releases call it past_key_values.
        self._cache_arg = "cache" if "cache" in inspect.signature(self.model.forward).parameters \
            else "past_key_values"

    def __call__(self, prefixes: list[list[int]], targets: list[list[int]], advance=None) -> list:
        """Each target's token log-probabilities after its prefix (a numpy row of len(target)), in input order.
        A prefix holds its lead (start) token and at least one more."""
        import torch

        if any(len(p) < 2 for p in prefixes):
            raise ValueError("every prefix needs a start token and at least one more")
        distinct: dict[tuple, int] = {}
        which = [distinct.setdefault(tuple(p), len(distinct)) for p in prefixes]
        unique = list(distinct)
        by_prefix: dict[int, list[int]] = {}
        for k, i in enumerate(which):
            by_prefix.setdefault(i, []).append(k)
        results: list = [None] * len(targets)
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        chunks: list[list[int]] = []
        for i in order:  # sorted by length, so the last prefix of a chunk is its widest
            if chunks and len(chunks[-1]) < PREFIX_CHUNK and (len(chunks[-1]) + 1) * len(unique[i]) <= PREFIX_TOKENS:
                chunks[-1].append(i)
            else:
                chunks.append([i])
        with torch.inference_mode():
            for chunk in chunks:
                keys_values, lengths = self._prefix_cache([list(unique[i][:-1]) for i in chunk])
                row_of = {i: r for r, i in enumerate(chunk)}
                members = sorted((k for i in chunk for k in by_prefix[i]), key=lambda k: (len(targets[k]), which[k]))
                batches: list[list[int]] = []
                for k in members:  # bounded in sequences and in tokens with their prefixes' cached ones
                    width = len(targets[k]) + 1 + max(lengths[row_of[which[j]]] for j in [k, *(batches[-1] if batches else [])])
                    if batches and fits(batches[-1], width, CONTINUE_TOKENS):
                        batches[-1].append(k)
                    else:
                        batches.append([k])
                for batch in batches:
                    rows = [row_of[which[k]] for k in batch]
                    seqs = [[unique[which[k]][-1], *targets[k]] for k in batch]
                    out = self._continue(keys_values, [lengths[r] for r in rows], rows, seqs)
                    for row, k in enumerate(batch):
                        results[k] = out[row, :len(targets[k])]
                    if advance:
                        advance(len(batch))
        return results

    def _prefix_cache(self, seqs: list[list[int]]):
        """Run the (right-padded) prefixes; their per-layer (keys, values) and real lengths."""
        import torch
        from transformers import DynamicCache

        width = max(len(s) for s in seqs)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, seq in enumerate(seqs):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        cache = DynamicCache()
        self.model.model(input_ids=ids, attention_mask=mask, use_cache=True, **{self._cache_arg: cache})
        self._release()
        return [(layer.keys, layer.values) for layer in cache.layers], [len(s) for s in seqs]

    def _continue(self, keys_values, lengths: list[int], rows: list[int], seqs: list[list[int]]):
        """Next-token log-probabilities of `seqs`, each after the cached prefix of its row."""
        import numpy as np
        import torch
        from transformers import DynamicCache

        width, past = max(len(s) for s in seqs), max(lengths)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        mask = torch.zeros((len(seqs), past + width), dtype=torch.long)
        positions = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :lengths[row]] = 1  # the prefix's own tokens, not its padding
            mask[row, past:past + len(seq)] = 1
            positions[row] = lengths[row] + torch.arange(width)  # right after the prefix's last real token
        cache = DynamicCache()
        index = torch.tensor(rows)
        for layer, (keys, values) in enumerate(keys_values):
            cache.update(keys[index, :, :past], values[index, :, :past], layer)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                            **{self._cache_arg: cache}).logits[:, :-1]
        self._release()
        return np.asarray(logits.gather(-1, ids[:, 1:, None])[..., 0] - torch.logsumexp(logits, dim=-1))

    def _release(self) -> None:
        from mtcheck.models.cpu import release_memory

        if self.precision == "int8":
            from mtcheck.models.int8 import release

            release(self.model)
        # torch frees each pass's activations, but glibc keeps them in its per-thread heaps: without this,
        # lm_ref's resident memory grew by some 400 MB over a few hundred rows (issue 34).
        release_memory()

    def library(self) -> str:
        from importlib.metadata import version

        return f"torch {version('torch')} ({self.precision}, shared prefixes)"
