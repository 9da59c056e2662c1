"""Bar charts: order, and no bar or number for a suppressed count."""

from __future__ import annotations

from qualcode.export.charts import bar_chart, chart_rows


def test_rows_keep_the_given_order_and_suppressed_cells_have_no_bar():
    """Terms stay in time order (as in the tables), not sorted by size."""
    rows = chart_rows(["VT2016", "HT2016", "VT2017"], [13, "*", 14])
    assert rows == [("VT2016", 13, "13"), ("HT2016", 0, "* (färre än 5)"), ("VT2017", 14, "14")]


def test_rows_largest_first_on_request():
    rows = chart_rows(["Lön", "IT", "Lokaler", "Traineer"], [13, "*", 14, 0], largest_first=True)
    assert rows == [
        ("Lokaler", 14, "14"),
        ("Lön", 13, "13"),
        ("IT", 0, "* (färre än 5)"),
        ("Traineer", 0, "0"),
    ]


def test_png_written_at_print_resolution(tmp_path):
    from PIL import Image

    path = bar_chart(["Lön", "IT"], [13, "*"], tmp_path / "d" / "c.png", "Antal dokument per kod")
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert round(im.info["dpi"][0]) == 200
        assert im.size[0] == 1500  # 7.5 in × 200 dpi
