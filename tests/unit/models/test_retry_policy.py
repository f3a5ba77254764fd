import random

from evalscope.wire.retry import RetryPolicy, is_transient_status, retry_after_seconds


def test_transient_statuses():
    assert all(is_transient_status(s) for s in (408, 429, 500, 502, 503))
    assert not any(is_transient_status(s) for s in (400, 401, 403, 404, 422))


def test_retry_after_forms():
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_grows_caps_and_honours_retry_after():
    policy = RetryPolicy(initial_backoff=1, max_backoff=8)
    rng = random.Random(0)
    waits = [policy.backoff(a, rng=rng) for a in range(1, 7)]
    assert 0.5 <= waits[0] <= 1 and all(w <= 8 for w in waits) and waits[4] >= 4
    assert policy.backoff(1, retry_after=2.5) == 2.5
    assert policy.backoff(1, retry_after=100) == 8
