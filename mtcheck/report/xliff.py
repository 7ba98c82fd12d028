"""Annotated XLIFF: the input XLIFF back, with mtcheck's findings where the translator's CAT tool shows them.

Per row (an XLIFF 1.2 `trans-unit`, an XLIFF 2.0 `segment`), using the W3C Internationalization Tag
Set 2.0 (ITS) in its namespace:

* every finding becomes a Localization Quality Issue: `locQualityIssueType` from `ITS_TYPES`,
  `locQualityIssueComment` the finding's message, `locQualityIssueSeverity` its severity's
  nominal cost on the quality scale (4 x its MQM weight: minor 4, major 20, critical 100; what it takes
  off `quality` is fitted per signal set, quality/fusion.py), and `locQualityIssueProfileRef`
  `urn:mtcheck:check:ID`, so a returned file still says which check raised it. They stand off in an
  `its:locQualityIssues` element of the unit, referenced by `its:locQualityIssuesRef`;
* a finding's span is wrapped in `<mrk>` (1.2 `mtype="x-its"`, 2.0 `type="its:any"`) when it lies
  inside one run of the target's text; a span that crosses inline codes, or a finding without a
  span, refers to the whole target;
* `quality` is the Localization Quality Rating (`its:locQualityRatingScore`, 0-100);
* flagged rows get a review state: 1.2 `state="needs-review-translation"` on the target, 2.0
  `state="translated"` with `subState="mtcheck:ROUTE"` on the segment. Rows that pass keep theirs,
  unless `pass_state` names one.

Where the attributes go follows the schemas' extension points: XLIFF 1.2 allows attributes of other
namespaces on `trans-unit` and `target` and elements of other namespaces at the end of a
`trans-unit`; XLIFF 2.0 allows them on `unit` and `mrk`, and elements at the start of a `unit`. So in
2.0 a row's rating and whole-target issues sit on an `<mrk>` around the target's content.

Everything else is left as it was: the XML declaration is copied byte for byte, and the tree is the
input's, parsed with lxml (comments, CDATA, namespaces and prefixes, whitespace and inline codes
kept), so the canonical XML of the output without the annotations is the input's
(tests/test_xliff_annotate.py). A processing instruction before the root records a fingerprint of
the states mtcheck wrote: a later run refuses to overwrite the file once a person has changed one,
unless forced. Each unit ends with `<?mtcheck-left states="..."?>`, the state mtcheck left each of its
rows in, so that the read-back (mtcheck/io/xliff.py) counts as a review only a state a person set: a
unit that was already final and that nobody touched is not a review. A flagged 1.2 unit that was
`approved="yes"` becomes `approved="no"`: a CAT tool would otherwise still show it as approved. The input has already been read by the defused reader (mtcheck/io/xmlsafe.py), which
refuses DTDs and entities; lxml then parses it without network or entity resolution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import OutputError, UsageError
from mtcheck.io.xliff import WAS_PI, doc_of, iter_rows, state_token, states_digest
from mtcheck.report.xliff_file import check_output, check_writable, child as _child, parse, serialise, uses_crlf
from mtcheck.report.xliff_its import (ITS, Ids, has_foreign_its, issue_group, mrk, place_groups, rate,
                                      reference, runs, strip_earlier, wrap, wrap_whole)

# check_output and check_writable are the CLI's and the report writer's, from here as before the split.
__all__ = ["RowAnnotation", "STATES", "annotate", "annotate_result", "check_output", "check_pass_state",
           "check_writable", "rows_for_annotation"]

@dataclass
class RowAnnotation:
    """What one row contributes: its identity (to check the pairing), verdict and findings."""

    doc_id: str
    seg_id: str
    mt: str
    quality: float
    flagged: bool
    route: str
    findings: list = field(default_factory=list)   # mtcheck.checks.Finding, spans into `mt`


# The review states each version defines (XLIFF 1.2 `state` on <target>, 2.0 `state` on <segment>).
STATES = {"1": ("new", "needs-translation", "needs-l10n", "needs-adaptation", "translated",
                "needs-review-translation", "needs-review-l10n", "needs-review-adaptation", "final", "signed-off"),
          "2": ("initial", "translated", "reviewed", "final")}


def check_pass_state(source: str | Path, pass_state: str | None, option: str = "--xliff-pass-state") -> None:
    """A UsageError unless `pass_state` is a state of the input's XLIFF version."""
    if not pass_state:
        return
    from mtcheck.io.xmlsafe import parse_xml

    version = "1" if parse_xml(source).get("version", "").startswith("1") else "2"
    if pass_state not in STATES[version] and not (version == "1" and re.fullmatch(r"x-[\w.-]+", pass_state)):
        raise UsageError(f"{option} '{pass_state}' is not an XLIFF {'1.2' if version == '1' else '2.0'} "
                         "state", hint=f"one of {', '.join(STATES[version])}" + (" or a user state x-NAME" if
                                                                                 version == "1" else ""))



