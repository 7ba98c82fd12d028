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

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import OutputError, UsageError
from mtcheck.io.xliff import ANNOTATED_PI, LEFT_PI, iter_rows, state_token, states_digest

ITS = "http://www.w3.org/2005/11/its"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
PROFILE = "urn:mtcheck:check:"

# mtcheck check -> ITS 2.0 locQualityIssueType (https://www.w3.org/TR/its20/#lqissue-typevalues).
ITS_TYPES = {
    "omission": "omission", "addition": "addition", "untranslated": "untranslated",
    "copied-source": "untranslated", "source-script": "untranslated", "wrong-language": "untranslated",
    "duplicate-segment": "duplication", "repeated-phrase": "duplication", "doubled-word": "duplication",
    "number-mismatch": "numbers", "hallucination": "mistranslation", "low-quality": "mistranslation",
    "grammar": "grammar", "spelling": "misspelling", "low-fluency": "style",
    "run-on": "typographical", "no-terminal-punct": "typographical", "unbalanced-brackets": "typographical",
    "markup-remnant": "markup", "tag-trail": "formatting", "lone-label": "formatting",
    "length-ratio": "length",
}
SEVERITY = {"minor": 4, "major": 20, "critical": 100}  # nominal quality points per severity (4 x MQM weight)


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


def check_pass_state(source: str | Path, pass_state: str | None) -> None:
    """A UsageError unless `pass_state` is a state of the input's XLIFF version."""
    if not pass_state:
        return
    from mtcheck.io.xmlsafe import parse_xml

    version = "1" if parse_xml(source).get("version", "").startswith("1") else "2"
    if pass_state not in STATES[version]:
        raise UsageError(f"--xliff-pass-state '{pass_state}' is not an XLIFF {'1.2' if version == '1' else '2.0'} "
                         "state", hint=f"one of {', '.join(STATES[version])}")


def its_type(check: str) -> str:
    return ITS_TYPES.get(check, "other")


# --- the output file: never the input, never a file a person changed since ---------------------------

def check_output(source: str | Path, out: str | Path, force: bool = False) -> None:
    """Raise unless `out` may be written: it is not the input, and it does not exist, or it is an earlier
    annotation of mtcheck's whose states nobody has changed (or `force`)."""
    source, out = Path(source), Path(out)
    if out.exists() and out.resolve() == source.resolve():
        raise OutputError("is the input; the annotated copy never overwrites it", path=str(out),
                          hint="give --annotate-xliff another file name")
    if out.exists() and out.is_dir():
        raise OutputError("is a folder; --annotate-xliff names a file", path=str(out))
    if not out.parent.is_dir():
        raise OutputError(f"cannot be written: the folder {out.parent} does not exist", path=str(out),
                          hint="create the folder first, or give another path")
    if not out.exists() or force:
        return
    data = out.read_bytes()
    recorded = re.search(rb"<\?" + ANNOTATED_PI.encode() + rb"\s+states=\"([0-9a-f]{64})\"", data[:4096])
    if recorded is None:
        raise OutputError("exists and was not written by mtcheck", path=str(out),
                          hint="choose another file name, or pass --force to overwrite it")
    try:
        current = states_digest(_parse(data)[1].getroot())
    except Exception:  # a file mtcheck wrote that no longer parses: a person has been at it
        current = ""
    if current != recorded.group(1).decode():
        raise OutputError("holds review states a person has changed since mtcheck wrote it", path=str(out),
                          hint="save their work under another name, or pass --force to overwrite it")


# --- parsing and writing, keeping the declaration and everything else ---------------------------------

_DECL = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _encoding(data: bytes) -> tuple[str, bool]:
    """(codec, has BOM) of an XML file: its byte-order mark, else its declaration, else UTF-8."""
    from mtcheck.io.base import wide_encoding

    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8", True
    wide = wide_encoding(data[:4])
    if wide:
        return wide, True
    found = _ENCODING.search(data[:200].decode("ascii", "replace"))
    return (found.group(1).lower() if found else "utf-8"), False


