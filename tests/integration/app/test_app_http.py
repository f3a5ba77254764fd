"""The viewer over real runs (a mock-model eval, a killed run, a perf sweep against the mock server), through
real HTTP on 127.0.0.1: pages, samples paging and filters, compare, perf, and what it refuses."""

from __future__ import annotations

import json
import os
import re

import pytest
from appserver import AppServer, make_eval_run, make_perf_sweep


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    a = make_eval_run(root / "a")
    b = make_eval_run(root / "b", model="other-model")
    sweep = make_perf_sweep(root)
    # a killed run: a config and half the predictions, no report, last line cut mid-write
    killed = root / "killed"
    (killed / "configs").mkdir(parents=True)
    (killed / "configs" / "task_config.yaml").write_text("model: m\ndatasets: [demo_arith]\n")
    preds = sorted((a / "predictions").rglob("*.jsonl"))[0].read_text().splitlines(keepends=True)
    (killed / "predictions" / "m").mkdir(parents=True)
    (killed / "predictions" / "m" / "demo_arith_default.jsonl").write_text("".join(preds[:10]) + preds[10][:40])
    os.utime(killed, (1, 1))
    for p in killed.rglob("*"):
        os.utime(p, (1, 1))
    outside = root.parent / "outside-secret.txt"
    outside.write_text("secret")
    (a / "imgs").mkdir()
    os.symlink(outside, a / "imgs" / "escape.png")
    return {"root": root, "a": a, "b": b, "sweep": sweep, "killed": killed, "outside": outside}


@pytest.fixture(scope="module")
def app(outputs):
    server = AppServer([outputs["root"]])
    yield server
    server.stop()


def rid(outputs, name) -> str:
    return "0/" + outputs[name].relative_to(outputs["root"]).as_posix()


def test_runs_list_and_api(app, outputs):
    status, headers, body = app.get("/")
    text = body.decode()
    assert status == 200 and "5 of 5 runs" not in text and "4 of 4 runs" in text
    assert "mock-model" in text and "other-model" in text and "sweep" in text
    assert "script-src 'self'" in headers["content-security-policy"]
    runs = json.loads(app.get("/api/runs")[2])
    by_name = {r["path"]: r for r in runs}
    assert by_name[str(outputs["killed"])]["status"] == "incomplete"
    assert by_name[str(outputs["sweep"])]["kind"] == "perf" and by_name[str(outputs["sweep"])]["status"] == "complete"
    assert json.loads(app.get("/api/runs?kind=perf")[2])[0]["path"] == str(outputs["sweep"])
    assert "1 of 4 runs" in app.get("/?q=other-model")[2].decode()


def test_run_page(app, outputs):
    status, _, body = app.get(f"/run?id={rid(outputs, 'a')}")
    text = body.decode()
    assert status == 200 and "demo_arith" in text and "mean_acc" in text and 'class="chart"' in text
    assert "/static/plotly.min.js" in text and "Task config" in text


def test_samples_paging_and_filters(app, outputs):
    run = rid(outputs, "a")
    page = json.loads(app.get(f"/api/samples?id={run}&limit=20&offset=40")[2])
    assert page["total"] == 50 and [r["index"] for r in page["rows"]] == list(range(40, 50))
    assert page["rows"][0]["answer"] == "This is a mock answer." and page["rows"][0]["target"]
    wrong = json.loads(app.get(f"/api/samples?id={run}&status=wrong&limit=5")[2])
    assert wrong["total"] == 50  # the mock model never answers right
    html = app.get(f"/samples?id={run}&status=wrong&limit=5&q=what")[2].decode()
    assert html.count('class="sample"') == 5 and 'rel="next"' in html and "1–5 of 50" in html
    killed = json.loads(app.get(f"/api/samples?id={rid(outputs, 'killed')}")[2])
    assert killed["total"] == 10 and any("incomplete" in n for n in killed["notes"])


def test_compare_and_perf(app, outputs):
    html = app.get(f"/compare?run={rid(outputs, 'a')}&run={rid(outputs, 'b')}&benchmark=demo_arith")[2].decode()
    assert "mock-model" in html and "other-model" in html and "samples scored differently" in html
    status, headers, _ = app.get(f"/run?id={rid(outputs, 'sweep')}")
    assert status == 302 and headers["location"].startswith("/perf?id=")
    perf = app.get(f"/perf?id={rid(outputs, 'sweep')}&point=parallel_2_number_6")[2].decode()
    assert "parallel_1_number_4" in perf and "Throughput" in perf and "Requests over time" in perf


