"""What the real-XLIFF corpus test (tests/test_xliff_corpus.py) checks on each file, as functions a developer
can also run by hand on a new file:

    .venv/bin/python tests/xliff_corpus.py FILE...

1. the annotation round-trips: `mtcheck check FILE --annotate-xliff OUT` exits 0;
2. OUT validates against the official XSD of its version wherever FILE does (XLIFF 1.2 transitional,
   2.x core with its modules; tests/data/xliff-schemas, OASIS);
3. OUT gives FILE's canonical XML (exclusive C14N; where C14N refuses a relative namespace name, the
   same elements, attributes and texts in order) once mtcheck's additions are removed: its issue groups, markers,
   references and ratings (mtcheck.report.xliff_its.strip_earlier), its processing instructions and
   `its:version`, and the review states mtcheck set by design, each of which must be recorded in the
   `<?mtcheck-was?>` record with the state it had;
4. translate-toolkit reads OUT with the same units, in the same order, with the same source texts (where it
   reads FILE at all: its lxml refuses a namespace name that is no URI);
5. reading OUT back (`--verdicts OUT`) untouched yields no review and no verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "data" / "xliff-schemas"
STATE_ATTRS = {"state", "approved", "subState", "state-qualifier"}


class LocalSchemas:
    """An lxml resolver that serves the schemas' imports (xml.xsd, the 2.x modules) from SCHEMAS, never
    from the network."""

    def __init__(self) -> None:
        from lxml import etree

        class Resolver(etree.Resolver):
            def resolve(self, url, pubid, context):
                name = url.rsplit("/", 1)[-1]
                local = SCHEMAS / name
                return self.resolve_filename(str(local), context) if local.exists() else None

        self.parser = etree.XMLParser(no_network=True, load_dtd=False)
        self.parser.resolvers.add(Resolver())
        self._schemas: dict = {}

    def schema(self, version: str):
        from lxml import etree

        name = "xliff-core-1.2-transitional.xsd" if version.startswith("1") else "xliff-2.1-all.xsd"
        if name not in self._schemas:
            self._schemas[name] = etree.XMLSchema(etree.parse(str(SCHEMAS / name), self.parser))
        return self._schemas[name]

    def errors(self, data: bytes) -> list[str]:
        """The XSD errors of an XLIFF document (empty when it validates)."""
        from lxml import etree

        try:
            root = etree.fromstring(data, etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False,
                                                          huge_tree=True, collect_ids=False))
        except etree.XMLSyntaxError as exc:  # XML that libxml2 refuses (a namespace name that is no URI)
            return [f"not parsed by libxml2: {exc}"]
        schema = self.schema(root.get("version", "1.2"))
        return [] if schema.validate(root) else [str(e) for e in schema.error_log][:5]


def canonical(data: bytes, strip: bool, its_version: bool = False) -> bytes:
    """Exclusive C14N of an XLIFF document, without review-state attributes (compared separately against
    the was-record); with `strip`, after removing mtcheck's additions (`its:version` too, unless the
    original had it: `its_version`)."""
    from lxml import etree

    from mtcheck.report.xliff_file import parse
    from mtcheck.report.xliff_its import ITS, strip_earlier

    _, tree, _, _ = parse(data)
    root = tree.getroot()
    if strip:
        strip_earlier(root)
        if not its_version:
            root.attrib.pop(f"{{{ITS}}}version", None)
    for elem in root.iter():
        if isinstance(elem.tag, str):
            for name in STATE_ATTRS & set(elem.attrib):
                del elem.attrib[name]
    try:
        return etree.tostring(root, method="c14n", exclusive=True, with_comments=True)
    except etree.C14NError:  # C14N refuses relative namespace names ("myNamespaceURI"), which XML allows
        return repr([(e.tag if isinstance(e.tag, str) else str(e), sorted(e.attrib.items()) if isinstance(e.tag, str)
                      else [], e.text, e.tail) for e in root.iter()]).encode("utf-8")


def state_changes(before: bytes, after: bytes) -> dict:
    """{(doc, unit id): [(old, new) per row]} where mtcheck changed a row's review state, as the reader sees
    them (mtcheck.io.xliff.state_token)."""
    from mtcheck.io.xliff import iter_rows, doc_of, state_token
    from mtcheck.report.xliff_file import parse

    def states(data):
        root = parse(data)[1].getroot()
        out: dict = {}
        for seg, unit, version, file_elem in iter_rows(root):
            sub = seg.get("subState") if version != "1" else None
            token = state_token(seg, unit, version) + (f"|{sub}" if sub else "")
            out.setdefault((doc_of(file_elem, ""), unit.get("id", "")), []).append(token)
        return out

    old, new = states(before), states(after)
    return {key: list(zip(old[key], new.get(key, []))) for key in old if old[key] != new.get(key)}


def was_record(data: bytes) -> dict:
    from mtcheck.report.xliff import _earlier_was

    return _earlier_was(data)


def toolkit_units(data: bytes, version: str) -> list[tuple[str, str]]:
    """(id, source text) of each unit translate-toolkit reads."""
    if version.startswith("2"):
        from translate.storage.xliff2 import Xliff2File as store_class
    else:
        from translate.storage.xliff import xlifffile as store_class
    store = store_class.parsestring(data)
    return [(u.getid(), u.source) for u in store.units if not u.isheader()]


def run_cli(*args) -> tuple[int, str]:
    from typer.testing import CliRunner

    from mtcheck.cli import app

    result = CliRunner().invoke(app, ["check", *map(str, args), "--no-fluency", "--no-embedding", "-q"])
    return result.exit_code, result.output


def examine(path: Path, work: Path, schemas: LocalSchemas | None = None) -> dict:
    """Every criterion above on one file: {criterion: True, or what went wrong}."""
    from lxml import etree

    schemas = schemas or LocalSchemas()
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"annotated{path.suffix}"
    data = path.read_bytes()
    code, output = run_cli(path, "-o", work / "report", "--annotate-xliff", out)
    result: dict = {"annotated": code == 0 or output.strip()[-300:]}
    if code != 0:
        return result
    written = out.read_bytes()
    version = etree.fromstring(written, etree.XMLParser(resolve_entities=False, huge_tree=True, recover=True)).get(
        "version", "")
    input_errors, output_errors = schemas.errors(data), schemas.errors(written)
    result["validates"] = {"input": not input_errors, "output": not output_errors,
                           "ok": bool(input_errors) or not output_errors, "errors": output_errors[:2]}
    had_its = b"http://www.w3.org/2005/11/its" in data[:4096] and b"version=" in data[:4096]
    original = canonical(data, False)
    result["canonical"] = original == canonical(written, True, its_version=had_its and b":version" in original[:2000])
    changed, record = state_changes(data, written), was_record(written)
    result["states_recorded"] = all(
        [o for o, _ in pairs] == [s if s is not None else o for s, (o, _) in zip(record.get(key, []), pairs)]
        for key, pairs in changed.items()) or {"changed": list(changed)[:3], "record": list(record)[:3]}
    try:
        before = toolkit_units(data, version)
    except Exception:  # noqa: BLE001 - the toolkit cannot read the input either: nothing to compare
        before = None
    try:
        result["toolkit"] = "input unreadable" if before is None else before == toolkit_units(written, version)
    except Exception as exc:  # noqa: BLE001 - what the toolkit says is the finding
        result["toolkit"] = f"{type(exc).__name__}: {exc}"[:200]
    code, output = run_cli(path, "-o", work / "back", "--verdicts", out)
    if code == 0:
        verdicts = json.loads((work / "back" / "summary.json").read_text(encoding="utf-8")).get("verdicts", {})
        result["read_back"] = verdicts.get("reviewed", 0) == 0 and not verdicts.get("precision")
    else:
        result["read_back"] = output.strip()[-300:]
    return result


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(HERE.parent))
    for name in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            print(name, json.dumps(examine(Path(name), Path(tmp)), ensure_ascii=False, default=str))
