"""LINE message shapes: tel: links, quick replies within LINE's limits, postback data."""

from __future__ import annotations

from urllib.parse import parse_qs

from madoguchi.bot import compose, line_limits


def test_tel_links_write_the_hash_as_percent_23() -> None:
    assert compose.tel_uri("#8008") == "tel:%238008"
    assert compose.tel_uri("0120-279-338") == "tel:0120279338"
    assert compose.tel_uri("") is None


def test_quick_replies_stay_within_lines_limits() -> None:
    message = compose.text("どうしましたか", quick=compose.topic_quick_replies())
    assert len(message["quickReply"]["items"]) <= 13
    assert all(len(i["action"]["label"]) <= 20 for i in message["quickReply"]["items"])
    assert line_limits.prepare([message])


def test_postback_data_round_trips() -> None:
    data = compose.postback_data("area_set", id=3)
    assert {k: v[0] for k, v in parse_qs(data).items()} == {"a": "area_set", "id": "3"}
