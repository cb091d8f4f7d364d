"""benchmarks/table_structure.py, the ICDAR 2013 table scorer, on hand-made grids
(no parse runs)."""

from collections import Counter

import pytest

from support import load_script

ts = load_script("benchmarks/table_structure.py")

Cell = ts.Cell
R, B = ts.RIGHT, ts.BELOW


def grid(*rows: str) -> list:
    """Cells of a plain grid written as "a|b|c" rows ("" is an empty cell)."""
    return ts.cells_from_rows([row.split("|") for row in rows])


def test_a_plain_2x2_table_has_two_right_and_two_down_relations():
    assert ts.relations(grid("a|b", "c|d")) == Counter(
        {("a", "b", R): 1, ("c", "d", R): 1, ("a", "c", B): 1, ("b", "d", B): 1}
    )


def test_a_row_span_relates_to_its_neighbour_in_every_row_it_spans():
    # A | B
    # A | C     (A spans two rows)
    # D | E
    cells = [Cell(0, 0, "A", row_span=2), Cell(0, 1, "B"), Cell(1, 1, "C")]
    cells += [Cell(2, 0, "D"), Cell(2, 1, "E")]
    assert ts.relations(cells) == Counter(
        {
            ("a", "b", R): 1,
            ("a", "c", R): 1,
            ("b", "c", B): 1,
            ("a", "d", B): 1,
            ("c", "e", B): 1,
            ("d", "e", R): 1,
        }
    )


def test_a_column_span_relates_to_every_cell_below_it():
    # H   H     (H spans two columns)
    # x | y
    cells = [Cell(0, 0, "H", col_span=2), Cell(1, 0, "x"), Cell(1, 1, "y")]
    assert ts.relations(cells) == Counter({("h", "x", B): 1, ("h", "y", B): 1, ("x", "y", R): 1})


def test_two_cells_sharing_both_spanned_rows_are_one_relation_not_two():
    cells = [Cell(0, 0, "A", row_span=2), Cell(0, 1, "B", row_span=2), Cell(2, 0, "C")]
    assert ts.relations(cells) == Counter({("a", "b", R): 1, ("a", "c", B): 1})


def test_equal_texts_count_as_a_multiset_within_and_across_tables():
    table = grid("a|-", "b|-")
    assert ts.relations(table) == Counter(
        {("a", "-", R): 1, ("b", "-", R): 1, ("a", "b", B): 1, ("-", "-", B): 1}
    )
    doc = ts.union_relations([table, table])
    assert doc[("-", "-", B)] == 2
    assert sum(doc.values()) == 8
    # one predicted copy of a relation the truth holds twice matches once
    half = ts.relation_prf(doc, ts.relations(table))
    assert (half.precision, half.recall) == (1.0, 0.5)


def test_empty_cells_are_skipped_to_the_nearest_non_empty_neighbour():
    cells = grid("a|| c", "|x|", "b|  |d")
    assert ts.relations(cells) == Counter(
        {("a", "c", R): 1, ("b", "d", R): 1, ("a", "b", B): 1, ("c", "d", B): 1}
    )
    assert ts.relations(grid("|", "|")) == Counter()


def test_text_is_compared_after_nfkc_case_folding_and_removing_whitespace():
    assert ts.normalise_text("  Czech \n Republic ") == "czechrepublic"
    assert ts.normalise_text("ﬁnal\u00a0１０ ０００") == "final10000"
    assert ts.normalise_text(None) == ""
    truth = grid("CzechRepublic|7")
    predicted = grid("czech republic|７")
    assert ts.relations(truth) == ts.relations(predicted)


def test_a_perfect_prediction_scores_f1_one():
    truth = [Cell(0, 0, "Head", col_span=2), Cell(1, 0, "a"), Cell(1, 1, "1")]
    predicted = ts.cells_from_html(
        '<table><tr><th colspan="2">head</th></tr><tr><td>A</td><td>1</td></tr></table>'
    )
    score = ts.relation_prf(ts.relations(truth), ts.relations(predicted))
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)


def test_a_shifted_column_costs_precision_and_recall_as_counted_by_hand():
    truth = grid("h1|h2|h3", "a|1|2", "b|3|4")  # 6 right + 6 below = 12
    # the last row's numbers moved one column right: b→3 and 3→4 still hold (the gap
    # is skipped), 1 no longer has a cell below, 2→3 is wrong, 4 has none above:
    # 6 right + 5 below = 11 predicted, 10 of them correct
    shifted = grid("h1|h2|h3|", "a|1|2|", "b||3|4")
    score = ts.relation_prf(ts.relations(truth), ts.relations(shifted))
    assert score.precision == pytest.approx(10 / 11)
    assert score.recall == pytest.approx(10 / 12)
    assert score.f1 == pytest.approx(2 * (10 / 11) * (10 / 12) / (10 / 11 + 10 / 12))


def test_precision_and_recall_are_averaged_over_documents_then_f1_taken():
    mean = ts.mean_prf([ts.Prf(1.0, 0.5), ts.Prf(0.5, 1.0)])
    assert (mean.precision, mean.recall, mean.f1) == (0.75, 0.75, 0.75)
    nothing_found = ts.relation_prf(ts.relations(grid("a|b")), Counter())
    assert (nothing_found.precision, nothing_found.recall) == (0.0, 0.0)
    assert ts.relation_prf(Counter(), Counter()) == ts.Prf(1.0, 1.0)


