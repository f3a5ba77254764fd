import pytest

from evalscope.wire.urls import check_api_url, endpoint_url


@pytest.mark.parametrize("given,url,kind", [
    ("http://h:8000/v1", "http://h:8000/v1/chat/completions", "chat"),
    ("http://h:8000/v1/", "http://h:8000/v1/chat/completions", "chat"),
    ("http://h", "http://h/chat/completions", "chat"),
    ("http://h/v1/chat/completions", "http://h/v1/chat/completions", "chat"),
    ("http://h/v1/completions", "http://h/v1/completions", "completions"),
    # the query stays after the path (it used to end up before the appended path)
    ("http://h/v1/chat/completions?api-version=1", "http://h/v1/chat/completions?api-version=1", "chat"),
    ("http://h/v1?api-version=1", "http://h/v1/chat/completions?api-version=1", "chat"),
    ("http://h/v1/?a=1&b=2", "http://h/v1/chat/completions?a=1&b=2", "chat"),
    ("http://h/v1/completions?x=y#frag", "http://h/v1/completions?x=y", "completions"),
    ("http://u:p@[::1]:8/v1", "http://u:p@[::1]:8/v1/chat/completions", "chat"),
])
def test_endpoint_url_keeps_the_query_after_the_path(given, url, kind):
    assert endpoint_url(given) == (url, kind)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "https://api.example.com/v1/chat/completions",
                                 "http://[::1]:8000/v1", "http://localhost/v1?api-version=2", " http://h/v1 ",
                                 "HTTP://H:65535"])
def test_good_urls_pass(url):
    assert check_api_url(url) == url.strip()


@pytest.mark.parametrize("url,message", [
    ("", "empty"),
    ("127.0.0.1:8000/v1", "no scheme: write it as http://127.0.0.1:8000/v1"),
    ("ftp://h/v1", "scheme must be http or https, not 'ftp'"),
    ("http:///v1", "has no host"),
    ("http://h:99999/v1", "port must be in 1-65535"),
    ("http://h:0/v1", "port must be in 1-65535"),
    ("http://h:abc/v1", "port is not a number"),
    ("http://::1:8000/v1", "IPv6 address goes in brackets"),
    ("http://[::1:8000/v1", "unbalanced brackets"),
    ("http://[zz]:80/v1", "not an IPv6 address"),
    ("http://h st/v1", "blank"),
])
def test_bad_urls_say_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("/", "/")):
        check_api_url(url)


def test_errors_never_repeat_credentials_or_query_values():
    for url in ("http://user:PASS@h:99999/v1?api-key=SECRET", "ftp://user:PASS@h/v1?api-key=SECRET",
                "user:PASS@h/v1?api-key=SECRET", "http://user:PASS@[::1/v1"):
        with pytest.raises(ValueError) as err:
            check_api_url(url)
        assert "PASS" not in str(err.value) and "SECRET" not in str(err.value), str(err.value)
