"""Annotated XLIFF, the file: read it as lxml keeps it, write it back byte for byte but for mtcheck's additions,
and never over the input or over a file a person has changed since mtcheck wrote it (report/xliff.py)."""

from __future__ import annotations

import re
from pathlib import Path

from mtcheck.errors import OutputError
from mtcheck.io.xliff import ANNOTATED_PI, LEFT_PI, WAS_PI, states_digest

ITS = "http://www.w3.org/2005/11/its"


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
        current = states_digest(parse(data)[1].getroot())
    except Exception:  # a file mtcheck wrote that no longer parses: a person has been at it
        current = ""
    if current != recorded.group(1).decode():
        raise OutputError("holds review states a person has changed since mtcheck wrote it", path=str(out),
                          hint="save their work under another name, or pass --force to overwrite it")


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


def parse(data: bytes):
    """(declaration text, lxml tree, codec, BOM) of an XML file's bytes, with the ITS namespace declared on the
    root element, so that every ITS attribute and element uses one prefix: `its`, or `its1`, `its2`... where
    the root already binds `its` to another namespace.

    What the defused reader accepted (well-formed XML) is read here too: libxml2 would refuse duplicate
    `xml:id` values (both Okapi-made samples of the W3C ITS test suite have them) and a namespace name
    that is not a URI (`xmlns:tos="GMAPS: https://..."`, a Matecat test file), which XML itself allows, so
    IDs are not collected and namespace warnings are not errors (issue 35). `check_writable` then checks that
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
    body = re.sub(r"<\?mtcheck-(?:annotated|left|was)\b.*?\?>\n?", "", body[:prolog_end], flags=re.S) + body[prolog_end:]
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
    """Before the run: an InputError unless the input XLIFF can be written back whole (`parse` reads every
    element the defused reader read). Else the run would end, after all its work, with nothing written."""
    from mtcheck.errors import InputError
    from mtcheck.io.xmlsafe import parse_xml

    data = Path(source).read_bytes()
    try:
        tree = parse(data)[1]
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


def serialise(declaration: str, tree, codec: str, bom: bool, digest: str, left: str, was: str = "{}",
              crlf: bool = False) -> bytes:
    """The annotated file's bytes. With `crlf` (the input ended its lines so), every line ends in CR LF: XML
    parsers turn line ends into LF, and a Windows tool's file came back with LF (issue 35). A CR inside
    text is a character reference (&#13;) in lxml's output, never a raw CR, so no line end is doubled."""
    from lxml import etree

    body = etree.tostring(tree, encoding="unicode")
    mark = (f'<?{ANNOTATED_PI} states="{digest}"?>\n' + (f'<?{LEFT_PI} {left}?>\n' if left != "{}" else "")
            + (f'<?{WAS_PI} {was}?>\n' if was != "{}" else ""))
    text = (declaration + "\n" if declaration else "") + mark + body + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(codec, "xmlcharrefreplace")
    if bom and codec == "utf-8":
        data = b"\xef\xbb\xbf" + data
    return data


def uses_crlf(data: bytes) -> bool:
    """Whether an XML file's lines end in CR LF (all of them, as a Windows tool writes them)."""
    lines = data.count(b"\n")
    return lines > 0 and data.count(b"\r\n") == lines


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(elem, name):
    return next((c for c in elem if local(c.tag) == name), None)
