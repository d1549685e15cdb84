from __future__ import annotations

import xml.etree.ElementTree as ET

from hub.digest.chart import topic_volume_svg
from hub.types import TopicCount


def test_chart_has_a_bar_per_topic_and_escapes_names() -> None:
    counts = [
        TopicCount("agents", "Agents", 12, 4),
        TopicCount("rag", "<script>x</script>", 3, 5),
        TopicCount("other", "Other", 99, 1),
    ]
    svg = topic_volume_svg(counts, compared=True)
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}rect")) == 2  # "other" is left out
    assert len(root.findall(f"{ns}line")) == 2  # last-week marks
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = [float(r.get("width", 0)) for r in root.findall(f"{ns}rect")]
    assert widths[0] > widths[1]


def test_no_comparison_marks_when_last_week_is_unknown() -> None:
    svg = topic_volume_svg([TopicCount("agents", "Agents", 2, 0)], compared=False)
    assert "<line" not in svg and "last week" not in svg
    assert topic_volume_svg([], compared=True) == ""
