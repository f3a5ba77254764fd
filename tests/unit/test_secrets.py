"""The one secret policy: allow-listed headers and query names, URL credentials, config keys, free text."""

from evalscope.secrets import MASK, config_secrets, mask_config, mask_url, redact


def test_url_credentials_and_query_values_are_masked_but_plain_names_kept():
    url = "http://user:PASS@h:8000/v1/chat/completions?api-version=1&api-key=SEKRIT"
    masked = mask_url(url)
    assert "PASS" not in masked and "user" not in masked and "SEKRIT" not in masked
    assert "api-version=1" in masked and "h:8000/v1/chat/completions" in masked


def test_config_masks_secret_keys_headers_and_extra_body_everywhere():
    data = {
        "api_url": "http://u:PW1234@host/v1?token=TOK12345",
        "generation_config": {"extra_headers": {"Cookie": "c=abcd", "X-Tenant-Id": "tenant7", "Accept": "json"},
                              "extra_body": {"user_secret": "bodyval"}},
        "eval_config": {"models": [{"headers": {"X-Api": "hdrval"}, "api_base": "http://a:PW9876@h2/v1"}]},
        "model_args": {"auth_token": "tok-val", "temperature": 0.5, "use_fast": True},
    }
    masked = mask_config(data)
    text = repr(masked)
    for secret in ("PW1234", "TOK12345", "c=abcd", "tenant7", "bodyval", "hdrval", "PW9876", "tok-val"):
        assert secret not in text, secret
    assert masked["generation_config"]["extra_headers"]["Accept"] == "json"
    assert masked["model_args"] == {"auth_token": MASK, "temperature": 0.5, "use_fast": True}
    found = set(config_secrets(data))
    assert {"PW1234", "TOK12345", "c=abcd", "tenant7", "bodyval", "hdrval", "PW9876", "tok-val"} <= found
    assert "json" not in found


def test_redact_known_values_and_bearer_tokens():
    text = "401: invalid key sk-abcdef123 (Authorization: Bearer zzzzzzzzzzzz)"
    out = redact(text, ["sk-abcdef123"])
    assert "sk-abcdef123" not in out and "zzzzzzzzzzzz" not in out and "401: invalid key" in out
    assert redact("", ["x"]) == ""


def test_secret_key_names_are_words_not_substrings():
    from evalscope.secrets import is_secret_key

    for name in ("api_key", "X-Auth-Token", "accessToken", "password", "Cookie", "client_secret", "OPENAI_API_KEY"):
        assert is_secret_key(name), name
    for name in ("max_tokens", "max_new_tokens", "tokenizer_path", "keep_empty_answers", "monkey", "author"):
        assert not is_secret_key(name), name
    assert mask_config({"max_tokens": 5, "api_key": "k-123456"}) == {"max_tokens": 5, "api_key": MASK}
