"""The fast JSON encoder gives exactly JSONEncoder.encode's text, and its errors."""

from __future__ import annotations

import datetime
import json
import threading

import pytest

from qualcode.core.jsonenc import Encoder

VALUES = [
    {"stadsdel": "Hägersten-Älvsjö", "termin": "HT2016", "respondent": "k000001", "field": "kommentar"},
    {"b": 3.5, "a": [1, 2.0, None, True], "ö": {"x": "\"citat\"\n\t\\ \u0001 \u2028"}},
    {}, [], "text", 1.0e-7, float("inf"), None,
]


@pytest.mark.parametrize("options", [
    {"ensure_ascii": False, "sort_keys": True},
    {"ensure_ascii": False, "sort_keys": True, "default": str},
    {},
])
def test_the_same_text_as_jsonencoder(options):
    encode, reference = Encoder(**options), json.JSONEncoder(**options)
    for value in VALUES * 2:  # the second round reuses the encoder
        assert encode(value) == reference.encode(value)


def test_the_same_errors_and_usable_after_them():
    encode = Encoder(sort_keys=True)
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular reference"):
        encode(loop)
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode({"när": datetime.date(2017, 3, 1)})
    assert encode({"a": [1]}) == '{"a": [1]}'  # no markers left from the failures
    assert Encoder(default=str)({"när": datetime.date(2017, 3, 1)}) == '{"n\\u00e4r": "2017-03-01"}'


def test_threads_each_get_the_same_text():
    encode, value = Encoder(sort_keys=True, ensure_ascii=False), {"k": ["å"] * 50, "n": {"x": 1}}
    want = json.dumps(value, sort_keys=True, ensure_ascii=False)
    seen: list[bool] = []

    def work() -> None:
        seen.append(all(encode(value) == want for _ in range(2000)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [True] * 4


def test_without_allow_nan_a_float_json_cannot_hold_is_an_input_error_naming_its_key():
    from qualcode.core.errors import InputError

    encode = Encoder(sort_keys=True, allow_nan=False)
    for value, key in (({"poäng": float("nan")}, "'poäng'"), ({"a": {"b": [0.5, float("-inf")]}}, "'a.b[1]'")):
        with pytest.raises(InputError, match=key.replace("[", r"\[").replace("]", r"\]")):
            encode(value)
    assert encode({"a": 1.5}) == '{"a": 1.5}'
    with pytest.raises(ValueError, match="Circular reference"):  # other errors stay as they were
        loop: dict[str, object] = {}
        loop["self"] = loop
        encode(loop)
