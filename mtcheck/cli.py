"""Command line: thin typer commands over the library.

Each command is one library call plus turning typed errors into exit codes:
0 finished (and the quality gate passed), 1 the quality gate failed, 2 bad
input or usage (one line, no traceback), 3 internal error.
Nothing heavy is imported at module level, so `mtcheck --help` is instant.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from mtcheck._version import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="mtcheck: find the machine-translated segments an editor must fix.")

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


def _fail(message: str, code: int) -> None:
    typer.echo(f"mtcheck: error: {message}", err=True)
    raise typer.Exit(code)


def _guard(func, *args, **kwargs):
    """Run a library call; typed errors become one line and exit 2."""
    from mtcheck.errors import MtcheckError

    try:
        return func(*args, **kwargs)
    except MtcheckError as exc:
        _fail(exc.one_line(), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written for this run", 130)
    except Exception as exc:  # a bug in mtcheck, not the user's fault
        if os.environ.get("MTCHECK_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set MTCHECK_DEBUG=1 for a traceback and "
              "report it)", EXIT_INTERNAL)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """mtcheck: find the machine-translated segments an editor must fix."""


# Options that `check` and `compare` share, declared once so their help stays the same.
TARGET_LANG = typer.Option(None, "--target-lang", help="Language of the MT (picks the BLEU tokenizer and the "
                           "models) [default: en].")
FLUENCY = typer.Option(None, "--fluency", help="Fluency language model (SmolLM2): auto runs it on rows without a "
                       "reference, on runs it everywhere, off never [default: auto].")
PRECISION = typer.Option(None, "--precision", help="Language-model engine: auto picks the faster of ONNX Runtime "
                         "and torch in fp32, measured once per CPU; fp32 (torch), onnx, or int8 (torch int8 "
                         "products: faster only on CPUs with VNNI, scores differ by ~0.1 nats) "
                         "[default: $MTCHECK_PRECISION or auto].")
NO_CACHE = typer.Option(False, "--no-cache", help="Neither read nor write the persistent score cache "
                        "(~/.cache/mtcheck/scores.sqlite3; see 'mtcheck cache info').")
CONFIG = typer.Option(None, "--config", help="Configuration file [default: mtcheck.toml or [tool.mtcheck] in "
                      "pyproject.toml, from here upward].")


@app.command()
def check(
    data: Optional[Path] = typer.Argument(None, help="A table (.tsv/.csv/.jsonl), a running-text document "
                                          "(.txt) or a corpus folder.", show_default=False),
    translations: List[Path] = typer.Option([], "-t", "--translations", help="MT file, one segment per line; "
                                            "repeat for several systems."),
    source: Optional[Path] = typer.Option(None, "-s", "--source", help="Source file, line-aligned with -t."),
    references: List[Path] = typer.Option([], "-r", "--references", help="Reference file, line-aligned; "
                                          "repeat for several references."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Report folder [default: reports/NAME]."),
    fmt: str = typer.Option("auto", "--format", help="Input format: auto, lines, doc, srt, tsv, csv, jsonl, "
                            "xliff, tmx or wmt."),
    align: bool = typer.Option(False, "--align", help="Align MT with source/reference by content (sentence "
                               "embeddings) instead of by line; implied by running text."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Map table headers to roles, e.g. "
                                          "src=source,mt=hypothesis,ref=reference."),
    target_lang: Optional[str] = TARGET_LANG,
    source_lang: Optional[str] = typer.Option(None, "--source-lang", help="Language of the source "
                                              "[default: inferred from the source text]."),
    model: Optional[str] = typer.Option(None, "--model", help="sentence-transformers name or local path for "
                                        "MT-reference similarity [default: packaged all-MiniLM-L6-v2 for "
                                        "English, packaged USE otherwise]."),
    xmodel: Optional[str] = typer.Option(None, "--xmodel", help="Cross-lingual sentence-transformers name or "
                                         "path for source-MT similarity, e.g. LaBSE [default: packaged USE]."),
    checks: Optional[str] = typer.Option(None, "--checks", help="Comma-separated check ids to run "
                                         "[default: all; see 'mtcheck list-checks']."),
    no_embedding: bool = typer.Option(False, "--no-embedding", help="Skip both embedding similarity scorers "
                                      "(MT-reference and source-MT)."),
    fluency: Optional[str] = FLUENCY,
    no_fluency: bool = typer.Option(False, "--no-fluency", help="Same as --fluency off."),
    ter: Optional[bool] = typer.Option(None, "--ter/--no-ter", help="Also compute TER (slow on long "
                                       "segments) [default: no]."),
    lm_ref: Optional[bool] = typer.Option(None, "--lm-ref/--no-lm-ref", help="Also score the MT as a "
                                          "paraphrase of the reference with the language model: the best "
                                          "quality signal measured, about 11 segments/s [default: no]."),
    precision: Optional[str] = PRECISION,
    no_cache: bool = NO_CACHE,
    verdicts: Optional[Path] = typer.Option(None, "--verdicts", help="A reviewed segments.csv: suppress findings "
                                            "editors marked false-alarm on the same text, and report each "
                                            "check's precision."),
    post_edits: Optional[Path] = typer.Option(None, "--post-edits", help="The editors' final text, one line per "
                                              "segment: adds HTER and chrF against it and how well flags "
                                              "predicted the edits."),
    config: Optional[Path] = CONFIG,
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Quality gate: exit 1 if any segment is at "
                                          "least this severe (minor, major, critical)."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", help="Quality gate: exit 1 if the corpus "
                                               "quality is below this score."),
    max_flagged: Optional[float] = typer.Option(None, "--max-flagged", help="Quality gate: exit 1 if more than "
                                                "this share (0-1) of segments is flagged."),
    force: bool = typer.Option(False, "--force", help="Overwrite a report folder even if editors filled in "
                               "status/editor_note."),
    excel: bool = typer.Option(False, "--excel", help="Write the CSV files with a UTF-8 BOM for Excel."),
    xlsx: bool = typer.Option(False, "--xlsx", help="Also write segments.xlsx (frozen header, filters, "
                              "severity colours)."),
    parquet: bool = typer.Option(False, "--parquet", help="Also write segments.parquet (typed columns, for "
                                 "data tools; needs pyarrow: pip install 'mtcheck[parquet]')."),
    engine: str = typer.Option("local", "--engine", help="Where partitions run: local (this process) or dask "
                               "(a Dask cluster; see README 'Scale')."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: the scheduler, e.g. "
                                            "tcp://host:8786 [default: a LocalCluster on this machine]."),
    workers: int = typer.Option(2, "--workers", help="With --engine dask and no --scheduler: LocalCluster "
                                "worker processes."),
    partition_rows: int = typer.Option(5000, "--partition-rows", help="Rows per partition (a document is "
                                       "never split)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or summary table."),
) -> None:
    """Score and flag MT segments; write segments.csv, findings.csv, summary.json and report.html."""
    flags = {"target_lang": target_lang, "source_lang": source_lang, "model": model, "xmodel": xmodel,
             "checks": [c.strip() for c in checks.split(",") if c.strip()] if checks else None,
             "fluency": "off" if no_fluency else fluency, "ter": ter, "lm_ref": lm_ref, "precision": precision,
             "cache": False if no_cache else None,
             "verdicts": str(verdicts) if verdicts else None, "post_edits": str(post_edits) if post_edits else None}
    gate_flags = {"fail_on": fail_on, "fail_under": fail_under, "max_flagged": max_flagged}
    scorers = tuple(name for name, off in (("sacrebleu", False), ("embedding", no_embedding),
                                           ("crosslingual", no_embedding), ("fluency", no_fluency),
                                           ("lmref", False)) if not off)
    scale = {"engine": engine, "scheduler": scheduler, "workers": workers, "partition_rows": partition_rows}
    passed = _guard(_run_check, data, translations, source, references, fmt, columns, align, flags, gate_flags,
                    scorers, config, output, force, excel, xlsx, parquet, quiet, scale)
    if passed is False:
        raise typer.Exit(EXIT_GATE)


def _options(flags: dict, gate_flags: dict, scorers: tuple, config_path):
    """CheckOptions from the command line over the configuration over the defaults."""
    from mtcheck.editorial.config import load_config
    from mtcheck.pipeline import CheckOptions
    from mtcheck.editorial.routing import Gate

    cfg = load_config(config_path)
    values = {**cfg.values, **{k: v for k, v in flags.items() if v is not None}}
    gate = Gate(**{**cfg.gate, **{k: v for k, v in gate_flags.items() if v is not None}})
    return CheckOptions(**values, scorers=scorers or None, check_settings=cfg.check_settings,
                        routing=cfg.routing, gate=gate), cfg


def _engine(scale: dict):
    from mtcheck.run.engines import DaskEngine, LocalEngine
    from mtcheck.errors import UsageError

    if scale["partition_rows"] < 1:
        raise UsageError(f"--partition-rows must be at least 1, not {scale['partition_rows']}")
    if scale["engine"] == "local":
        if scale["scheduler"]:
            raise UsageError("--scheduler needs --engine dask")
        return LocalEngine()
    if scale["engine"] == "dask":
        if scale["workers"] < 1:
            raise UsageError(f"--workers must be at least 1, not {scale['workers']}")
        return DaskEngine(scale["scheduler"], workers=scale["workers"])
    raise UsageError(f"--engine must be local or dask, not '{scale['engine']}'")


def _run_check(data, translations, source, references, fmt, columns, align, flags, gate_flags, scorers,
               config_path, output, force, excel, xlsx, parquet, quiet, scale) -> bool:
    from rich.console import Console

    from mtcheck import pipeline
    from mtcheck.io import InputSpec, resolve
    from mtcheck.run.progress import RichProgress
    from mtcheck.report import ReportWriter

    options, cfg = _options(flags, gate_flags, scorers, config_path)
    spec = InputSpec(data=str(data) if data else None, mt=[str(p) for p in translations],
                     src=str(source) if source else None, refs=[str(p) for p in references],
                     fmt=fmt, columns=columns, target_lang=options.target_lang, align=align)
    console = Console(stderr=True, quiet=quiet)
    if cfg.path is not None and not quiet:
        console.print(f"configuration: {cfg.path}", highlight=False)
    if output is None and not spec.data and not spec.mt:
        from mtcheck.errors import UsageError
        raise UsageError("nothing to check", hint="give a file or folder, or -t MT.txt; see 'mtcheck check --help'")
    if parquet:
        from mtcheck.report.parquet import require_pyarrow
        require_pyarrow()
    engine = _engine(scale)
    named = [spec.data, spec.src, *spec.mt, *spec.refs, options.verdicts, options.post_edits]
    outdir = output or Path("reports") / resolve(spec)[0]
    # Checked before the slow part, not after; the folder is created only when the first partition is done.
    writer = ReportWriter(outdir, force, excel=excel, xlsx=xlsx, parquet=parquet, inputs=named)
    progress = RichProgress(console)
    try:
        with progress.running():
            paths = pipeline.run(spec, options, progress=None if quiet else progress, engine=engine, sink=writer,
                                 partition_rows=scale["partition_rows"])
    finally:
        writer.discard()
    if not quiet:
        _print_summary(console, writer.summary, paths)
    return _report_gate(writer.summary.get("gate"))


def _report_gate(gate: dict | None) -> bool:
    """Print the gate's verdict (even with --quiet: a failing CI job must say why); True when it passed."""
    if not gate:
        return True
    if gate["passed"]:
        rules = ", ".join(f"{k}={v}" for k, v in gate["rules"].items())
        typer.echo(f"mtcheck: quality gate passed ({rules})", err=True)
        return True
    for reason in gate["reasons"]:
        typer.echo(f"mtcheck: quality gate failed: {reason}", err=True)
    return False


