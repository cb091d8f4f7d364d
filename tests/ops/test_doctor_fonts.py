"""doctor says whether CJK fonts are installed, and how to install them."""

from __future__ import annotations

from pathlib import Path

from dotsocr.ops.doctor import font_checks
from dotsocr.ops.machine import MachineFacts, probe_cjk_fonts


def test_cjk_font_files_are_found_by_name_in_nested_folders(tmp_path: Path):
    fonts = tmp_path / "fonts"
    (fonts / "opentype" / "noto").mkdir(parents=True)
    (fonts / "opentype" / "noto" / "NotoSansCJK-Regular.ttc").write_bytes(b"")
    (fonts / "truetype" / "fonts-japanese-gothic.ttf").parent.mkdir(parents=True)
    (fonts / "truetype" / "ipaexg.ttf").write_bytes(b"")
    (fonts / "truetype" / "DejaVuSans.ttf").write_bytes(b"")
    (fonts / "truetype" / "cjk-notes.txt").write_bytes(b"")
    found = probe_cjk_fonts((fonts, tmp_path / "absent"))
    assert found == ("NotoSansCJK-Regular.ttc", "ipaexg.ttf")


def test_no_cjk_font_is_a_warning_with_the_package_to_install():
    (check,) = font_checks(MachineFacts(cjk_fonts=()))
    assert check.status == "warn"
    assert check.advice is not None and "fonts-noto-cjk" in check.advice
    (check,) = font_checks(MachineFacts(cjk_fonts=("a.ttc", "b.ttf", "c.otf", "d.ttf")))
    assert check.status == "ok" and check.detail == "a.ttc, b.ttf, c.otf and 1 more"
    assert font_checks(MachineFacts()) == []  # not looked for
