"""`mtcheck check`: the main job. The options become a `CheckOptions`, and one call to the pipeline writes
the report a partition at a time."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mtcheck.cli.app import (CONFIG, EXIT_GATE, FLUENCY, NO_CACHE, PRECISION, TARGET_LANG, _guard, app,
                             options_from)


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
    adapter: bool = typer.Option(False, "--adapter", help="Also score each (MT, reference) pair with the (MT, "
                                 "reference) adapter trained here (English targets; column xenc_ref; see "
                                 "docs/adapters.md). The quality score does not read it."),
    fluency: Optional[str] = FLUENCY,
    no_fluency: bool = typer.Option(False, "--no-fluency", help="Same as --fluency off."),
    ter: Optional[bool] = typer.Option(None, "--ter/--no-ter", help="Also compute TER (slow on long "
                                       "segments) [default: no]."),
    lm_ref: Optional[bool] = typer.Option(None, "--lm-ref/--no-lm-ref", help="Also score the MT as a "
                                          "paraphrase of the reference with the language model: the best "
                                          "quality signal measured, about 5 segments/s (14 when many "
                                          "systems share a reference) [default: no]."),
    xsim_margin: Optional[bool] = typer.Option(None, "--xsim-margin/--no-xsim-margin", help="Report source "
                                               "similarity as a margin over other rows' pairs too (a "
                                               "diagnostic column the quality score does not read; "
                                               "--no-xsim-margin saves its encoding) [default: yes]."),
    precision: Optional[str] = PRECISION,
    no_cache: bool = NO_CACHE,
    verdicts: Optional[str] = typer.Option(None, "--verdicts", help="A reviewed segments.csv, or the review "
                                           "desk's database URL (mtcheck serve): suppress findings editors "
                                           "marked false-alarm on the same text, and report each check's "
                                           "precision."),
    post_edits: Optional[Path] = typer.Option(None, "--post-edits", help="The editors' final text, one line per "
                                              "segment: adds HTER and chrF against it and how well flags "
                                              "predicted the edits."),
    config: Optional[Path] = CONFIG,
    calibration: Optional[Path] = typer.Option(None, "--calibration", help="A team's calibration: the quality "
                                               "head fitted to its own MQM marks by 'mtcheck calibrate "
                                               "--write'."),
    glossary: Optional[Path] = typer.Option(None, "--glossary", help="A glossary (TBX, CSV or TSV): flag "
                                            "glossary terms not used, forbidden terms used and "
                                            "do-not-translate terms changed (see docs/checks.md)."),
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
    annotate_xliff: Optional[Path] = typer.Option(None, "--annotate-xliff", help="Also write the input XLIFF "
                                                  "back to this file with the findings as ITS 2.0 quality "
                                                  "issues, quality as the rating and flagged units marked for "
                                                  "review (see docs/xliff.md)."),
    xliff_pass_state: Optional[str] = typer.Option(None, "--xliff-pass-state", help="With --annotate-xliff: "
                                                   "the state to give units that pass, e.g. signed-off (1.2) "
                                                   "or reviewed (2.0) [default: keep theirs]."),
    xliff_spans: bool = typer.Option(False, "--xliff-spans", help="With --annotate-xliff: mark each finding's "
                                     "span inside the target (a tool that keeps unknown markup when the "
                                     "text is edited then repeats the old text; see docs/xliff.md) "
                                     "[default: issues on the whole target, edit-safe]."),
    xliff_skip_states: Optional[str] = typer.Option(None, "--xliff-skip-states", help="With --annotate-xliff: "
                                                    "comma-separated states whose units are left as they are, "
                                                    "e.g. final,signed-off (work already accepted)."),
    engine: str = typer.Option("local", "--engine", help="Where partitions run: local (this process) or dask "
                               "(a Dask cluster; see docs/scale.md)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: the scheduler, e.g. "
                                            "tcp://host:8786 [default: a LocalCluster on this machine]."),
    workers: int = typer.Option(2, "--workers", help="With --engine dask and no --scheduler: LocalCluster "
                                "worker processes."),
    partition_rows: int = typer.Option(2000, "--partition-rows", help="Rows per partition (a document is "
                                       "never split)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or summary table."),
) -> None:
    """Score and flag MT segments; write segments.csv, findings.csv, summary.json and report.html."""
    flags = {"target_lang": target_lang, "source_lang": source_lang, "model": model, "xmodel": xmodel,
             "checks": checks,
             "fluency": "off" if no_fluency else fluency, "ter": ter, "lm_ref": lm_ref, "xsim_margin": xsim_margin,
             "precision": precision,
             "cache": False if no_cache else None,
             "verdicts": str(verdicts) if verdicts else None, "post_edits": str(post_edits) if post_edits else None,
             "calibration": str(calibration) if calibration else None,
             "glossary": str(glossary) if glossary else None, "adapter_ref": adapter or None}
    gate_flags = {"fail_on": fail_on, "fail_under": fail_under, "max_flagged": max_flagged}
    scorers = tuple(name for name, off in (("sacrebleu", False), ("embedding", no_embedding),
                                           ("crosslingual", no_embedding), ("fluency", no_fluency),
                                           ("xenc", False), ("lmref", False)) if not off)
    scale = {"engine": engine, "scheduler": scheduler, "workers": workers, "partition_rows": partition_rows}
    writes = {"excel": excel, "xlsx": xlsx, "parquet": parquet, "xliff": annotate_xliff,
              "pass_state": xliff_pass_state, "skip_states": xliff_skip_states, "spans": xliff_spans}
    passed = _guard(_run_check, data, translations, source, references, fmt, columns, align, flags, gate_flags,
                    scorers, config, output, force, writes, quiet, scale)
    if passed is False:
        raise typer.Exit(EXIT_GATE)


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


def _xliff_target(spec, writes: dict) -> dict | None:
    """--annotate-xliff's settings, once the input is known to be one XLIFF file."""
    from mtcheck.errors import UsageError
    from mtcheck.io import resolve

    if writes["xliff"] is None:
        if writes["pass_state"] or writes["skip_states"] or writes.get("spans"):
            raise UsageError("--xliff-pass-state, --xliff-skip-states and --xliff-spans need --annotate-xliff")
        return None
    _, resolved, table_fmt = resolve(spec)
    if table_fmt != "xliff":
        raise UsageError("--annotate-xliff writes back an XLIFF input, and this input is not one",
                         hint="check a .xlf/.xliff file (XLIFF 1.2 or 2.0)")
    from mtcheck.report.xliff import check_pass_state, check_writable

    check_pass_state(resolved.data, writes["pass_state"])
    check_writable(resolved.data)
    skip = [s.strip() for s in (writes["skip_states"] or "").split(",") if s.strip()]
    for state in skip:
        check_pass_state(resolved.data, state, "--xliff-skip-states")
    return {"source": resolved.data, "out": str(writes["xliff"]), "pass_state": writes["pass_state"],
            "skip_states": skip, "spans": bool(writes.get("spans"))}


