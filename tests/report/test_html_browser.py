"""The HTML report in a real browser (headless Chromium; CI installs Debian's ``chromium``): it renders,
logs no console errors and every image loads."""
import numpy as np
import pytest
from matplotlib.image import imread

import accelsim
from accelsim.report import write_report
from tests.report.browser import chromium, page_check, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium() is None, reason="needs chromium (.ci/run installs it)")]


@pytest.mark.parametrize("kwargs", [dict(profile="snapdragon855", workload="mobilenet_v2"),
                                    dict(profile="snapdragon855", workload="tiny_cnn", unit="auto"),
                                    dict(profile="generic_npu", workload="mobilenet_v1", compress="prune=0.5")],
                         ids=["one-unit", "unit-auto", "compressed"])
def test_report_renders_without_errors_and_every_image_loads(tmp_path, kwargs):
    files = write_report(accelsim.simulate(**kwargs), tmp_path / "rep")
    check = page_check(files.index_html, tmp_path)
    assert check["errors"] == []
    assert check["images"] == len(files.pngs) and check["broken"] == []
    shot = imread(screenshot(files.index_html, tmp_path / "shot.png", height=1200))
    assert shot.shape[:2] == (1200, 1280)
    assert np.std(shot[..., :3]) > 0.05          # not a blank page: text, tables and plots drew


def test_the_probe_catches_a_broken_image_and_a_console_error(tmp_path):
    """The checks above could fail: a page with a broken image and a console error is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                    '<img alt="broken" src="data:image/png;base64,AAAA"><script>console.error("boom")</script>'
                    "</body></html>")
    check = page_check(page, tmp_path)
    assert check["broken"] == ["broken"]
    assert any("boom" in e for e in check["errors"])