def _spans(row: RowAnnotation, runs) -> tuple[list, list]:
    """(findings grouped by a span that fits one text run: [(run, start, end, [findings])], findings that
    go on the whole target). Overlapping spans stay whole-target: XLIFF 1.2 cannot nest them safely."""
    by_span: dict = {}
    whole = []
    for f in row.findings:
        if f.end <= f.start or (f.start == 0 and f.end >= len(row.mt)):
            whole.append(f)
            continue
        home = next((r for r in runs if r[2] <= f.start and f.end <= r[2] + len(r[3])), None)
        if home is None:
            whole.append(f)
            continue
        by_span.setdefault((id(home[0]), home[1], f.start, f.end), (home, []))[1].append(f)
    placed, last_end = [], {}
    for key in sorted(by_span, key=lambda k: (k[2], -k[3])):
        home, found = by_span[key]
        run_key = (key[0], key[1])
        if key[2] < last_end.get(run_key, -1):
            whole.extend(found)
            continue
        last_end[run_key] = key[3]
        placed.append((home, key[2] - home[2], key[3] - home[2], found))
    return placed, whole


def _annotate_row(seg, unit, version: str, row: RowAnnotation, ids: Ids, pass_state: str | None,
                  spans: bool = False) -> None:
    """One row's issues, rating and state. By default every issue is on the whole target (edit-safe:
    nothing of mtcheck's holds or precedes the translation's text, see `trailing`); with `spans`, a
    finding's span is wrapped in a marker inside the text."""
    target = _child(seg, "target")
    if version == "2" and target is None:
        # XLIFF 2.x: a segment without a target may not be `translated` (2.1 spec), and the ITS module
        # allows an issue reference only on <mrk>/<sm>, which need a target: it is left as it was
        # (issue 35). The report and segments.csv still list its findings.
        return
    groups = []
    placed, whole = _spans(row, runs(target) if target is not None else []) if spans else ([], list(row.findings))
    # Spans from the last to the first within a run, so earlier offsets stay true while the run is cut.
    for home, start, end, found in sorted(placed, key=lambda p: -p[1]):
        group = issue_group(unit, ids, found)
        groups.append(group)
        wrap(home, start, end, mrk(target, version, ids, refs=reference(group, version)))
    whole_ref = None
    if whole:
        group = issue_group(unit, ids, whole)
        groups.append(group)
        whole_ref = reference(group, version)
    if target is None:  # 1.2, no target to carry them: the trans-unit does (its schema allows it there)
        if whole_ref and unit.get(f"{{{ITS}}}locQualityIssuesRef") is None:
            unit.set(f"{{{ITS}}}locQualityIssuesRef", whole_ref)
    elif version == "1" and not has_foreign_its(target):
        rate(target, row.quality)
        if whole_ref:
            target.set(f"{{{ITS}}}locQualityIssuesRef", whole_ref)
    else:  # 2.x, or a 1.2 target that carries another tool's issues or rating: ours on a <mrk> of our own
        marker = mrk(target, version, ids, whole_ref, row.quality)
        if spans:
            wrap_whole(target, marker)
        # else it stays where mrk() made it: empty, after the target's last text (`trailing`)
    place_groups(unit, version, groups)
    _set_state(seg, target, version, row, pass_state)