def _print_summary(console, summary: dict, paths: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(f"{summary['name']}: {summary['segments']} segments"), show_edge=False)
    table.add_column("severity")
    table.add_column("segments", justify="right")
    for name, count in summary["severity_counts"].items():
        table.add_row(name, str(count))
    console.print(table)
    if summary["check_segments"]:
        top = ", ".join(f"{k} ({v})" for k, v in list(summary["check_segments"].items())[:5])
        console.print(f"Checks that fired most: {escape(top)}")
    for entry in summary["corpus_scores"][:12]:
        # System names and signatures are data: escape them so rich does not read "[a]" as markup.
        system = escape(f" [{entry['system']}]") if entry.get("system") else ""
        console.print(f"{escape(entry['metric'])}{system} = {entry['score']:.2f} ± {entry['ci95']:.2f}  "
                      f"[dim]{escape(entry['signature'])}[/dim]")
    if len(summary["corpus_scores"]) > 12:
        console.print("(more corpus scores in summary.json and the report)")
    verdicts = summary.get("verdicts")
    if verdicts:
        def count(n: int, word: str) -> str:
            return f"{n:,} {word}{'' if n == 1 else 's'}"
        console.print(f"Verdicts: {count(verdicts['reviewed'], 'reviewed segment')} read from "
                      f"{escape(str(verdicts['file']))}; {count(verdicts['suppressed_findings'], 'finding')} "
                      "suppressed as known false alarms.", highlight=False)
    report = paths["report.html"]
    console.print(f"Report: [bold]{escape(str(report))}[/bold]  (worklist: {escape(str(paths['segments.csv']))})")
    routes = ", ".join(f"{k} {v}" for k, v in summary.get("routes", {}).items())
    if routes:
        console.print(f"Routes: {escape(routes)}")
    if summary["flagged"]:
        console.print(f"Next: open the report and review the {summary['flagged']} flagged segments, worst first.")


