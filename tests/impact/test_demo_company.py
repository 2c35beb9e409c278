"""The demo company's planted solution-selling effect is found (once the demo is on main)."""

from __future__ import annotations

import pytest

demo = pytest.importorskip("salesorg.demo")

from salesorg.impact import analyse, demo_verdict  # noqa: E402
from salesorg.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store.open(path) as s:
        demo.build_demo(s)
        yield s


@pytest.mark.parametrize(
    ("metric", "planted"),
    [
        ("solution-share", demo.PLANTED_SOLUTION_SHARE_EFFECT),
        ("win-rate-created", demo.PLANTED_WIN_RATE_EFFECT),
    ],
)
def test_the_planted_effect_is_found_with_the_right_sign_inside_the_interval(
    demo_store, metric, planted
):
    r = analyse(demo_store, demo.INITIATIVE_ID, metric_name=metric, replicates=499)
    assert r.effect.estimate > 0
    assert r.effect.ci90[0] <= planted <= r.effect.ci90[1]
    assert r.effect.pre_trend_p_value > 0.05


def test_the_demo_verdict_reads_like_a_sentence_for_a_gm(demo_store):
    text = demo_verdict(demo_store, replicates=199)
    assert "solution share +" in text and "win rate created +" in text and "90 % interval" in text


def test_the_demo_step_writes_one_report_per_metric(demo_store, tmp_path):
    from salesorg.impact import demo_outputs

    lines = demo_outputs(demo_store, tmp_path, replicates=99)
    assert len(lines) == 4 and lines[0].startswith("Solution selling programme: solution share +")
    assert (tmp_path / "impact-solution-share.html").exists()
    assert (tmp_path / "impact-win-rate-created.html").exists()
