"""A run in partitions: the input cut into documents-whole partitions, and the survey pass (issue 14).

A check runs in two passes over the input.

1. **Survey.** Every block of rows is read once, and only what must be known of the whole run
   before any row is scored is kept: the row count, the most references any row has (sacrebleu
   pads to it), the first 200 source segments (the source language is inferred from them, as
   before), the hashes `duplicate-segment` counts copies by (mtcheck/checks/repetition.py), and the
   pool of (source, MT) pairs the cross-lingual margin compares against
   (mtcheck/scorers/crosslingual.py). That is 16 bytes a row and a few thousand texts, whatever
   the corpus size.
2. **Check.** The input is read again and cut into partitions of about `partition_rows` rows;
   each is aligned, scored, checked and fused on its own with the survey's `RunContext`, by the
   local engine or by Dask workers (mtcheck/run/engines.py), and its rows go to the outputs.

A partition never splits a document: it ends where `doc_id` changes. Rows of line-aligned files
and of tables without a `doc_id` column are independent lines, and are cut anywhere.
So every row's scores depend on its own texts and on the run, never on which partition it
fell in (tests/test_scale.py runs one corpus in one partition and in many).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from mtcheck import schema as S
from mtcheck.io.base import BLOCK_ROWS
from mtcheck.io.stream import RunInput

# 2,000 (was 5,000): a partition's scoring holds a few vectors and copies per row for a moment, so its
# peak grows with the partition; at 5,000 a 10,000-row reference run peaked 1.24x as high as a 1,000-row
# one, at 2,000 it stays within issue 34's 1.2x (docs/speed.md "Memory by mode"), at no cost in speed
# now that the encoders stay loaded between partitions.
PARTITION_ROWS = 2_000
SOURCE_SAMPLE = 200


@dataclass
class RunContext:
    """What every partition must know of the whole run (the survey's result)."""

    rows: int = 0
    partitions: int = 0
    source_lang: str | None = None
    max_refs: int | None = None
    duplicates: dict = field(default_factory=dict)
    pool_pairs: list = field(default_factory=list)    # (source, MT) pairs of the cross-lingual margin pool
    margin_pool: object | None = None                  # their vectors, once encoded (mtcheck.pipeline.prepare_context)
    has_src: bool = False
    has_ref: bool = False
    glossary: object | None = None                     # mtcheck.io.glossary.Glossary, read once (prepare_context)


def open_run(spec, frame=None, options=None, progress=None) -> RunInput:
    """The run's input as re-readable blocks of aligned rows: streamed where the format allows."""
    from mtcheck import io as io_mod
    from mtcheck.io import base, stream, table

    if frame is not None:
        return _whole(io_mod.from_dataframe(frame), options, progress)
    name, resolved, table_fmt = io_mod.resolve(spec)
    if table_fmt in io_mod.TABLE_FORMATS:
        path = resolved.data
        inputs = [{"path": str(path), "role": "table", "format": table_fmt, "sha256": io_mod.sha256_of(path),
                   "segments": None}]
        header = _table_columns(path, table_fmt, resolved.columns)
        return RunInput(name, inputs, lambda: _indexed(table.iter_table(path, table_fmt, resolved.columns)),
                        split_anywhere=S.DOC_ID not in header,
                        estimated_rows=base.count_newlines(path) - (table_fmt != "jsonl"))  # less the header
    sides = io_mod.side_paths(resolved)
    plain = all((resolved.fmt if resolved.fmt != "auto" else io_mod.detect_format(p, positional=False)) == "lines"
                for _, p in sides)
    if plain and not resolved.align and resolved.mt:
        counts = {p: base.count_lines(p) for _, p in sides}
        if len(set(counts.values())) == 1 and next(iter(counts.values())):
            inputs = [{"path": str(p), "role": role, "format": "lines", "sha256": io_mod.sha256_of(p),
                       "segments": counts[p]} for role, p in sides]
            return RunInput(name, inputs,
                            lambda: stream.iter_line_rows(resolved.mt, resolved.src, resolved.refs),
                            split_anywhere=True, estimated_rows=sum(counts[p] for p in resolved.mt))
        # Unequal counts (or no line at all): the whole-file reader names the first divergence.
    loaded = io_mod.load(spec)
    return _whole(loaded, options, progress)


def _table_columns(path, fmt, columns) -> list[str]:
    """The table's column names after --columns, from its first block (this reads the header's checks too)."""
    from mtcheck.io.table import iter_table

    for block in iter_table(path, fmt, columns, block_rows=1):
        return list(block.columns)
    return []


def _indexed(blocks) -> Iterator:
    """Table blocks as aligned rows, indexed by their place in the run; seg_id counts rows over the run."""
    from mtcheck.align import rows_from_table

    offset = 0
    for block in blocks:
        block.index = range(offset, offset + len(block))
        rows = rows_from_table(block, first_seg_id=offset + 1)
        offset += len(block)
        yield rows


def _whole(loaded, options, progress) -> RunInput:
    """Inputs that are read and aligned whole (documents, XML, SRT, --align, DataFrames)."""
    from mtcheck import align as align_mod

    target = options.target_lang if options else "en"
    rows = align_mod.align(loaded, target, options.model if options else None, progress)

    def blocks():
        for lo in range(0, len(rows), BLOCK_ROWS):
            yield rows.iloc[lo:lo + BLOCK_ROWS]
    kinds = set(rows[S.KIND]) if S.KIND in rows.columns else set()
    return RunInput(loaded.name, loaded.inputs, blocks, split_anywhere=kinds <= {"line"} and not loaded.align,
                    streamed=False, estimated_rows=len(rows))


def partitions(run: RunInput, partition_rows: int = PARTITION_ROWS) -> Iterator:
    """The run's rows in partitions of about `partition_rows`, each ending where a document ends."""
    import pandas as pd

    buffered, count = [], 0
    for block in run.blocks():
        buffered.append(block)
        count += len(block)
        while count >= partition_rows:
            rows = pd.concat(buffered) if len(buffered) > 1 else buffered[0]
            cut = partition_rows if run.split_anywhere else _last_document_start(rows, partition_rows)
            if cut == 0:
                buffered = [rows]  # one document so far: it grows until it ends (joined once, not each time)
                break
            yield rows.iloc[:cut]
            rest = rows.iloc[cut:]
            buffered, count = ([rest] if len(rest) else []), len(rest)
    if count:
        yield pd.concat(buffered) if len(buffered) > 1 else buffered[0]


def _last_document_start(rows, wanted: int) -> int:
    """Where the last document that starts at or before row `wanted` begins (0: none ends before)."""
    docs = rows[S.DOC_ID].astype(str).to_numpy()
    starts = [i for i in range(1, len(docs)) if docs[i] != docs[i - 1]]
    before = [i for i in starts if i <= wanted]
    return before[-1] if before else (starts[0] if starts else 0)


def survey(run: RunInput, options, partition_rows: int = PARTITION_ROWS, progress=None) -> RunContext:
    """Pass 1: what the partitions must know of the whole run (see the module's docstring)."""
    from mtcheck.checks.repetition import DuplicateSurvey, describe_first
    from mtcheck.scorers import has_text
    from mtcheck.scorers.crosslingual import PoolChooser

    ctx = RunContext()
    dups, pool, sources = DuplicateSurvey(), PoolChooser(), []
    ref_cols: list[str] = []
    sizes = []
    # A bar only where reading is slow enough to watch: a streamed input of more than one partition.
    advance = (progress("survey: reading the input", run.estimated_rows)
               if progress and run.streamed and run.estimated_rows > partition_rows else None)
    for part in partitions(run, partition_rows):
        if advance:
            advance(len(part))
        sizes.append(len(part))
        ctx.rows += len(part)
        dups.add(part)
        src, ref, mt = has_text(part, S.SRC), has_text(part, S.REF), has_text(part, S.MT)
        ctx.has_src |= bool(src.any())
        ctx.has_ref |= bool(ref.any())
        if len(sources) < SOURCE_SAMPLE and src.any():
            sources += part.loc[src, S.SRC].head(SOURCE_SAMPLE - len(sources)).tolist()
        for s, m in zip(part.loc[src & mt, S.SRC].tolist(), part.loc[src & mt, S.MT].tolist()):
            pool.add(s, m)
        cols = [S.REF] + sorted((c for c in part.columns if c.startswith("ref_") and c[4:].isdigit()),
                                key=lambda c: int(c[4:]))
        ref_cols = cols if len(cols) > len(ref_cols) else ref_cols
        if ref.any():
            counts = sum(has_text(part, c).astype(int) for c in cols)
            ctx.max_refs = max(ctx.max_refs or 0, int(counts[ref].max()))
    ctx.partitions = len(sizes)
    ctx.duplicates = dups.index()
    ctx.pool_pairs = pool.pairs()
    if options.source_lang is not None:
        ctx.source_lang = options.source_lang
    elif sources:
        from mtcheck.checks.language import infer_source_language

        ctx.source_lang = infer_source_language(sources)
    if ctx.duplicates:
        # Where each repeated text is first: one more look at the rows, only when something repeats.
        firsts = {entry[1] for entry in ctx.duplicates.values()}
        for part in partitions(run, partition_rows):
            if firsts & set(part.index):
                describe_first(ctx.duplicates, part)
    return ctx