@app.command("compare")
def compare_command(
    translations: List[Path] = typer.Option(..., "-t", "--translations", help="MT file of one system, one segment "
                                            "per line; repeat (two or more). The first is the baseline."),
    source: Optional[Path] = typer.Option(None, "-s", "--source", help="Source file, line-aligned."),
    references: List[Path] = typer.Option([], "-r", "--references", help="Reference file, line-aligned."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Report folder [default: "
                                          "reports/compare-NAME]."),
    target_lang: Optional[str] = TARGET_LANG,
    fluency: Optional[str] = FLUENCY,
    config: Optional[Path] = CONFIG,
    force: bool = typer.Option(False, "--force", help="Overwrite a report folder even if editors filled it in."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars."),
) -> None:
    """Compare systems: paired bootstrap on quality, chrF++ and BLEU; win/tie/loss; per-segment differences."""
    _guard(_run_compare, translations, source, references, output, target_lang, fluency, config, force, quiet)


def _run_compare(translations, source, references, output, target_lang, fluency, config, force, quiet) -> None:
    from rich.console import Console
    from rich.markup import escape

    from mtcheck import io, pipeline
    from mtcheck.editorial.compare import check_same_length, compare_systems
    from mtcheck.errors import UsageError
    from mtcheck.io import InputSpec
    from mtcheck.run.progress import RichProgress
    from mtcheck.report import prepare_outdir, write_report
    from mtcheck.report.csvfiles import _safe, write_csv

    if len(translations) < 2:
        raise UsageError("compare needs at least two systems", hint="give -t once per system: -t A.txt -t B.txt")
    options, _ = _options({"target_lang": target_lang, "fluency": fluency}, {}, None, config)
    spec = InputSpec(mt=[str(p) for p in translations], src=str(source) if source else None,
                     refs=[str(p) for p in references], target_lang=options.target_lang)
    if output is not None:
        prepare_outdir(output, force, create=False, inputs=[spec.src, *spec.mt, *spec.refs])
    check_same_length(io.load(spec))  # reading the files twice is cheap; a whole check first was not
    console = Console(stderr=True, quiet=quiet)
    progress = RichProgress(console)
    with progress.running():
        result = pipeline.run(spec, options, progress=None if quiet else progress)
        comparison, table = compare_systems(result.segments, options.target_lang)
        result.summary["comparison"] = comparison
        outdir = output or Path("reports") / f"compare-{result.summary['name']}"
        paths = write_report(result, outdir, force=force)
        write_csv(_safe(table), Path(outdir) / "compare.csv")
    typer.echo(f"baseline: {comparison['baseline']} ({comparison['segments']} segments, "
               f"{comparison['n_bootstrap']} paired bootstrap resamples)")
    for r in comparison["results"]:
        if r["delta"] is None:
            typer.echo(f"  {r['metric']:8} {r['system']}: {r['score']:.2f}")
        else:
            wtl = f"  win/tie/loss {r['wtl']}" if r["wtl"] else ""
            typer.echo(f"  {r['metric']:8} {r['system']}: {r['score']:.2f} ({r['delta']:+.2f}, p = {r['p_value']:.3f})"
                       f"{wtl}")
    console.print(f"Report: {escape(str(paths['report.html']))}  (per segment: {escape(str(Path(outdir) / 'compare.csv'))})")


@app.command("diff")
def diff_command(
    old: Path = typer.Argument(..., help="The earlier report folder."),
    new: Path = typer.Argument(..., help="The later report folder."),
    key: str = typer.Option("ids", "--key", help="Match segments by 'ids' (system, doc_id, seg_id) or 'text' "
                            "(hash of normalised src and mt)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="CSV to write [default: NEW/diff.csv]."),
) -> None:
    """Compare two report folders: new, resolved and persisting findings, and quality changes."""
    _guard(_run_diff, old, new, key, output)


def _run_diff(old, new, key, output) -> None:
    from mtcheck.editorial.diff import diff_reports
    from mtcheck.errors import OutputError
    from mtcheck.report.csvfiles import _safe, write_csv

    result = diff_reports(old, new, key)
    target = output or Path(new) / "diff.csv"
    if Path(target).name in ("segments.csv", "findings.csv", "summary.json", "report.html", "segments.xlsx"):
        raise OutputError("refusing to write the diff over a report file", path=str(target),
                          hint="give -o a new file name")
    write_csv(_safe(result.table), target)
    c = result.counts
    typer.echo(f"{c['matched']} segments matched ({c['added']} only in NEW, {c['removed']} only in OLD); "
               f"findings: {c['new_findings']} new, {c['resolved_findings']} resolved, "
               f"{c['persisting_findings']} persisting; {c['better']} better, {c['worse']} worse; "
               f"mean quality change {c['mean_quality_change']:+.2f}")
    worst = result.table[result.table["status"] == "worse"].sort_values("quality_change").head(5)
    for row in worst.itertuples():
        typer.echo(f"  worse: {row.doc_id} #{row.seg_id} quality {row.old_quality:.0f} -> {row.new_quality:.0f}"
                   f"{'  new: ' + row.new_checks if row.new_checks else ''}")
    typer.echo(f"Written: {target}")


@app.command("align")
def align_command(
    translations: Path = typer.Option(..., "-t", "--translations", help="MT: plain lines, running text or SRT."),
    references: Optional[Path] = typer.Option(None, "-r", "--references", help="Reference file."),
    source: Optional[Path] = typer.Option(None, "-s", "--source", help="Source file."),
    output: Path = typer.Option(..., "-o", "--output", help="TSV file to write (bead, confidence, texts)."),
    fmt: str = typer.Option("auto", "--format", help="Input format of the three files: auto, lines, doc or srt."),
    target_lang: str = typer.Option("en", "--target-lang", help="Language of the MT (picks the encoder)."),
    model: Optional[str] = typer.Option(None, "--model", help="sentence-transformers name or path for MT<->ref."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    """Align MT with its reference and/or source by content and write the beads as TSV for inspection."""
    _guard(_run_align, translations, references, source, output, fmt, target_lang, model, force)


def _run_align(translations, references, source, output, fmt, target_lang, model, force) -> None:
    import csv

    from rich.console import Console

    from mtcheck import align as align_mod
    from mtcheck import io as io_mod
    from mtcheck.errors import OutputError, UsageError
    from mtcheck.run.progress import RichProgress

    if references is None and source is None:
        raise UsageError("nothing to align the MT with", hint="give -r REF and/or -s SRC")
    if Path(output).exists() and not force:
        raise OutputError("exists already", path=str(output), hint="choose another -o or pass --force")
    spec = io_mod.InputSpec(mt=[str(translations)], src=str(source) if source else None,
                            refs=[str(references)] if references else [], fmt=fmt, align=True)
    loaded = io_mod.load(spec)
    console = Console(stderr=True)
    progress = RichProgress(console)
    with progress.running():
        rows = align_mod.rows_by_alignment(loaded.sides, target_lang, model, progress)
    columns = [c for c in ("doc_id", "seg_id", "align", "align_conf", "src", "mt", "ref", "file", "line")
               if c in rows.columns]
    try:
        rows[columns].to_csv(output, sep="\t", index=False, quoting=csv.QUOTE_NONE, escapechar="\\")
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=str(output)) from None
    counts = rows["align"].value_counts().to_dict()
    console.print(f"{len(rows)} beads ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}) -> {output}")


cache_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                        help="The persistent score cache: sentence vectors, language-model and sacrebleu scores.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how big, its bound, and its entries per model or metric."""
    from mtcheck.models.cache import ScoreCache

    info = _guard(ScoreCache().info)
    mb = 1024 * 1024
    typer.echo(f"cache: {info['path']}")
    if not info["exists"]:
        typer.echo("empty: no run has written it yet")
        return
    typer.echo(f"size: {info['bytes'] / mb:.1f} MB on disk (bound {info['max_bytes'] / mb:.0f} MB, "
               "$MTCHECK_CACHE_MAX_MB); least recently used entries go first")
    if info.get("error"):
        typer.echo(f"unusable: {info['error']} (run 'mtcheck cache clear' to start a new one)")
        return
    typer.echo(f"entries: {info['entries']:,}")
    for namespace, count in info["namespaces"].items():
        typer.echo(f"  {count:>9,}  {namespace}")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete the cache (also a damaged one). Converted models stay; the next run scores everything again."""
    from mtcheck.models.cache import ScoreCache

    store = ScoreCache()
    freed = _guard(store.clear)
    typer.echo(f"cleared {store.path} ({freed / (1024 * 1024):.1f} MB freed)")


@app.command("list-checks")
def list_checks() -> None:
    """List the rule checks and what each one looks for."""
    from mtcheck.checks import available

    for info in available().values():
        state = "on " if info.default else "off"
        typer.echo(f"{info.id:20s} {state} {info.scope:8s} {info.description}")


def main() -> None:
    app(prog_name="mtcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