def _set_state(seg, target, version: str, row: RowAnnotation, pass_state: str | None) -> None:
    if version == "1":
        if target is None:
            return
        if row.flagged:
            target.set("state", "needs-review-translation")
            if seg.get("approved") == "yes":  # a flagged unit is not approved any more (issue 35)
                seg.set("approved", "no")
        elif pass_state:
            target.set("state", pass_state)
    elif row.flagged:
        seg.set("state", "translated")
        seg.set("subState", "mtcheck:" + re.sub(r"[^\w.-]+", "-", row.route).strip("-"))
    elif pass_state:
        seg.set("state", pass_state)
        seg.attrib.pop("subState", None)  # another tool's subState qualified the state it replaced


def _left_record(units) -> str:
    """The `<?mtcheck-left ...?>` text: for each row mtcheck leaves in a signed-off state, its state token
    (mtcheck.io.xliff.state_token), as JSON {doc_id: {unit id: [token per row]}}, so that the read-back
    counts as a review only a sign-off a person made: a unit that was final before the run and that nobody
    touched is not a review (issue 35). Before the root, not in the units: translate-toolkit (and so the
    tools built on it) fails on a processing instruction inside a unit, and XLIFF 1.2's schemas admit
    other namespaces' attributes only with a schema of their own."""
    import json

    from mtcheck.io.xliff import SIGNED_OFF, doc_of

    record: dict = {}
    for seg, unit, version, file_elem in units:
        tokens = record.setdefault(doc_of(file_elem, ""), {}).setdefault(unit.get("id", ""), [])
        tokens.append(state_token(seg, unit, version))
    kept = {doc: {unit: tokens for unit, tokens in by_unit.items()
                  if any(t.split("+")[0] in SIGNED_OFF["1"] | SIGNED_OFF["2"] or t.endswith("+approved")
                         for t in tokens)}
            for doc, by_unit in record.items()}
    text = json.dumps({doc: by_unit for doc, by_unit in kept.items() if by_unit}, ensure_ascii=False,
                      separators=(",", ":"))
    return text.replace("?>", "?\\u003e")


def _state_of(seg, unit, version: str) -> str:
    """A row's review state with its qualifier: the state token, and in 2.x "|" and the subState if any."""
    sub = seg.get("subState") if version != "1" else None
    return state_token(seg, unit, version) + (f"|{sub}" if sub else "")


def _earlier_was(data: bytes) -> dict:
    """The `<?mtcheck-was ...?>` record of an earlier run of mtcheck on this file, {(doc, unit id): [...]}
    (read from the prolog's bytes: `parse` drops mtcheck's earlier records)."""
    import json

    found = re.search(rb"<\?" + WAS_PI.encode() + rb"\s(.*?)\?>", data[:data.find(b"<xliff") if b"<xliff" in data else 4096],
                      re.S)
    try:
        record = json.loads(found.group(1).decode("utf-8")) if found else {}
    except ValueError:  # damaged by hand: the states before this run are what there is
        return {}
    return {(str(doc), str(unit)): states for doc, units in record.items() if isinstance(units, dict)
            for unit, states in units.items() if isinstance(states, list)} if isinstance(record, dict) else {}


def _was_record(changed: dict) -> str:
    """The `<?mtcheck-was ...?>` text: for each row whose review state mtcheck changed, the state (and 2.x
    subState) it had before, as JSON {doc_id: {unit id: [state or null per row]}}. A 2.x `final` segment
    that mtcheck flags becomes `translated`, and a 1.2 target `needs-review-translation`: the record keeps
    what a client had accepted, for the reviewer and for a tool that restores it (issue 35). Beside the
    other records, before the root, for the reasons of `_left_record`."""
    import json

    record: dict = {}
    for (doc, unit), states in changed.items():
        if any(s is not None for s in states):
            record.setdefault(doc, {})[unit] = states
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).replace("?>", "?\\u003e")


