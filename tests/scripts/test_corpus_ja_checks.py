"""benchmarks/corpus_ja_checks.py, the Japanese corpus check types, on hand-made
Markdown (no parse runs), plus the shape of the Japanese checks files."""

import json

import pytest

from support import REPO_ROOT, load_script

cj = load_script("benchmarks/corpus_ja_checks.py")

CORPUS = REPO_ROOT / "benchmarks" / "corpus"


def check(kind: str, **fields) -> dict:
    return {"id": "t-001", "type": kind, "page": 1, **fields}


def run(c: dict, page: str) -> bool:
    return cj.run_ja_check(c, page, page)


RUBY = check("no_inline_ruby", base="勢", reading="いきお")


@pytest.mark.parametrize(
    "page",
    ["ジョバンニは勢いよく", "<ruby>勢<rt>いきお</rt></ruby>いよく", "勢(いきお)いよく"],
)
def test_ruby_dropped_html_or_in_brackets_is_not_inline(page):
    assert run(RUBY, page)


@pytest.mark.parametrize(
    "page",
    [
        "ジョバンニは勢いきおいよく",
        "いきおジョバンニは勢いよく",
        "いきお\n勢いよく",
        "いきお\n\n勢いよく",
        "勢 いきお いよく",
    ],
)
def test_ruby_run_into_its_base_fails(page):
    assert not run(RUBY, page)


def test_the_same_kana_far_away_or_in_another_paragraph_is_not_ruby():
    page = "ジョバンニは勢いよく走った。\n\nその日の夕方、" + "あ" * 20 + "いきおいは弱まった。"
    assert run(RUBY, page)


def test_ruby_check_fails_when_the_base_is_missing():
    assert not run(RUBY, "ジョバンニはいよく")


def test_no_space_passes_only_without_an_inserted_space():
    c = check("no_space", text="生成AIの利用")
    assert run(c, "また、生成AIの利用において")
    assert not run(c, "また、生成 AIの利用において")
    assert not run(c, "また、生成\nAIの利用において")


def test_a_stray_less_than_sign_does_not_hide_the_text_after_it():
    c = check("no_space", text="生成AIの利用")
    assert run(c, "<.老変える\n\nまた、生成AIの利用において\n\n<table><tr><td>x</td></tr></table>")


def test_no_space_reads_letter_spaced_cells_as_failures():
    c = check("no_space", text="居宅介護")
    assert run(c, "| □居宅介護 | □就労定着支援 |\n|---|---|")
    assert not run(c, "| □居 宅 介 護 | □就労定着支援 |")
    assert not run(c, "<table><tr><td>居宅</td><td>介護</td></tr></table>")


def test_no_space_folds_width_but_not_spaces():
    c = check("no_space", text="５G電波")
    assert run(c, "新型コロナウイルス感染症と5G電波との関係")
    assert not run(c, "感染症と 5 G電波")


def test_chars_needs_the_exact_characters():
    c = check("chars", text="「ジョバンニ、")
    assert run(c, "「ジョバンニ、お前は")
    assert not run(c, "ジバンニ お前は")
    assert not run(c, "｢ジョバンニ､お前は")  # half-width forms are not the printed ones


def test_chars_keeps_the_full_width_space_after_a_list_marker():
    c = check("chars", text="ア\u3000ディープフェイクによる課題")
    assert run(c, "### ア\u3000ディープフェイクによる課題")
    assert not run(c, "### ア ディープフェイクによる課題")
    assert not run(c, "### アディープフェイクによる課題")


def test_chars_ignores_column_breaks_inside_a_paragraph_only():
    c = check("chars", text="運転し始めた。")
    assert run(c, "非常な速力で運転し始め\nた。書生が")
    assert not run(c, "非常な速力で運転し始め\n\nた。書生が")


def test_markdown_markup_does_not_hide_text():
    c = check("chars", text="ぷうぷうと煙を吹く。")
    assert run(c, "## その穴の中から時々**ぷうぷうと**煙を吹く。")


def test_doc_markdown_is_used_when_no_page_is_named():
    c = {"id": "t-002", "type": "chars", "text": "ー"}
    assert cj.run_ja_check(c, "", "イーハトーヴォ")
    assert not cj.run_ja_check(c, "", "イ一ハト一ヴォ")


@pytest.mark.parametrize(
    "c",
    [
        {"id": "x", "type": "present", "page": 1, "text": "a"},
        {"id": "x", "type": "no_space", "page": 1},
        {"id": "x", "type": "no_inline_ruby", "page": 1, "base": "勢"},
    ],
)
def test_unknown_types_and_missing_fields_are_errors(c):
    with pytest.raises(ValueError):
        run(c, "勢")


GENERIC_FIELDS = {
    "present": ("text",),
    "absent": ("text",),
    "order": ("before", "after"),
    "heading": ("text", "level"),
    "table": ("cell",),
}


def japanese_check_files() -> list:
    return sorted((CORPUS / "checks").glob("ja_*.jsonl"))


@pytest.mark.skipif(not japanese_check_files(), reason="no Japanese corpus checks here")
def test_japanese_checks_files_are_well_formed():
    """Every line has an id, a known type, its fields and a page; each file has a
    document in docs/ and a manifest row."""
    manifest = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    listed = {line.split("\t")[0] for line in manifest[1:]}
    fields = {**GENERIC_FIELDS, **cj.JA_CHECK_TYPES}
    total = 0
    for path in japanese_check_files():
        docs = [p.name for p in (CORPUS / "docs").glob(path.stem + ".*")]
        assert len(docs) == 1 and docs[0] in listed, path.name
        ids = set()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            obj = json.loads(line)
            assert obj["id"] == f"{path.stem}-{n:03d}" and obj["id"] not in ids
            ids.add(obj["id"])
            assert obj["type"] in fields and isinstance(obj["page"], int) and obj["page"] >= 1
            assert all(f in obj for f in fields[obj["type"]]), obj["id"]
            total += 1
    assert total >= 200


def test_an_autolink_is_text_and_a_comment_is_not():
    text = cj.words_only("詳細は <https://www.soumu.go.jp/> を参照<!-- page 2 -->。")
    assert text == "詳細は <https://www.soumu.go.jp/> を参照。"