def test_cells_from_html_keep_spans_and_rows_mark_empty_cells():
    cells = ts.cells_from_html(
        '<table><tr><td rowspan="2">A</td><td>B</td></tr><tr><td>C</td></tr></table>'
    )
    assert cells == [Cell(0, 0, "A", 2, 1), Cell(0, 1, "B"), Cell(1, 1, "C")]
    assert ts.cells_from_rows([["x", None]]) == [Cell(0, 0, "x"), Cell(0, 1, "")]


def test_iou_matching_needs_half_the_union():
    truth = (0.0, 0.0, 10.0, 10.0)
    assert ts.iou(truth, (0.0, 0.0, 10.0, 4.9)) == pytest.approx(0.49)
    assert ts.match_boxes([truth], [(0.0, 0.0, 10.0, 4.9)]) == []
    matches = ts.match_boxes([truth], [(0.0, 0.0, 10.0, 5.1)])
    assert [(t, p) for t, p, _ in matches] == [(0, 0)]
    assert matches[0][2] == pytest.approx(0.51)


def test_matching_is_one_to_one_greedy_by_iou_and_per_page():
    truth = [(0.0, 0.0, 10.0, 10.0), (20.0, 0.0, 30.0, 10.0)]
    predicted = [(0.0, 0.0, 10.0, 8.0), (0.0, 0.0, 10.0, 9.0)]
    assert [(t, p) for t, p, _ in ts.match_boxes(truth, predicted)] == [(0, 1)]
    count = ts.detection_count({1: truth}, {1: predicted, 2: [truth[1]]})
    assert (count.truth, count.predicted, count.matched) == (2, 3, 1)
    assert count.prf == ts.Prf(1 / 3, 1 / 2)


def test_boxes_convert_to_points_with_origin_bottom_left():
    # a page 792 pt tall rendered at 144 DPI is 1584 px tall
    assert ts.pixels_to_points_bottom_left([0, 0, 200, 100], 144, 1584) == (0, 742, 100, 792)
    assert ts.top_left_to_bottom_left((10, 0, 20, 50), 792) == (10, 742, 20, 792)


REG_XML = """<?xml version="1.0" encoding="UTF-8"?>
<document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xsi:noNamespaceSchemaLocation="competition-entry-region-model.xsd" filename='bm_x-reg.xml'>
   <table id='1'>
      <region id='1' page='2'>
         <instruction instr-id='325'/>
         <instruction instr-id='328' subinstr-id='2'/>
         <bounding-box x1='100' y1='451' x2='482' y2='543'/>
      </region>
   </table>
   <table id='2'>
      <region id='1' page='3'>
         <bounding-box x1="60" x2="356" y1="292" y2="505"/>
      </region>
   </table>
</document>
"""

STR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<document filename="bm_x-str.xml">
    <table id="1">
        <region col-increment="0" id="1" page="2" row-increment="0">
            <cell end-col="2" id="1" start-col="1" start-row="0">
                <bounding-box x1="316" x2="441" y1="533" y2="543"/>
                <content>THRESHOLD</content>
            </cell>
            <cell id="1" start-col="1" start-row="1">
                <bounding-box x1="280" x2="316" y1="512" y2="530"/>
                <content>to air
kg/year</content>
            </cell>
            <cell id="1" start-col="2" start-row="1">
                <content>to water</content>
            </cell>
            <cell end-row="2" id="1" start-col="0" start-row="1">
                <content>Gas</content>
            </cell>
        </region>
    </table>
</document>
"""


def test_region_xml_gives_each_table_its_page_and_box():
    tables = ts.read_region_xml(REG_XML)
    assert [t.table_id for t in tables] == ["1", "2"]
    assert tables[0].regions == (ts.Region(2, (100.0, 451.0, 482.0, 543.0)),)
    assert tables[1].regions == (ts.Region(3, (60.0, 292.0, 356.0, 505.0)),)
    assert tables[1].pages == {3}


def test_structure_xml_gives_cells_with_spans_and_text():
    (table,) = ts.read_structure_xml(STR_XML)
    assert table.pages == {2}
    assert table.cells == (
        Cell(0, 1, "THRESHOLD", row_span=1, col_span=2),
        Cell(1, 1, "to air\nkg/year"),
        Cell(1, 2, "to water"),
        Cell(1, 0, "Gas", row_span=2, col_span=1),
    )
    assert ts.relations(table.cells) == Counter(
        {
            ("threshold", "toairkg/year", B): 1,
            ("threshold", "towater", B): 1,
            ("gas", "toairkg/year", R): 1,
            ("toairkg/year", "towater", R): 1,
        }
    )


def test_xml_files_are_read_from_paths_too(tmp_path):
    path = tmp_path / "x-reg.xml"
    path.write_text(REG_XML, encoding="utf-8")
    assert ts.read_region_xml(path) == ts.read_region_xml(REG_XML)