def _parse(data: bytes):
    """(declaration text, lxml tree, codec, BOM) of an XML file's bytes, with the ITS namespace declared on the
    root element, so that every ITS attribute and element uses one prefix: `its`, or `its1`, `its2`... where
    the root already binds `its` to another namespace.

    What the defused reader accepted (well-formed XML) is read here too: libxml2 would refuse duplicate
    `xml:id` values (both Okapi-made samples of the W3C ITS test suite have them) and a namespace name
    that is not a URI (`xmlns:tos="GMAPS: https://..."`, a Matecat test file), which XML itself allows, so
    IDs are not collected and namespace warnings are not errors (issue 35). `_readable` then checks that
    nothing was lost."""
    from lxml import etree

    codec, bom = _encoding(data)
    text = data.decode(codec)
    if text.startswith("\ufeff"):
        text = text[1:]
    decl = _DECL.match(text)
    declaration = decl.group(0) if decl else ""
    body = text[len(declaration):]
    # An earlier annotation's records (before the root): a re-run with --force writes them anew.
    start_tag = re.search(r"<(?![?!])", body)
    prolog_end = start_tag.start() if start_tag else len(body)
    body = re.sub(r"<\?mtcheck-(?:annotated|left)\b.*?\?>\n?", "", body[:prolog_end], flags=re.S) + body[prolog_end:]
    start = re.search(r"<(?![?!])[\w:.-]+", body)
    end = _start_tag_end(body, start.end()) if start else -1
    if start and not re.search(r"""xmlns:[\w.-]+\s*=\s*["']http://www\.w3\.org/2005/11/its["']""",
                                  body[start.start():end]):
        taken = set(re.findall(r"xmlns:([\w.-]+)\s*=", body[start.start():end]))
        prefix = next(p for p in ("its", *(f"its{n}" for n in range(1, 100))) if p not in taken)
        body = body[:end] + f' xmlns:{prefix}="{ITS}"' + body[end:]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, strip_cdata=False,
                             remove_blank_text=False, huge_tree=False, collect_ids=False, recover=True)
    tree = etree.ElementTree(etree.fromstring(body.encode("utf-8"), parser))
    return declaration, tree, codec, bom


def check_writable(source: str | Path) -> None:
    """Before the run: an InputError unless the input XLIFF can be written back whole (`_parse` reads every
    element the defused reader read). Else the run would end, after all its work, with nothing written."""
    from mtcheck.errors import InputError
    from mtcheck.io.xmlsafe import parse_xml

    data = Path(source).read_bytes()
    try:
        tree = _parse(data)[1]
    except Exception as exc:  # lxml's own refusal, whatever its kind
        raise InputError(f"cannot be written back with annotations ({type(exc).__name__}: {exc})",
                         path=str(source), hint="check it without --annotate-xliff") from None
    expected = sum(1 for _ in parse_xml(source).iter())
    found = sum(1 for e in tree.getroot().iter() if isinstance(e.tag, str))
    if found != expected:
        raise InputError(f"cannot be written back whole: {expected - found} elements would be lost",
                         path=str(source), hint="check it without --annotate-xliff")


def _start_tag_end(text: str, pos: int) -> int:
    """The index of the `>` or `/>` closing the start tag whose name ends at `pos` (quotes respected)."""
    quote = None
    while pos < len(text):
        ch = text[pos]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return pos - 1 if text[pos - 1] == "/" else pos
        pos += 1
    return pos


def _serialise(declaration: str, tree, codec: str, bom: bool, digest: str, left: str) -> bytes:
    from lxml import etree

    body = etree.tostring(tree, encoding="unicode")
    mark = f'<?{ANNOTATED_PI} states="{digest}"?>\n' + (f'<?{LEFT_PI} {left}?>\n' if left != "{}" else "")
    text = (declaration + "\n" if declaration else "") + mark + body + "\n"
    data = text.encode(codec, "xmlcharrefreplace")
    if bom and codec == "utf-8":
        data = b"\xef\xbb\xbf" + data
    return data


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(elem, name):
    return next((c for c in elem if _local(c.tag) == name), None)