def test_refusals(app, outputs):
    assert app.get("/", method="POST")[0] == 405
    assert app.get("/", method="DELETE")[0] == 405
    assert app.get("/", headers={"Host": "attacker.example"})[0] == 403
    run = rid(outputs, "a")
    for src in (str(outputs["outside"]), "../../outside-secret.txt", "imgs/escape.png",
                str(outputs["a"] / "configs" / "task_config.yaml")):
        status, _, body = app.get(f"/media?id={run}&src={src}")
        assert status == 403 and b"secret" not in body.replace(b"outside-secret", b"")
    for bad in ("0/../..", "0/%2e%2e/%2e%2e", "7/x", "0//etc"):
        assert app.get(f"/run?id={bad}")[0] == 404
    assert app.get("/static/../server.py")[0] == 404
    assert app.get("/static/server.py")[0] == 404
    assert app.get(f"/samples?id={run}&limit=100000")[0] == 400


def test_token_required_when_set(outputs):
    server = AppServer([outputs["root"]], token="tok-123456789")
    try:
        assert server.get("/")[0] == 401
        assert server.get("/api/runs", headers={"Authorization": "Bearer wrong-token"})[0] == 401
        assert server.get("/api/runs", headers={"Authorization": "Bearer tok-123456789"})[0] == 200
        status, headers, _ = server.get("/?token=tok-123456789")
        assert status == 303 and headers["location"] == "/" and "evalscope_app_token=tok-123456789" in headers[
            "set-cookie"]
        assert server.get("/", headers={"Cookie": "evalscope_app_token=tok-123456789"})[0] == 200
    finally:
        server.stop()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1e3d50000000049454e44ae426082")


def test_images_inside_the_roots_are_thumbnails_others_say_why(tmp_path):
    run = make_eval_run(tmp_path / "outputs", "--limit", "4")
    (run / "imgs").mkdir()
    (run / "imgs" / "in.png").write_bytes(PNG)
    (tmp_path / "out.png").write_bytes(PNG)  # a real image, outside the served root
    preds = next((run / "predictions").rglob("*.jsonl"))
    lines = [json.loads(x) for x in preds.read_text().splitlines()]
    sources = ["imgs/in.png", str(tmp_path / "out.png"), "imgs/missing.png", "https://example.com/x.png", "inline"]
    lines[0]["messages"][0]["content"] = [{"type": "text", "text": "look"}] + [
        {"type": "image", "image": None, "sha256": f"{k:064x}", "source": src} for k, src in enumerate(sources)]
    preds.write_text("".join(json.dumps(r) + "\n" for r in lines))
    server = AppServer([tmp_path / "outputs"])
    try:
        [info] = server.store.runs()
        html = server.get(f"/samples?id={info.id}&limit=1")[2].decode()
        thumbs = re.findall(r'<img class="thumb"[^>]*src="([^"]+)"', html)
        assert len(thumbs) == 1 and "in.png" in thumbs[0]
        status, headers, body = server.get(thumbs[0].replace("&amp;", "&"))
        assert status == 200 and headers["content-type"] == "image/png" and body == PNG
        blocked = re.findall(r'<span class="media-blocked"[^>]*>(.*?)</span>', html)
        assert len(blocked) == 4
        assert "out.png" in blocked[0] and "outside the served roots" in blocked[0]
        assert "no such file" in blocked[1] and "remote" in blocked[2] and "inline" in blocked[3]
        status, _, body = server.get(f"/media?id={info.id}&src={tmp_path / 'out.png'}")
        assert status == 403 and body != PNG
    finally:
        server.stop()


def test_a_page_from_a_partial_index_says_so_then_completes(tmp_path):
    from evalscope.report.store import RunStore

    make_eval_run(tmp_path / "outputs", "--limit", "30")
    store = RunStore([tmp_path / "outputs"], background=False)  # nothing is indexed until the test says so
    server = AppServer([], store=store)
    try:
        [info] = store.runs()
        [file] = store.sample_files(info.id)
        html = server.get(f"/samples?id={info.id}")[2].decode()
        assert 'class="scanning"' in html and ">0</span>% indexed" in html and "No match yet" in html and "so far" in html
        samples = store.benchmark_samples(info.id, file.model, file.benchmark)
        seen = []
        while samples.work(max_bytes=2000):
            page = json.loads(server.get(f"/api/samples?id={info.id}&status=wrong&limit=100&nowait=1")[2])
            seen.append((page["complete"], page["total"]))
            assert all(r["main_score"] is not None and r["main_score"] < 1 for r in page["rows"])
        assert seen[0] == (False, 0) or not seen[0][0]
        assert any(not done and 0 < total < 30 for done, total in seen)  # pages while indexing showed some
        final = server.get(f"/samples?id={info.id}&status=wrong")[2].decode()
        assert 'class="scanning"' not in final and "1–30 of 30<" in final.replace("</span>", "<")
    finally:
        server.stop()
