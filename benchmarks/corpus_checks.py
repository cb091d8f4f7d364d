"""Hand-written checks over the real-document development corpus, per kind and engine.

The corpus (benchmarks/corpus/) holds real pages of kinds the docling-derived suite
does not cover: filings, government forms and instructions, journal pages, charts,
tables, newspapers, slides, scans, notes. Each document has a row in MANIFEST.tsv and
its checks in checks/<name>.jsonl, written by reading the rendered page. Check types
(all on one page's Markdown without headers/footers, except ``table``):

- ``present``: ``text`` appears (fuzzy, as benchmarks/unit_tests.py);
- ``absent``: ``text`` (a running head, footer or stamp) does not appear;
- ``order``: ``before`` comes before ``after``, both present;
- ``heading``: ``text`` is in a heading line of exactly ``level`` marks; level 0 means
  present but in no heading line (author names, slugs, chart labels);
- ``table``: ``cell`` is in a table of the page with the given neighbours.

Engines: ``cpu`` (dotsocr's CPU engine), ``pdfium`` (pypdfium2 plain text, the floor)
and ``pymupdf4llm`` (its Markdown with its header/footer removal on; AGPL, so optional
and benchmark-only). Images go through ``cpu`` only and are n/a for the PDF tools.

    python benchmarks/corpus_checks.py [--lang en|ja|all] [--kind K] [--only NAME]
        [--engines cpu,pdfium,pymupdf4llm] [--verbose] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:  # Japanese check types (no_inline_ruby, no_space, chars) live beside this file
    from corpus_ja_checks import JA_CHECK_TYPES, run_ja_check
except ImportError:  # pragma: no cover - only while that module is absent
    JA_CHECK_TYPES: dict[str, tuple[str, ...]] = {}
    run_ja_check = None

from unit_tests import (
    Check,
    Output,
    _find,
    markdown_tables,
    norm,
    norm_plain,
    table_check_passes,
)

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST_FIELDS = ("file", "kind", "lang", "pages", "source", "path", "commit", "licence", "notes")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
ENGINES = ("cpu", "pdfium", "pymupdf4llm")
CHECK_TYPES = ("present", "absent", "order", "heading", "table", *JA_CHECK_TYPES)
_NEEDS: dict[str, tuple[str, ...]] = {
    "present": ("text",),
    "absent": ("text",),
    "order": ("before", "after"),
    "heading": ("text", "level"),
    "table": ("cell",),
}
_NEIGHBOURS = ("up", "down", "left", "right")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")


class CorpusError(ValueError):
    """A manifest row or check line that cannot be used; says the file and line."""


@dataclass
class CorpusDoc:
    name: str  # file stem: checks/<name>.jsonl
    file: str  # relative to docs/
    kind: str
    lang: str
    row: dict[str, str]

    @property
    def is_image(self) -> bool:
        return Path(self.file).suffix.lower() in IMAGE_SUFFIXES


@dataclass
class CorpusCheck:
    id: str
    type: str
    doc: str
    page: int
    note: str
    text: str = ""
    before: str = ""
    after: str = ""
    level: int = 0
    neighbours: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the line as written (Japanese types use it)

    def describe(self) -> str:
        if self.type == "order":
            return f"{self.before[:40]!r} before {self.after[:40]!r}"
        if self.type == "heading":
            return f"{self.text[:50]!r} level {self.level}"
        if self.type == "table":
            return f"cell {self.text!r} {self.neighbours}"
        return repr(self.text[:60])


# --- loading -----------------------------------------------------------------------


def load_manifest(corpus: Path = CORPUS) -> list[CorpusDoc]:
    """Rows of MANIFEST.tsv; a row with missing fields is an error naming its line."""
    path = corpus / "MANIFEST.tsv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != MANIFEST_FIELDS:
            raise CorpusError(f"{path}: header must be {'/'.join(MANIFEST_FIELDS)}")
        docs = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(row.get(k) is None for k in MANIFEST_FIELDS):
                raise CorpusError(f"{path}:{lineno}: expected {len(MANIFEST_FIELDS)} fields")
            docs.append(
                CorpusDoc(Path(row["file"]).stem, row["file"], row["kind"], row["lang"], row)
            )
    return docs


def page_count(path: Path) -> int:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return 1
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _str_field(obj: dict, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: field {key!r} must be a non-empty string")
    return value


def parse_check(obj: object, doc: str, pages: int, where: str) -> CorpusCheck:
    """One check line, validated: its type known, its fields there, its page in range."""
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: a check must be a JSON object")
    kind = obj.get("type")
    if kind not in CHECK_TYPES:
        raise CorpusError(f"{where}: unknown check type {kind!r}")
    cid = _str_field(obj, "id", where)
    if not cid.startswith(f"{doc}-"):
        raise CorpusError(f"{where}: id {cid!r} must start with {doc + '-'!r}")
    _str_field(obj, "note", where)
    page = obj.get("page")
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= pages:
        raise CorpusError(f"{where}: page {page!r} is not in 1..{pages}")
    check = CorpusCheck(cid, kind, doc, page, obj["note"], raw=obj)
    needs = _NEEDS.get(kind) or JA_CHECK_TYPES[kind]
    for key in needs:
        if key not in obj:
            raise CorpusError(f"{where}: {kind} check needs field {key!r}")
    if kind in JA_CHECK_TYPES:
        for key in needs:
            _str_field(obj, key, where)
        check.text = obj.get("text") or obj.get("base", "")
    if kind in ("present", "absent", "heading"):
        check.text = norm(_str_field(obj, "text", where))
    if kind == "order":
        check.before = norm(_str_field(obj, "before", where))
        check.after = norm(_str_field(obj, "after", where))
    if kind == "heading":
        level = obj["level"]
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 6:
            raise CorpusError(f"{where}: heading level {level!r} must be 0..6")
        check.level = level
    if kind == "table":
        check.text = norm(_str_field(obj, "cell", where))
        for key in _NEIGHBOURS:
            if key in obj:
                check.neighbours[key] = norm(_str_field(obj, key, where))
    known = {"id", "type", "page", "note", *needs}
    if kind == "table":
        known |= set(_NEIGHBOURS)
    extra = set(obj) - known
    if extra:
        raise CorpusError(f"{where}: unknown field(s) {sorted(extra)} for a {kind} check")
    return check


def load_checks(path: Path, pages: int) -> list[CorpusCheck]:
    """All checks of one checks/<name>.jsonl, each line validated."""
    doc = path.stem
    checks = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise CorpusError(f"{where}: not JSON ({e.msg})") from None
        checks.append(parse_check(obj, doc, pages, where))
    return checks


def load_corpus(
    corpus: Path = CORPUS, errors: list[str] | None = None
) -> tuple[list[CorpusDoc], list[CorpusCheck]]:
    """The manifest and every check file; a check file with no document is an error.

    With ``errors`` given, a check file that does not load is left out and its error
    appended there (so one helper's typo does not stop a benchmark run); without it,
    the first error is raised.
    """
    docs = load_manifest(corpus)
    by_name = {d.name: d for d in docs}
    checks: list[CorpusCheck] = []
    seen: set[str] = set()
    for path in sorted((corpus / "checks").glob("*.jsonl")):
        try:
            if path.stem not in by_name:
                raise CorpusError(f"{path}: no manifest row for a document named {path.stem!r}")
            doc = by_name[path.stem]
            loaded = load_checks(path, page_count(corpus / "docs" / doc.file))
            ids = [c.id for c in loaded]
            twice = sorted({i for i in ids if i in seen or ids.count(i) > 1})
            if twice:
                raise CorpusError(f"{path}: check id(s) used twice: {', '.join(twice)}")
        except CorpusError as e:
            if errors is None:
                raise
            errors.append(str(e))
            continue
        seen.update(ids)
        checks.extend(loaded)
    return docs, checks


# --- evaluating ----------------------------------------------------------------------


_STRAY_LT = re.compile(r"<(?![A-Za-z/!])")


def plain(markdown: str) -> str:
    """norm_plain, with a "<" that opens no tag (``T1 < |M|``) kept as text: the tag
    pattern would otherwise swallow everything up to the next ">" on the page."""
    return norm_plain(_STRAY_LT.sub("&lt;", markdown))


def heading_lines(markdown: str) -> list[tuple[int, str]]:
    """(level, normalised text) of each Markdown heading line."""
    out = []
    for line in markdown.splitlines():
        m = _HEADING.match(line)
        if m:
            out.append((len(m.group(1)), plain(m.group(2))))
    return out


def check_passes(check: CorpusCheck, out: Output) -> bool:
    nohf = out.pages_nohf.get(check.page, "")
    # The page is compared normalised (NFKC, plain quotes and dashes): so is the check.
    text = norm(check.text)
    if check.type == "present":
        return _find(text, plain(nohf)) >= 0
    if check.type == "absent":
        # running heads are often in small caps: any casing of them is a failure; a
        # page number inside a longer number (7,723,293; 6.68) is not that number.
        # Word edges are Latin letters and digits only: Japanese has no spaces, so a
        # side tab glued to the body text ("第4章デジタル") must still be found.
        pattern = r"(?<![A-Za-z0-9])(?<!\d[.,])" + re.escape(text) + r"(?![.,]\d)(?![A-Za-z0-9])"
        return not re.search(pattern, plain(nohf), re.IGNORECASE)
    if check.type == "order":
        hay = plain(nohf)
        a, b = _find(norm(check.before), hay), _find(norm(check.after), hay)
        return 0 <= a < b
    if check.type == "heading":
        # headings are often set in capitals or small caps: compare them caseless
        heads = heading_lines(nohf)
        want = text.casefold()
        if check.level == 0:
            present = _find(text, plain(nohf)) >= 0
            return present and all(_find(want, norm(t).casefold()) < 0 for _, t in heads)
        return any(lv == check.level and _find(want, norm(t).casefold()) >= 0 for lv, t in heads)
    if check.type in JA_CHECK_TYPES and run_ja_check is not None:
        return run_ja_check(check.raw, nohf, out.doc_nohf)
    if check.type == "table":
        probe = Check("table", check.doc, check.page, check.text, neighbours=check.neighbours)
        return table_check_passes(probe, markdown_tables(out.pages_full.get(check.page, "")))
    raise ValueError(check.type)


# --- engines ---------------------------------------------------------------------------


def cpu_output(path: Path, out_dir: Path | None) -> Output:
    from dotsocr import parse
    from dotsocr.render.markdown import page_markdown

    target = out_dir / "cpu" if out_dir else None
    d = parse(path, engine="cpu", output_dir=target, force=True)
    return Output(
        d.markdown(headers_footers=False),
        {p.number: page_markdown(p, headers_footers=False) for p in d.pages},
        {p.number: page_markdown(p) for p in d.pages},
    )


def pdfium_output(path: Path, out_dir: Path | None) -> Output:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        texts = {i + 1: pdf[i].get_textpage().get_text_range() for i in range(len(pdf))}
    finally:
        pdf.close()
    return Output("\n".join(texts.values()), texts, texts)


def pymupdf4llm_output(path: Path, out_dir: Path | None) -> Output:
    """pymupdf4llm's Markdown per page, its own header/footer removal on (AGPL: only
    imported here, only when asked for)."""
    import pymupdf4llm

    chunks = pymupdf4llm.to_markdown(
        str(path), page_chunks=True, header=False, footer=False, show_progress=False
    )
    texts = {c["metadata"]["page_number"]: c["text"] for c in chunks}
    return Output("\n".join(texts.values()), texts, texts)


RUNNERS: dict[str, Callable[[Path, Path | None], Output]] = {
    "cpu": cpu_output,
    "pdfium": pdfium_output,
    "pymupdf4llm": pymupdf4llm_output,
}


def engine_available(engine: str) -> str | None:
    """None when the engine can run here, else why not."""
    if engine == "pymupdf4llm":
        try:
            import pymupdf4llm  # noqa: F401
        except ImportError:
            return "pymupdf4llm not installed (pip install 'dotsocr[peers]'; AGPL, benchmark only)"
    return None


def warm_up(engine: str, path: Path) -> None:
    """Load the engine's models on one page first, so seconds per page measure pages."""
    if engine == "cpu":
        from dotsocr import parse

        parse(path, "1", engine="cpu")
    elif engine == "pymupdf4llm":
        import pymupdf4llm

        pymupdf4llm.to_markdown(str(path), pages=[0], show_progress=False)


