"""The other commands: compare, diff, align, cache info/clear and list-checks."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mtcheck.cli.app import CONFIG, FLUENCY, TARGET_LANG, _guard, app, options_from


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

    from mtcheck import io, pipeline
    from mtcheck.editorial.compare import check_same_length, compare_systems
    from mtcheck.errors import UsageError
    from mtcheck.io import InputSpec
    from mtcheck.run.progress import RichProgress
    from mtcheck.report import prepare_outdir, write_report
    from mtcheck.report.csvfiles import formula_safe, write_csv
    from mtcheck.errors import printable
    from mtcheck.report.console import shown as escape

    if len(translations) < 2:
        raise UsageError("compare needs at least two systems", hint="give -t once per system: -t A.txt -t B.txt")
    options, _ = options_from({"target_lang": target_lang, "fluency": fluency}, {}, None, config)
    spec = InputSpec(mt=[str(p) for p in translations], src=str(source) if source else None,
                     refs=[str(p) for p in references], target_lang=options.target_lang or "en").spooled()
    if output is not None:
        prepare_outdir(output, force, create=False, inputs=[spec.src, *spec.mt, *spec.refs])
    check_same_length(io.load(spec))  # reading the files twice is cheap; a whole check first was not
    console = Console(stderr=True, quiet=quiet)
    progress = RichProgress(console)
    with progress.running():
        result = pipeline.run(spec, options, progress=None if quiet else progress)
        comparison, table = compare_systems(result.segments, options.target_lang or "en")
        result.summary["comparison"] = comparison
        outdir = output or Path("reports") / f"compare-{result.summary['name']}"
        paths = write_report(result, outdir, force=force)
        write_csv(formula_safe(table), Path(outdir) / "compare.csv")
    typer.echo(f"baseline: {printable(comparison['baseline'])} ({comparison['segments']} segments, "
               f"{comparison['n_bootstrap']} paired bootstrap resamples)")
    for r in comparison["results"]:
        if r["delta"] is None:
            typer.echo(f"  {r['metric']:8} {printable(r['system'])}: {r['score']:.2f}")
        else:
            wtl = f"  win/tie/loss {r['wtl']}" if r["wtl"] else ""
            typer.echo(f"  {r['metric']:8} {printable(r['system'])}: {r['score']:.2f} ({r['delta']:+.2f}, p = {r['p_value']:.3f})"
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
    from mtcheck.errors import OutputError, printable
    from mtcheck.report.csvfiles import formula_safe, write_csv

    result = diff_reports(old, new, key)
    target = output or Path(new) / "diff.csv"
    if Path(target).name in ("segments.csv", "findings.csv", "summary.json", "report.html", "segments.xlsx"):
        raise OutputError("refusing to write the diff over a report file", path=str(target),
                          hint="give -o a new file name")
    write_csv(formula_safe(result.table), target)
    c = result.counts
    typer.echo(f"{c['matched']} segments matched ({c['added']} only in NEW, {c['removed']} only in OLD); "
               f"findings: {c['new_findings']} new, {c['resolved_findings']} resolved, "
               f"{c['persisting_findings']} persisting; {c['better']} better, {c['worse']} worse; "
               f"mean quality change {c['mean_quality_change']:+.2f}")
    worst = result.table[result.table["status"] == "worse"].sort_values("quality_change").head(5)
    for row in worst.itertuples():
        typer.echo(f"  worse: {printable(row.doc_id)} #{printable(row.seg_id)} quality {row.old_quality:.0f} -> {row.new_quality:.0f}"
                   f"{'  new: ' + row.new_checks if row.new_checks else ''}")
    typer.echo(f"Written: {printable(target)}")


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
    from mtcheck.languages import normalise
    from mtcheck.report.console import shown
    from mtcheck.report.csvfiles import formula_safe
    from mtcheck.run.progress import RichProgress

    target_lang = normalise(target_lang)
    if references is None and source is None:
        raise UsageError("nothing to align the MT with", hint="give -r REF and/or -s SRC")
    if Path(output).exists() and not force:
        raise OutputError("exists already", path=str(output), hint="choose another -o or pass --force")
    spec = io_mod.InputSpec(mt=[str(translations)], src=str(source) if source else None,
                            refs=[str(references)] if references else [], fmt=fmt, align=True).spooled()
    loaded = io_mod.load(spec)
    console = Console(stderr=True)
    progress = RichProgress(console)
    with progress.running():
        rows = align_mod.rows_by_alignment(loaded.sides, target_lang, model, progress)
    columns = [c for c in ("doc_id", "seg_id", "align", "align_conf", "src", "mt", "ref", "file", "line")
               if c in rows.columns]
    try:
        # A TSV opens in a spreadsheet too: texts that would run as formulas are neutralised.
        formula_safe(rows[columns]).to_csv(output, sep="\t", index=False, quoting=csv.QUOTE_NONE, escapechar="\\")
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=str(output)) from None
    counts = rows["align"].value_counts().to_dict()
    console.print(f"{len(rows)} beads ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}) -> "
                  f"{shown(output)}", highlight=False)


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
