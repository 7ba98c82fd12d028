"""What this CPU is: a short description and a signature that keys cached decisions.

The engine a model runs on is chosen by a measurement at its first load on a
given CPU (runtime/smollm.py), and the choice is cached under that CPU's
signature. The signature therefore holds everything that changes which kernels
run: the CPU model, the instruction-set flags that matter for matrix products
(AVX2, AVX-512, VNNI, AMX), the environment variables that cap torch's and
oneDNN's instruction set (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA), the thread
count and the library versions.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache

# Flags that decide which matrix-product kernels run (x86 /proc/cpuinfo names, ARM features).
RELEVANT_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
                  "amx_int8", "amx_bf16", "asimddp", "i8mm", "sve")
ISA_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS")


@lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str, frozenset]:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key in ("model name", "cpu model") and model in ("", platform.machine(), platform.processor()):
                    model = value.strip()
                elif key in ("flags", "features") and not flags:
                    flags = set(value.split())
    except OSError:  # not Linux: the model name from platform is all we have
        pass
    return model, frozenset(flags)


def description() -> dict:
    """CPU model, the relevant instruction-set flags it has, and any ISA caps set in the environment."""
    model, flags = _cpuinfo()
    return {
        "model": model,
        "arch": platform.machine(),
        "flags": sorted(flags & set(RELEVANT_FLAGS)),
        "threads": os.cpu_count(),
        "isa_caps": {name: os.environ[name] for name in ISA_VARIABLES if os.environ.get(name)},
    }


def has_int8_dot_products() -> bool:
    """Whether the CPU has int8 dot-product instructions (VNNI, AMX, ARM dotprod), unless capped below them.

    Without them, torch's int8 product falls back to a path measured 30-40x slower than
    the fp32 product here (issue 13: 86 ms against 16 ms on an AVX2-only CPU)."""
    flags = set(description()["flags"])
    caps = " ".join(description()["isa_caps"].values()).lower()
    if "avx2" in caps and "512" not in caps:
        return False
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm"})


def signature(*parts: str) -> str:
    """A short stable hash of this CPU's description plus `parts` (library versions, model ids)."""
    import hashlib
    import json

    text = json.dumps([description(), list(parts)], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def release_memory() -> None:
    """Give the memory freed so far back to the system (glibc's malloc_trim; elsewhere nothing).

    Loading a model reads its file into a buffer, builds the weights from it and frees the buffer; glibc
    keeps such freed heap memory for later allocations, so a run's resident memory kept the size of
    the file on top of the weights (measured: SmolLM2's session at 899 MB where 603 MB is live, issue
    34). Called after a model loads, after each stage that scores a partition and after each partition.
    """
    global _TRIM
    if _TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None
_ARENAS_SET = False


def limit_arenas() -> None:
    """Keep glibc's malloc to one arena (its default is 8 per core), once per process, before the
    encoders start their threads. Each thread that allocates gets an arena of its own, and freed memory
    in them stays fragmented beyond what malloc_trim returns: a reference run grew 162 MB from 1,000 to
    5,000 rows with the default, 125 MB with two arenas; a source-only run of 10,000 rows, whose models
    are loaded and released every partition, peaked 10 MB lower with one arena than with two, in the
    same time (docs/speed.md "Memory by mode"). The threads that allocate are few (ONNX Runtime's keep
    their own pool), so one arena costs no time. A MALLOC_ARENA_MAX the user set wins; elsewhere than
    glibc, nothing happens."""
    global _ARENAS_SET
    if _ARENAS_SET or os.environ.get("MALLOC_ARENA_MAX"):
        return
    _ARENAS_SET = True
    import ctypes
    import ctypes.util

    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt(-8, 1)  # M_ARENA_MAX
