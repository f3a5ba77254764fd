"""The viewer in a real headless Chromium (Debian's, driven by Playwright): the runs list, a run, wrong samples,
a sample with an image, compare, a perf sweep. Screenshots go to $EVALSCOPE_SCREENSHOTS (default
tests/e2e/screenshots/ under the run's output: a temporary folder) for CI artifacts and docs/app.md."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "app"))
from appserver import AppServer, make_eval_run, make_perf_sweep  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=http://127.0.0.1:9"]  # anything not on loopback fails (Chromium bypasses loopback)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1e3d50000000049454e44ae426082")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    a = make_eval_run(root / "a")
    make_eval_run(root / "b", model="other-model")
    make_perf_sweep(root)
    # give sample arith-0 an image part, recorded as hash + source the way records keep it
    (a / "images").mkdir()
    (a / "images" / "dot.png").write_bytes(PNG)
    preds = next((a / "predictions").rglob("*.jsonl"))
    lines = preds.read_text().splitlines()
    first = json.loads(lines[0])
    first["messages"][0]["content"] = [{"type": "text", "text": "What is in the picture?"},
                                       {"type": "image", "image": None, "sha256": "0123456789abcdef",
                                        "source": str(a / "images" / "dot.png"), "media_type": "image/png"}]
    preds.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    return root


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    path = Path(os.environ.get("EVALSCOPE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def page(outputs):
    server = AppServer([outputs])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        failed: list[str] = []
        # any request off the app's origin, or one that failed other than by being cut off by a navigation
        pg.on("requestfailed", lambda r: failed.append(r.url) if not r.url.startswith(server.url)
              or "ERR_ABORTED" not in (r.failure or "") else None)
        pg.on("request", lambda r: failed.append(r.url) if not r.url.startswith(server.url) else None)
        pg.base = server.url  # type: ignore[attr-defined]
        pg.failed = failed  # type: ignore[attr-defined]
        yield pg
        browser.close()
    server.stop()


def test_runs_list_run_and_samples(page, shots):
    page.goto(page.base + "/")
    assert "3 of 3 runs" in page.text_content("main")
    page.screenshot(path=str(shots / "runs.png"), full_page=True)
    page.fill("input[name=q]", "other-model")
    page.click("form.filters button")
    assert "1 of 3 runs" in page.text_content("main")
    page.goto(page.base + "/")
    page.click("table.runs a:text-matches('^\\\\d{8}_\\\\d{6}$') >> nth=-1")
    page.wait_for_selector(".chart .main-svg")  # plotly drew the chart from the local bundle
    assert "mean_acc" in page.text_content("table.scores")
    page.screenshot(path=str(shots / "run.png"), full_page=True)
    page.click("table.sample-links a:text('wrong')")
    assert "of 50" in page.text_content(".pager .count")
    page.click("details.sample >> nth=0")
    body = page.text_content("details.sample >> nth=0")
    assert "This is a mock answer." in body and "Reference" in body
    page.goto(page.url + "&limit=10")
    page.click("a[rel=next] >> nth=0")
    assert page.text_content(".pager .count") == "11–20 of 50"
    assert page.locator("details.sample").count() == 10
    page.screenshot(path=str(shots / "samples.png"), full_page=True)
    assert page.failed == []


def test_sample_with_image(page, shots):
    page.goto(page.base + "/")
    page.click("table.runs a:text-matches('^\\\\d{8}_\\\\d{6}$') >> nth=-1")
    page.click("table.sample-links a:text('demo_arith')")
    card = page.locator("details.sample").first
    card.locator("summary").click()
    img = card.locator("img.thumb")
    img.wait_for()
    assert page.evaluate("el => el.naturalWidth", img.element_handle()) == 1  # the 1x1 PNG was served
    assert "What is in the picture?" in card.text_content()
    card.screenshot(path=str(shots / "sample_image.png"))


def test_compare_and_perf(page, shots):
    page.goto(page.base + "/")
    for box in page.locator("input[name=run]").all():
        box.check()
    page.click("#compare button")
    assert "other-model" in page.text_content("table.compare")
    page.click("table.compare a:text('demo_arith')")
    assert "samples scored differently" in page.text_content("main")
    page.screenshot(path=str(shots / "compare.png"), full_page=True)
    page.goto(page.base + "/")
    page.click("table.runs a:text('sweep')")
    page.click("table.sweep a:text('parallel_2_number_6')")
    page.wait_for_selector(".chart .main-svg")
    assert "Requests over time" in page.text_content("main")
    page.screenshot(path=str(shots / "perf.png"), full_page=True)
    assert page.failed == []
