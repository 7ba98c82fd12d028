"""The console's account of a finished run: severities, the checks that fired most, corpus scores with
their signatures, the verdicts read, routes, and where the report is."""

from __future__ import annotations


def shown(value) -> str:
    """A value from the user's files or options as rich prints it: no markup, no terminal control codes."""
    from rich.markup import escape

    from mtcheck.errors import printable

    return escape(printable(value))


def nothing_translated(summary: dict) -> bool:
    """Whether no segment of the run has a translation: every one is an `omission` (or `empty-mt`), as in a
    CAT-tool file exported before anyone translated it (memoQ's "NotStarted" units)."""
    untranslated = summary["check_segments"].get("omission", 0) + summary["check_segments"].get("empty-mt", 0)
    return bool(summary["segments"]) and untranslated == summary["segments"]


def nothing_translated_words(summary: dict) -> str:
    return (f"Nothing is translated yet: none of the {summary['segments']:,} segments has a translation. "
            "Check the file again once it is translated or pre-translated.")


def print_summary(console, summary: dict, paths: dict) -> None:
    from rich.table import Table

    escape = shown

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
    annotated = summary.get("annotated_xliff")
    if annotated:
        issues = annotated["issues"]
        console.print(f"Annotated XLIFF: [bold]{escape(annotated['file'])}[/bold] ({issues} issue"
                      f"{'' if issues == 1 else 's'}; {annotated['flagged']} of {annotated['units']} units marked "
                      "for review)")
        if annotated.get("skipped_by_state"):
            console.print(f"{annotated['skipped_by_state']} units left as they were (--xliff-skip-states).",
                          highlight=False)
        if annotated.get("repeated_ids"):
            console.print(f"Note: {annotated['repeated_ids']} units share their id with another unit of their file, "
                          "or have none; when the file comes back they are matched by order and source text.",
                          highlight=False)
    routes = ", ".join(f"{k} {v}" for k, v in summary.get("routes", {}).items())
    if routes:
        console.print(f"Routes: {escape(routes)}")
    if nothing_translated(summary):
        # "Review the flagged segments" would send the editor to a worklist of empty translations.
        console.print(nothing_translated_words(summary), highlight=False)
    elif summary["flagged"]:
        n = summary["flagged"]
        console.print(f"Next: open the report and review the {n} flagged segment{'' if n == 1 else 's'}, "
                      "worst first.")