def _desk_verdicts(options, outdir):
    """With --verdicts DB_URL: the review desk's verdicts for the project named like the report folder (or
    the database's only project), read before the slow part. None for a verdicts file."""
    from mtcheck.desk.store import is_db_url

    if not options.verdicts or not is_db_url(options.verdicts):
        return None
    from mtcheck.desk.exchange import project_for, verdicts_from_db
    from mtcheck.desk.store import open_db, shown_url

    db = open_db(options.verdicts, create=False)
    try:
        project = project_for(db, Path(outdir).resolve().name)
        return verdicts_from_db(db, project, f"{shown_url(options.verdicts)} (project {project})")
    finally:
        db.dispose()


def _run_check(data, translations, source, references, fmt, columns, align, flags, gate_flags, scorers,
               config_path, output, force, writes, quiet, scale) -> bool:
    from rich.console import Console

    from mtcheck import pipeline
    from mtcheck.io import InputSpec, resolve
    from mtcheck.run.progress import RichProgress
    from mtcheck.report import ReportWriter
    from mtcheck.report.console import print_summary

    options, cfg = options_from({**flags, "checks": _check_list(flags["checks"])}, gate_flags, scorers,
                                config_path)
    spec = InputSpec(data=str(data) if data else None, mt=[str(p) for p in translations],
                     src=str(source) if source else None, refs=[str(p) for p in references],
                     fmt=fmt, columns=columns, target_lang=options.target_lang or "en", align=align).spooled()
    console = Console(stderr=True, quiet=quiet)
    if cfg.path is not None and not quiet:
        from mtcheck.report.console import shown

        console.print(f"configuration: {shown(cfg.path)}", highlight=False)
    if output is None and not spec.data and not spec.mt:
        from mtcheck.errors import UsageError
        raise UsageError("nothing to check", hint="give a file or folder, or -t MT.txt; see 'mtcheck check --help'")
    if writes["parquet"]:
        from mtcheck.report.parquet import require_pyarrow
        require_pyarrow()
    xliff = _xliff_target(spec, writes)
    engine = _engine(scale)
    named = [spec.data, spec.src, *spec.mt, *spec.refs, options.verdicts, options.post_edits]
    outdir = output or Path("reports") / resolve(spec)[0]
    # Checked before the slow part, not after; the folder is created only when the first partition is done.
    writer = ReportWriter(outdir, force, excel=writes["excel"], xlsx=writes["xlsx"], parquet=writes["parquet"],
                          inputs=named, xliff=xliff)
    from_desk = _desk_verdicts(options, outdir)
    if from_desk is not None:  # the report names the database without its password
        from dataclasses import replace

        options = replace(options, verdicts=from_desk.path)
    progress = RichProgress(console)
    try:
        with progress.running():
            paths = pipeline.run(spec, options, progress=None if quiet else progress, engine=engine, sink=writer,
                                 partition_rows=scale["partition_rows"], verdicts=from_desk)
    finally:
        writer.discard()
    if not quiet:
        print_summary(console, writer.summary, paths)
    return _report_gate(writer.summary.get("gate"))


def _report_gate(gate: dict | None) -> bool:
    """Print the gate's verdict (even with --quiet: a failing CI job must say why); True when it passed."""
    if not gate:
        return True
    if gate["passed"]:
        rules = ", ".join(f"{k}={v}" for k, v in gate["rules"].items())
        typer.echo(f"mtcheck: quality gate passed ({rules})", err=True)
        return True
    from mtcheck.errors import printable

    for reason in gate["reasons"]:
        typer.echo(f"mtcheck: quality gate failed: {printable(reason)}", err=True)
    return False


def _check_list(checks: str | None) -> list[str] | None:
    """--checks as a list. An empty --checks is refused: in the library checks=[] means "no checks", but on
    the command line it is far more often an unset shell variable than a wish to skip every check."""
    if checks is None:
        return None
    names = [c.strip() for c in checks.split(",") if c.strip()]
    if not names:
        from mtcheck.errors import UsageError
        raise UsageError("--checks names no check", hint="name the checks to run, e.g. --checks "
                         "repeated-phrase,omission (see 'mtcheck list-checks'), or leave it out to run the "
                         "default checks")
    return names
