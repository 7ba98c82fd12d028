"""Command line: thin typer commands over the library.

Each command is one library call plus turning typed errors into exit codes:
0 finished, 2 bad input or usage (one line, no traceback), 3 internal error.
Nothing heavy is imported at module level, so `mtcheck --help` is instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from mtcheck import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="mtcheck: find the machine-translated segments an editor must fix.")

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
    fmt: str = typer.Option("auto", "--format", help="auto, lines, doc, tsv, csv or jsonl."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Map table headers to roles, e.g. "
                                          "src=source,mt=hypothesis,ref=reference."),
    target_lang: str = typer.Option("en", "--target-lang", help="Language of the MT (picks the BLEU tokenizer)."),
    model: Optional[str] = typer.Option(None, "--model", help="sentence-transformers name or local path for "
                                        "MT-reference similarity [default: packaged all-MiniLM-L6-v2]."),
    checks: Optional[str] = typer.Option(None, "--checks", help="Comma-separated check ids to run "
                                         "[default: all; see 'mtcheck list-checks']."),
    no_embedding: bool = typer.Option(False, "--no-embedding", help="Skip the embedding similarity scorer."),
    force: bool = typer.Option(False, "--force", help="Overwrite a report folder even if editors filled in "
                               "status/editor_note."),
    excel: bool = typer.Option(False, "--excel", help="Write the CSV files with a UTF-8 BOM for Excel."),
    xlsx: bool = typer.Option(False, "--xlsx", help="Also write segments.xlsx (frozen header, filters, "
                              "severity colours)."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or summary table."),
) -> None:
    """Score and flag MT segments; write segments.csv, findings.csv, summary.json and report.html."""
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import CheckOptions

    spec = InputSpec(data=str(data) if data else None, mt=[str(p) for p in translations],
                     src=str(source) if source else None, refs=[str(p) for p in references],
                     fmt=fmt, columns=columns)
    options = CheckOptions(target_lang=target_lang, model=model,
                           checks=[c.strip() for c in checks.split(",") if c.strip()] if checks else None,
                           scorers=("sacrebleu",) if no_embedding else None)
    _guard(_run_check, spec, options, output, force, excel, xlsx, quiet)


def _run_check(spec, options, output, force, excel, xlsx, quiet) -> None:
    from rich.console import Console

    from mtcheck import pipeline
    from mtcheck.progress import RichProgress
    from mtcheck.report import prepare_outdir, write_report

    console = Console(stderr=True, quiet=quiet)
    if output is None and not spec.data and not spec.mt:
        from mtcheck.errors import UsageError
        raise UsageError("nothing to check", hint="give a file or folder, or -t MT.txt; see 'mtcheck check --help'")
    if output is not None:
        prepare_outdir(output, force)  # fail before the slow part, not after
    progress = RichProgress(console)
    with progress.running():
        result = pipeline.run(spec, options, progress=None if quiet else progress)
        outdir = output or Path("reports") / result.summary["name"]
        done = progress("writing report", 1) if not quiet else None
        paths = write_report(result, outdir, force=force, excel=excel, xlsx=xlsx)
        if done:
            done(1)
    if not quiet:
        _print_summary(console, result.summary, paths)


def _print_summary(console, summary: dict, paths: dict) -> None:
    from rich.table import Table

    table = Table(title=f"{summary['name']}: {summary['segments']} segments", show_edge=False)
    table.add_column("severity")
    table.add_column("segments", justify="right")
    for name, count in summary["severity_counts"].items():
        table.add_row(name, str(count))
    console.print(table)
    if summary["check_segments"]:
        top = ", ".join(f"{k} ({v})" for k, v in list(summary["check_segments"].items())[:5])
        console.print(f"Checks that fired most: {top}")
    for entry in summary["corpus_scores"]:
        if "system" not in entry or entry.get("system") is None:
            console.print(f"{entry['metric']} = {entry['score']:.2f} ± {entry['ci95']:.2f}  [dim]{entry['signature']}[/dim]")
    report = paths["report.html"]
    console.print(f"Report: [bold]{report}[/bold]  (worklist: {paths['segments.csv']})")
    if summary["flagged"]:
        console.print(f"Next: open the report and review the {summary['flagged']} flagged segments, worst first.")


@app.command("list-checks")
def list_checks() -> None:
    """List the rule checks and what each one looks for."""
    from mtcheck.checks import available

    for info in available().values():
        typer.echo(f"{info.id:20s} {info.scope:8s} {info.description}")


def main() -> None:
    app(prog_name="mtcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
