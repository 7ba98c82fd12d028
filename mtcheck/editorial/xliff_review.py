"""An annotated XLIFF the post-editor returned (`--post-edits FILE.xlf` or `--verdicts FILE.xlf`), read back.

Units are matched to the run's rows by id (the row's `doc_id`, the file's `original`, and its `seg_id`,
the unit or unit/segment id), never by position, except among units whose id repeats or is missing:
those are matched in order, and only where the source text agrees (`disambiguate`). From each matched unit:

* **Post-edit.** Its target is the editor's final text: HTER, chrF++ and `pe_changed` against the
  run's MT, as for a text file of post-edits (mtcheck/editorial/postedit.py).
* **Fixed.** A flagged row whose target the editor changed counts as a true alarm for each check
  that flagged it.
* **False alarm.** A unit that carries mtcheck's annotations and that the reviewer signed off (1.2
  `approved="yes"` or state `signed-off`/`final`; 2.0 state `reviewed`/`final`) with its text
  unchanged: a finding of this run whose issue the reviewer deleted there is a false alarm. So is
  one they disabled (`locQualityIssueEnabled="no"`), signed off or not. False alarms are suppressed
  as `--verdicts` suppresses them, and counted in each check's precision.

That a deleted issue was mtcheck's is known by this run finding it again on the unchanged text: the
returned file should be annotated by the same mtcheck with the same settings. A row of the run with
no unit, and a unit with no row, are listed in summary.json (`post_edits.deleted`, `post_edits.added`),
not matched by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def is_xliff(path) -> bool:
    """Whether an editors' file is XLIFF (by extension, or by its first bytes) rather than lines or a CSV."""
    from pathlib import Path

    from mtcheck.io import XLIFF_SUFFIXES, sniff_format

    suffix = Path(str(path)).suffix.lower()
    if suffix in XLIFF_SUFFIXES:
        return True
    return Path(str(path)).is_file() and sniff_format(str(path)) == "xliff"


@dataclass
class XliffReview:
    path: str
    units: dict = field(default_factory=dict)  # (doc_id, seg_id) -> the unit's dict (mtcheck.io.xliff)

    @classmethod
    def read(cls, path) -> "XliffReview":
        from mtcheck.io.xliff import read_reviewed_xliff

        found = read_reviewed_xliff(path)
        return cls(str(path), dict(zip(disambiguate([u["key"] for u in found]), found)))

    def post_edit(self, key, src: str | None = None) -> str | None:
        unit = self._unit(key, src)
        return unit["target"] if unit is not None and unit["target"] is not None else None

    def _unit(self, key, src: str | None = None):
        """The unit of a row; where ids repeat (key "id#2"), only if its source is the row's too."""
        unit = self.units.get(key)
        if unit is not None and src is not None and "#" in key[1] and not _same(unit["src"], src):
            return None
        return unit

    def is_false_alarm(self, key, mt: str, check: str) -> bool:
        unit = self._unit(key)
        if unit is None or not unit["annotated"]:
            return False
        if check in unit["disabled"]:
            return True
        unchanged = unit["target"] is not None and _same(unit["target"], mt)
        return unit["signed_off"] and unchanged and check not in unit["checks"]

    def reviews(self) -> dict:
        """The report's pre-filled statuses (mtcheck.editorial.verdicts), keyed by (doc id, segment id, text
        key) as a row of the run is: units the reviewer signed off are `ok`."""
        from mtcheck.editorial.diff import text_key

        return {(*u["key"], text_key(u["src"], u["target"])): ("ok", "") for u in self.units.values()
                if u["signed_off"] and u["target"] is not None}


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def row_keys(frame) -> list:
    """Each row's key among the returned file's units (see `disambiguate`)."""
    from mtcheck import schema as S

    return disambiguate(list(zip(frame[S.DOC_ID].astype(str), frame[S.SEG_ID].astype(str))))


def disambiguate(keys: list) -> list:
    """(doc_id, seg_id) keys made unique by position: the second unit with a repeated or missing id in a
    document becomes (doc_id, "id#2"), the third "id#3". CAT tools write such files (issue 35); they are
    matched by position among the units that share the id, and by their source text
    (`XliffReview._unit`). A run's partitions never split a document, so a partition's rows count their
    repeats as the whole file does."""
    seen: dict = {}
    out = []
    for doc, seg in keys:
        n = seen[(doc, seg)] = seen.get((doc, seg), 0) + 1
        out.append((doc, seg if n == 1 else f"{seg}#{n}"))
    return out
