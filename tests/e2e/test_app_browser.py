"""The viewer in a real headless Chromium (Debian's, driven by Playwright): the runs list, a run, wrong samples,
a sample with an image (and one outside the roots, shown as a placeholder), a full-text search, compare, a perf
sweep, a samples page answered from a partial index that app.js brings up to date, and the offline HTML report
opened from disk. Screenshots go to $EVALSCOPE_SCREENSHOTS (default a temporary folder) for CI artifacts and
docs/app.md."""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
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
def _png(size: int = 48) -> bytes:
    """A size x size RGB PNG (a diagonal gradient), written by hand: no imaging library needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(v for x in range(size) for v in (40 + 4 * x, 90, 200 - 3 * y))
                    for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = _png()


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
    (root.parent / "elsewhere.png").write_bytes(PNG)  # a real image, but outside the served root
    first["messages"][0]["content"] = [{"type": "text", "text": "What is in the picture?"},
                                       {"type": "image", "image": None, "sha256": "0123456789abcdef",
                                        "source": str(a / "images" / "dot.png"), "media_type": "image/png"},
                                       {"type": "image", "image": None, "sha256": "fedcba9876543210",
                                        "source": str(root.parent / "elsewhere.png"), "media_type": "image/png"}]
    preds.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    return root


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    path = Path(os.environ.get("EVALSCOPE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(outputs, browser):
    server = AppServer([outputs])
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    # any request off the app's origin, or one that failed other than by being cut off by a navigation
    pg.on("requestfailed", lambda r: failed.append(r.url) if not r.url.startswith(server.url)
          or "ERR_ABORTED" not in (r.failure or "") else None)
    pg.on("request", lambda r: failed.append(r.url) if not r.url.startswith(server.url) else None)
    pg.base = server.url  # type: ignore[attr-defined]
    pg.failed = failed  # type: ignore[attr-defined]
    yield pg
    pg.close()
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
    assert img.count() == 1  # only the image inside the roots
    assert page.evaluate("el => el.naturalWidth", img.element_handle()) == 48  # the PNG was served
    blocked = card.locator(".media-blocked")
    assert "elsewhere.png" in blocked.text_content() and "outside the served roots" in blocked.text_content()
    assert "What is in the picture?" in card.text_content()
    card.screenshot(path=str(shots / "sample_image.png"))
    page.fill("input[name=q]", "WHAT IS IN THE PICTURE")
    page.click("form.filters button")
    assert page.text_content(".pager .count") == "1–1 of 1" and page.locator("details.sample").count() == 1
    assert page.failed == []


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


def test_a_partial_index_page_is_brought_up_to_date(outputs, browser, shots):
    from evalscope.report.store import RunStore, SampleQuery

    store = RunStore([outputs / "a"], background=False)  # indexed only when the test says so
    server = AppServer([], store=store)
    try:
        [info] = store.runs()
        [file] = store.sample_files(info.id)
        samples = store.benchmark_samples(info.id, file.model, file.benchmark)
        pg = browser.new_page(viewport={"width": 1280, "height": 700})
        pg.goto(server.url + f"/samples?id={info.id}&status=wrong&limit=10")
        assert "so far" in pg.text_content(".pager .count") and pg.locator(".scanning").count() == 1
        query = SampleQuery(status="wrong", limit=10)
        while samples.page(query).total == 0:  # part of the files: some predictions and their reviews
            samples.work(max_bytes=3000)
        assert not samples.page(query).complete
        pg.wait_for_function("document.querySelector('.scanning .found').textContent !== '0'")  # app.js polled
        pg.reload()
        shown = pg.locator("details.sample").count()
        assert 0 < shown < 10 and f"of {shown} so far" in pg.text_content(".pager .count")
        pg.screenshot(path=str(shots / "samples_scanning.png"), full_page=True)
        while samples.work():
            pass
        pg.wait_for_selector(".scanning", state="detached", timeout=15000)  # app.js reloaded the page
        assert pg.text_content(".pager .count") == "1–10 of 50"
        pg.close()
    finally:
        server.stop()


def test_the_html_report_opens_offline(outputs, browser, shots):
    report = next(outputs.glob("a/*/reports/report.html"))
    pg = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(report.as_uri())
    assert "mean_acc" in pg.text_content("table.scores") and pg.locator("svg").count() >= 1
    assert "50 wrong" in pg.text_content("body") and "the first 25 of 50" in pg.text_content("body")
    pg.locator(".samples details").first.locator("summary").click()  # opens without any script
    assert "Reference" in pg.locator(".samples details").first.text_content()
    pg.screenshot(path=str(shots / "report.png"), full_page=False)
    assert requests == [report.as_uri()]  # nothing else was fetched
    pg.close()
