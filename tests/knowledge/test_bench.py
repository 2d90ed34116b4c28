from __future__ import annotations

import pytest

from madoguchi.knowledge import bench


@pytest.mark.slow
def test_search_of_500_resources_is_under_5_ms() -> None:
    figures = bench.run()
    assert figures["resources"] == 500
    assert figures["search_median_ms"] < 5.0