# --- text runs of a target, as the reader flattens it ---------------------------------------------------

def _runs(target) -> list[tuple[object, str, int, str]]:
    """Every run of the target's own text as (element, "text" or "tail", offset in the flattened `mt`,
    the text), walking the target exactly as mtcheck.io.xmlsafe.inline_text flattens it."""
    from mtcheck.io.xmlsafe import PAIRED, STANDALONE, TRANSPARENT

    runs: list = []
    at = 0

    def walk(elem):
        nonlocal at
        if elem.text:
            runs.append((elem, "text", at, elem.text))
            at += len(elem.text)
        for child in elem:
            if not isinstance(child.tag, str):  # comments and processing instructions carry no text
                pass
            else:
                name = _local(child.tag)
                ident = child.get("id") or child.get("i") or child.get("x") or ""
                if name in PAIRED:
                    at += len(f"{{{name}:{ident}}}")
                    walk(child)
                    at += len(f"{{/{name}:{ident}}}")
                elif name in STANDALONE:
                    at += len(f"{{{name}:{ident}}}")
                elif name in TRANSPARENT:
                    walk(child)
            if child.tail:
                runs.append((child, "tail", at, child.tail))
                at += len(child.tail)
    walk(target)
    return runs


def _wrap(run, start: int, end: int, mrk):
    """Put text [start, end) of `run` (offsets into its own text) into `mrk`, in place. The run's current
    text is read, not the one recorded: an earlier cut of a later span has shortened it."""
    elem, where = run[0], run[1]
    text = (elem.text if where == "text" else elem.tail) or ""
    mrk.text, mrk.tail = text[start:end], text[end:]
    if where == "text":
        elem.text = text[:start]
        elem.insert(0, mrk)
    else:
        elem.tail = text[:start]
        elem.addnext(mrk)


# --- annotating -------------------------------------------------------------------------------------------

class _Ids:
    """Fresh ids: xml:id over the document, mrk ids within a unit."""

    def __init__(self, root) -> None:
        self.taken = {v for e in root.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
                      if k in (XML_ID, "id")}
        self.n = 0

    def new(self, stem: str) -> str:
        while True:
            self.n += 1
            ident = f"{stem}{self.n}"
            if ident not in self.taken:
                self.taken.add(ident)
                return ident


def _issue_group(unit, ids: _Ids, findings) -> object:
    """An `its:locQualityIssues` element, made inside `unit` so that it takes the root's `its` prefix."""
    from lxml import etree

    group = etree.SubElement(unit, f"{{{ITS}}}locQualityIssues")
    group.set(XML_ID, ids.new("mtcheck-lqi-"))
    for f in findings:
        issue = etree.SubElement(group, f"{{{ITS}}}locQualityIssue")
        issue.set("locQualityIssueType", its_type(f.check))
        issue.set("locQualityIssueComment", f.message)
        issue.set("locQualityIssueSeverity", str(SEVERITY.get(f.severity, 4)))
        issue.set("locQualityIssueProfileRef", PROFILE + f.check)
    return group


def _place_groups(unit, version: str, groups: list) -> None:
    """Stand-off groups into the unit where its schema allows other namespaces, indented like its children."""
    if not groups:
        return
    for group in groups:  # made at the unit's end; placed below
        unit.remove(group)
    kids = [c for c in unit]
    indent = unit.text if unit.text and not unit.text.strip() else ""
    for group in groups:
        if version == "1":  # at the end of the trans-unit
            last = kids[-1] if kids else None
            if last is not None:
                group.tail, last.tail = last.tail, indent
            else:
                group.tail = unit.text
            unit.append(group)
            kids.append(group)
        else:  # at the start of the unit
            group.tail = indent
            unit.insert(0, group)


