"""JSON text of small values (document metadata) without the setup `JSONEncoder.encode` repeats per call.

`JSONEncoder.encode` builds a new C encoder (and a Python closure) on every call: for a metadata
dict of four short strings that is more than half its time, and an import encodes two or three such
dicts per row. `Encoder` keeps one C encoder per thread and gives exactly `JSONEncoder.encode`'s
text (it is the same C code with the same settings); a value that fails is handed to
`JSONEncoder.encode`, so errors are the same too, except that with `allow_nan=False` a float
that JSON cannot hold (nan, inf, -inf) raises an InputError naming its key.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from typing import Any

from qualcode.core.errors import InputError
from qualcode.core.i18n import _

try:
    from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython always has it
    _c_make_encoder = None


class Encoder:
    """`JSONEncoder(**options).encode`, faster for repeated calls: `Encoder(sort_keys=True)(value)`."""

    def __init__(self, **options: Any):
        self._json = json.JSONEncoder(**options)
        self._local = threading.local()
        usable = _c_make_encoder is not None and self._json.indent is None
        self._make: Callable[[], Any] | None = self._c_encoder if usable else None

    def _c_encoder(self) -> Any:
        j = self._json
        quote = json.encoder.encode_basestring_ascii if j.ensure_ascii else json.encoder.encode_basestring
        markers: dict[int, Any] | None = {} if j.check_circular else None
        return _c_make_encoder(markers, j.default, quote, j.indent, j.key_separator, j.item_separator,
                               j.sort_keys, j.skipkeys, j.allow_nan)

    def _encode(self, value: Any) -> str:
        try:
            return self._json.encode(value)
        except ValueError:
            where = None if self._json.allow_nan else non_finite(value)
            if where is None:
                raise
            key, number = where
            raise InputError(
                _("'{key}' has the value {value}, which is not a number that can be stored — give a number or a text").format(key=key, value=number),
                value=key,
            ) from None

    def __call__(self, value: Any) -> str:
        if self._make is None or isinstance(value, str):
            return self._encode(value)
        encode = getattr(self._local, "encode", None)
        if encode is None:
            encode = self._local.encode = self._make()
        try:
            return "".join(encode(value, 0))
        except Exception:
            self._local.encode = None  # it may hold markers of the failed value: a new one next time
            return self._encode(value)  # raises the same error
        except BaseException:  # interrupted: the same, but nothing is encoded again
            self._local.encode = None
            raise


def non_finite(value: Any) -> tuple[str, float] | None:
    """The key (path `a.b`, `a[0]`) and value of the first float in `value` that JSON cannot hold.

    Walked with a stack, each container once, so that a circular value ends too.

    >>> non_finite({"poäng": [1.0, float("nan")]})
    ('poäng[1]', nan)
    """
    stack: list[tuple[str, Any]] = [("", value)]
    seen: set[int] = set()
    while stack:
        key, v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return key, v
        if isinstance(v, dict):
            items: list[tuple[str, Any]] = [(f"{key}.{k}" if key else str(k), x) for k, x in v.items()]
        elif isinstance(v, (list, tuple)):
            items = [(f"{key}[{i}]", x) for i, x in enumerate(v)]
        else:
            continue
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(reversed(items))
    return None
