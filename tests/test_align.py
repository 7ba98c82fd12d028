"""Positional alignment and the unequal-count error."""

import pytest

from conftest import TED_LINES
from mtcheck.align import align, first_divergence
from mtcheck.errors import AlignmentError
from mtcheck.io import InputSpec, load


def test_line_aligned_rows_pair_by_position():
    rows = align(load(InputSpec(data=str(TED_LINES))))
    assert len(rows) == 40
    assert rows.loc[1, "src"].startswith("我们站在地球上")
    assert rows.loc[1, "ref"].startswith("We can stand on the Earth")
    assert set(rows["align"]) == {"1-1"} and set(rows["align_conf"]) == {1.0}


def test_unequal_counts_name_files_counts_and_divergence(tmp_path):
    ref_lines = (TED_LINES / "ref.txt").read_text(encoding="utf-8").split("\n")
    del ref_lines[9]  # drop the tenth reference sentence
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join(ref_lines), encoding="utf-8")
    with pytest.raises(AlignmentError) as err:
        align(load(InputSpec(mt=[str(TED_LINES / "mt.txt")], refs=[str(ref)])))
    message = err.value.one_line()
    assert "40 segments" in message and "39" in message and str(ref) in message
    # the first visible divergence is at or just after the dropped line, never before it
    assert "diverge at segment" in message
    assert 10 <= err.value.line <= 14


def test_first_divergence_absorbs_language_length_ratio():
    src = (TED_LINES / "src.txt").read_text(encoding="utf-8").splitlines()
    mt = (TED_LINES / "mt.txt").read_text(encoding="utf-8").splitlines()
    assert first_divergence(src, mt) is None  # zh is ~3x shorter than en, consistently
    assert first_divergence(src, mt[:5] + mt[6:]) is not None