def _mrk(target, version: str, ids: _Ids, refs: str | None = None, rating: float | None = None):
    """A `<mrk>` in the target's own namespace, made inside it (so prefixes are the document's); the caller
    moves it where it belongs."""
    from lxml import etree

    ns = target.tag[1:].split("}", 1)[0] if target.tag.startswith("{") else ""
    mrk = etree.SubElement(target, f"{{{ns}}}mrk" if ns else "mrk")
    if version == "1":
        mrk.set("mtype", "x-its")
    else:
        mrk.set("id", ids.new("mtcheck"))
        mrk.set("type", "its:any")
    if refs:
        mrk.set(f"{{{ITS}}}locQualityIssuesRef", refs)
    if rating is not None:
        mrk.set(f"{{{ITS}}}locQualityRatingScore", _score(rating))
    return mrk


def _score(quality: float) -> str:
    return f"{max(0.0, min(100.0, float(quality))):.1f}"


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


def _annotate_row(seg, unit, version: str, row: RowAnnotation, ids: _Ids, pass_state: str | None) -> None:
    target = _child(seg, "target")
    if version == "2" and target is None:
        # XLIFF 2.x: a segment without a target may not be `translated` (2.1 spec), and the ITS module
        # allows an issue reference only on <mrk>/<sm>, which need a target: it is left as it was
        # (issue 35). The report and segments.csv still list its findings.
        return
    groups = []
    placed, whole = _spans(row, _runs(target) if target is not None else [])
    # Spans from the last to the first within a run, so earlier offsets stay true while the run is cut.
    for home, start, end, found in sorted(placed, key=lambda p: -p[1]):
        group = _issue_group(unit, ids, found)
        groups.append(group)
        _wrap(home, start, end, _mrk(target, version, ids, refs="#" + group.get(XML_ID)))
    whole_ref = None
    if whole:
        group = _issue_group(unit, ids, whole)
        groups.append(group)
        whole_ref = "#" + group.get(XML_ID)
    if target is None:  # 1.2, no target to carry them: the trans-unit does (its schema allows it there)
        if whole_ref:
            unit.set(f"{{{ITS}}}locQualityIssuesRef", whole_ref)
    elif version == "1":
        target.set(f"{{{ITS}}}locQualityRatingScore", _score(row.quality))
        if whole_ref:
            target.set(f"{{{ITS}}}locQualityIssuesRef", whole_ref)
    else:
        _wrap_whole(target, _mrk(target, version, ids, whole_ref, row.quality))
    _place_groups(unit, version, groups)
    _set_state(seg, target, version, row, pass_state)


def _wrap_whole(target, mrk) -> None:
    """Move the target's whole content into `mrk`, and `mrk` into the target."""
    mrk.text, target.text = target.text, None
    for child in list(target):
        if child is not mrk:
            mrk.append(child)


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


def annotate(source: str | Path, out: str | Path, rows, force: bool = False, pass_state: str | None = None) -> dict:
    """Write `out`: the XLIFF at `source` with `rows` (RowAnnotation, one per row in the reader's order)
    as ITS annotations and review states. Returns counts for the summary. Written to a temporary name
    and renamed, so a failure never leaves half a file."""
    import os

    check_output(source, out, force)
    data = Path(source).read_bytes()
    declaration, tree, codec, bom = _parse(data)
    root = tree.getroot()
    root.set(f"{{{ITS}}}version", "2.0")
    ids = _Ids(root)
    rows = list(rows)
    units = list(iter_rows(root))
    if len(units) != len(rows):
        raise UsageError(f"the run has {len(rows)} rows but the XLIFF has {len(units)} units", path=str(source),
                         hint="--annotate-xliff writes back the XLIFF the run read; give it that file alone")
    issues = flagged = 0
    for (seg, unit, version, _), row in zip(units, rows):
        _annotate_row(seg, unit, version, row, ids, pass_state)
        issues += len(row.findings)
        flagged += bool(row.flagged)
    payload = _serialise(declaration, tree, codec, bom, states_digest(root), _left_record(units))
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
    return {"file": str(out), "units": len(rows), "issues": issues, "flagged": flagged}


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
