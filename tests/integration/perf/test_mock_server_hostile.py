"""Issue 8, defect 7: the mock server's key guards its control routes; bad request fields get a clear 400."""

import json
import time
import urllib.error
import urllib.request

import pytest

from evalscope.perf.mock_server import run_in_thread

KEY = "sk-mock-key-123"


def call(root, path, body=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(root + path, data=data, method="GET" if body is None else "POST")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def keyed():
    with run_in_thread(api_key=KEY) as srv:
        yield srv


def test_control_routes_need_the_key(keyed):
    secret_prompt = {"model": "m", "messages": [{"role": "user", "content": "my private prompt"}]}
    assert call(keyed.root, "/v1/chat/completions", secret_prompt, key=KEY)[0] == 200
    for path, body in (("/mock/stats?requests=1", None), ("/mock/stats", None), ("/mock/reset", {}),
                       ("/mock/config", {"api_key": None})):
        status, reply = call(keyed.root, path, body)
        assert status == 401 and reply["error"]["type"] == "authentication_error", path
        assert "private" not in json.dumps(reply)
        assert call(keyed.root, path, body, key="wrong")[0] == 401
    # the key still guards the API, and the handle (which knows the key) still controls the server
    assert call(keyed.root, "/v1/chat/completions", secret_prompt)[0] == 401
    assert keyed.stats()["by_endpoint"]["chat"] == 2
    assert call(keyed.root, "/mock/stats?requests=1", key=KEY)[0] == 200
    keyed.update_config(ttft_ms=1.0)
    assert call(keyed.root, "/mock/config", {"ttft_ms": 2.0}, key=KEY)[0] == 200


def test_huge_dimensions_is_a_quick_400():
    with run_in_thread() as srv:
        t0 = time.perf_counter()
        status, reply = call(srv.root, "/v1/embeddings", {"model": "m", "input": "hi", "dimensions": 5_000_000})
        assert time.perf_counter() - t0 < 1.0
        assert status == 400 and "dimensions must be an integer from 1 to 16384" in reply["error"]["message"]
        for bad in (0, -1, "64", 1.5, True):
            assert call(srv.root, "/v1/embeddings", {"model": "m", "input": "hi", "dimensions": bad})[0] == 400
        status, reply = call(srv.root, "/v1/embeddings", {"model": "m", "input": "hi", "dimensions": 8})
        assert status == 200 and len(reply["data"][0]["embedding"]) == 8


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("options", ["yes", 1, ["include_usage"], True])
def test_non_object_stream_options_is_a_400(options, stream):
    with run_in_thread() as srv:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": stream,
                "stream_options": options}
        status, reply = call(srv.root, "/v1/chat/completions", body)
        assert status == 400
        assert reply["error"]["type"] == "invalid_request_error" and "stream_options" in reply["error"]["message"]