def write_pages(out: Output, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, md in out.pages_nohf.items():
        (folder / f"page_{number}_nohf.md").write_text(md, encoding="utf-8")
        (folder / f"page_{number}.md").write_text(out.pages_full.get(number, ""), encoding="utf-8")


# --- reporting ----------------------------------------------------------------------


@dataclass
class Tally:
    passed: int = 0
    total: int = 0
    seconds: float = 0.0
    pages: int = 0

    def rate(self) -> str:
        if not self.total:
            return "n/a"
        return f"{self.passed}/{self.total} {100 * self.passed / self.total:5.1f}%"


def print_table(title: str, rows: list[str], engines: list[str], cell) -> None:
    width = max([len(title), *map(len, rows)]) + 2
    print(f"{title:<{width}}" + "".join(f"{e:>24}" for e in engines))
    for row in rows:
        print(f"{row:<{width}}" + "".join(f"{cell(row, e):>24}" for e in engines))
    print()


def run(args: argparse.Namespace) -> None:
    errors: list[str] = []
    docs, checks = load_corpus(CORPUS, errors)
    for error in errors:
        print(f"error: {error} (file left out)")
    docs = [
        d
        for d in docs
        if (args.lang == "all" or d.lang == args.lang)
        and (not args.kind or d.kind == args.kind)
        and (not args.only or d.name == args.only)
    ]
    wanted = {d.name for d in docs}
    checks = [c for c in checks if c.doc in wanted]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for engine in engines:
        if engine not in RUNNERS:
            sys.exit(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    skipped = {e: why for e in engines if (why := engine_available(e))}
    for engine, why in skipped.items():
        print(f"note: {engine} column skipped: {why}")
    engines = [e for e in engines if e not in skipped]
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="corpus_checks_"))
    print(f"{len(checks)} checks over {len(docs)} documents; outputs in {out_dir}\n")

    pdfs = [CORPUS / "docs" / d.file for d in docs if not d.is_image]
    for engine in engines:
        if pdfs:
            warm_up(engine, pdfs[0])
    by_doc: dict[str, list[CorpusCheck]] = defaultdict(list)
    for c in checks:
        by_doc[c.doc].append(c)
    kinds: dict[tuple[str, str], Tally] = defaultdict(Tally)
    types: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for doc in docs:
        path = CORPUS / "docs" / doc.file
        for engine in engines:
            if doc.is_image and engine != "cpu":
                continue
            started = time.perf_counter()
            try:
                out = RUNNERS[engine](path, out_dir)
            except Exception as e:  # a crash fails the document's checks, not the run
                print(f"  {engine} failed on {doc.file}: {type(e).__name__}: {e}")
                out = Output("", {}, {})
            secs = time.perf_counter() - started
            write_pages(out, out_dir / engine / doc.name)
            tally = kinds[(doc.kind, engine)]
            tally.seconds += secs
            tally.pages += page_count(path)
            for check in by_doc[doc.name]:
                ok = check_passes(check, out)
                for t in (tally, types[(check.type, engine)]):
                    t.passed += ok
                    t.total += 1
                if args.verbose and not ok:
                    print(f"  FAIL {engine:11} {check.id} {check.type}: {check.describe()}")
                    print(f"       ({check.note})")
    for (_kind, engine), t in list(kinds.items()):
        kinds[("all", engine)].passed += t.passed
        kinds[("all", engine)].total += t.total
        kinds[("all", engine)].seconds += t.seconds
        kinds[("all", engine)].pages += t.pages
    if args.verbose:
        print()

    kind_rows = [*sorted({d.kind for d in docs}), "all"]

    def kind_cell(row: str, engine: str) -> str:
        t = kinds.get((row, engine))
        if not t or not t.pages:
            return "n/a"
        return f"{t.rate()} {t.seconds / t.pages:5.2f}s/p"

    print_table("kind (passed/total, s/page)", kind_rows, engines, kind_cell)

    def type_cell(row: str, engine: str) -> str:
        t = types.get((row, engine))
        return t.rate() if t else "n/a"

    type_rows = [t for t in CHECK_TYPES if any(c.type == t for c in checks)]
    print_table("check type", type_rows, engines, type_cell)
    print("n/a: images are parsed by the cpu engine only; models are loaded before timing.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="all", help="manifest lang to keep: en, ja, ... or all")
    parser.add_argument("--kind", help="only documents of this kind")
    parser.add_argument("--only", help="only this document (file name without suffix)")
    parser.add_argument("--engines", default="cpu,pdfium,pymupdf4llm")
    parser.add_argument("--verbose", action="store_true", help="print each failing check")
    parser.add_argument("--out", help="keep the outputs here (default: a temporary folder)")
    try:
        run(parser.parse_args())
    except CorpusError as e:
        sys.exit(f"corpus error: {e}")


if __name__ == "__main__":
    main()