def annotate(source: str | Path, out: str | Path, rows, force: bool = False, pass_state: str | None = None,
             skip_states: frozenset = frozenset(), spans: bool = False) -> dict:
    """Write `out`: the XLIFF at `source` with `rows` (RowAnnotation, one per row in the reader's order)
    as ITS annotations and review states. Rows in one of `skip_states` (say final and signed-off: work a
    client already accepted) are left exactly as they are, though the report lists their findings.
    Returns counts for the summary. Written to a temporary name and renamed, so a failure never leaves
    half a file."""
    import os

    check_output(source, out, force)
    data = Path(source).read_bytes()
    declaration, tree, codec, bom = parse(data)
    root = tree.getroot()
    root.set(f"{{{ITS}}}version", "2.0")
    earlier = _earlier_was(data)  # a re-run keeps what the rows were before mtcheck first changed them
    strip_earlier(root)  # an earlier annotation of mtcheck's is replaced, another tool's ITS data kept
    ids = Ids(root)
    rows = list(rows)
    units = list(iter_rows(root))
    if len(units) != len(rows):
        raise UsageError(f"the run has {len(rows)} rows but the XLIFF has {len(units)} units", path=str(source),
                         hint="--annotate-xliff writes back the XLIFF the run read; give it that file alone")
    issues = flagged = skipped = 0
    changed: dict = {}
    for (seg, unit, version, file_elem), row in zip(units, rows):
        key = (doc_of(file_elem, ""), unit.get("id", ""))
        states = changed.setdefault(key, [])
        position = len(states)
        before_run = earlier.get(key, [])
        states.append(before_run[position] if position < len(before_run) else None)
        if skip_states and state_token(seg, unit, version).split("+")[0] in skip_states:
            skipped += 1
            continue
        before = _state_of(seg, unit, version)
        _annotate_row(seg, unit, version, row, ids, pass_state, spans)
        if states[position] is None and _state_of(seg, unit, version) != before:
            states[position] = before
        issues += len(row.findings)
        flagged += bool(row.flagged)
    payload = serialise(declaration, tree, codec, bom, states_digest(root), _left_record(units),
                        was=_was_record(changed), crlf=uses_crlf(data if codec == "utf-8" else data.decode(codec).encode("utf-8")))
    out = Path(out)
    temp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        temp.write_bytes(payload)
        os.replace(temp, out)
    except OSError as exc:
        raise OutputError(f"cannot write the annotated XLIFF: {exc.strerror}", path=str(out)) from None
    finally:
        if temp.exists():
            temp.unlink()
    repeated = len(rows) - len({(r.doc_id, r.seg_id) for r in rows})
    return {"file": str(out), "units": len(rows), "issues": issues, "flagged": flagged, "repeated_ids": repeated,
            "skipped_by_state": skipped}


def rows_for_annotation(rows, found) -> list[RowAnnotation]:
    """RowAnnotations of one partition's rows (a segments DataFrame) and its findings [(index, Finding)]."""
    from mtcheck import schema as S
    from mtcheck.checks import findings_for

    by_row = findings_for(found)
    return [RowAnnotation(str(d), str(s), str(m) if isinstance(m, str) else "", float(q), bool(f), str(r),
                          by_row.get(i, []))
            for i, d, s, m, q, f, r in zip(rows.index, rows[S.DOC_ID], rows[S.SEG_ID], rows[S.MT], rows[S.QUALITY],
                                           rows[S.FLAGGED], rows[S.ROUTE])]


def annotate_result(result, source: str | Path, out: str | Path, force: bool = False,
                    pass_state: str | None = None) -> dict:
    """The Python API's way: annotate the XLIFF a `CheckResult` was checked from."""
    return annotate(source, out, rows_for_annotation(result.segments, result.findings), force, pass_state)
