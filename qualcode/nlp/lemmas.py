"""simplemma's Swedish dictionary, decoded once per installation instead of once per command.

simplemma ships its dictionary front-coded and lzma-compressed; decoding it takes about 0.7 s,
paid by every `import`, `suggest`, `tag` and `serve`. The decoded dictionary is kept in the
user's cache folder (`$XDG_CACHE_HOME/qualcode`, else `~/.cache/qualcode`; `QUALCODE_CACHE`
overrides it) as a `marshal` file — the format Python keeps its own compiled modules in — named
by simplemma's version and the dictionary file's size and time, so an upgraded simplemma writes a
new one. Reading it takes about a third of the decoding. A cache that cannot be read or written
(a read-only home, a damaged file) is decoded as before: lemmas never depend on the cache.
"""

from __future__ import annotations

import functools
import marshal
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LANG = "sv"


def cache_folder() -> Path:
    explicit = os.environ.get("QUALCODE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "qualcode"


def _cache_file(data_file: Path) -> Path:
    import simplemma

    st = data_file.stat()
    version = getattr(simplemma, "__version__", "0")
    return cache_folder() / f"simplemma-{version}-{data_file.stem}-{st.st_size}-{st.st_mtime_ns}.marshal"


def _read(path: Path) -> dict[bytes, bytes] | None:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not data:
        return None
    key, value = next(iter(data.items()))
    return data if isinstance(key, bytes) and isinstance(value, bytes) else None


def _write(path: Path, data: dict[bytes, bytes]) -> None:
    """Write the cache whole or not at all (a temporary file renamed), never failing the command."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps(data))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def _cached_dictionary(lang: str) -> Mapping[str, str]:
    from simplemma.strategies.dictionaries import dictionary_factory as shipped

    data_file = shipped.DATA_FOLDER / f"{lang}.plzma"
    path = _cache_file(data_file)
    data = _read(path)
    if data is None:
        data = shipped._load_dictionary_from_disk(lang)
        _write(path, data)
    return shipped.MappingStrToByteString(data)


@functools.lru_cache(maxsize=1)
def _strategies() -> tuple[Any, Any] | None:
    """simplemma's default lemmatizer and dictionary lookup on the cached dictionary, or None where this
    simplemma is not the one the cache was written for (its dictionaries are then read as it reads them)."""
    try:
        import simplemma
        from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
        from simplemma.strategies.dictionaries.dictionary_factory import CachingDictionaryFactory
        from simplemma.strategies.dictionaries import dictionary_factory as shipped

        shipped._load_dictionary_from_disk, shipped.MappingStrToByteString, shipped.DATA_FOLDER  # noqa: B018
    except (ImportError, AttributeError):
        return None

    class CachedDictionaryFactory(CachingDictionaryFactory):
        def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
            return _cached_dictionary(lang)

    factory = CachedDictionaryFactory()
    return (simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)),
            DictionaryLookupStrategy(factory))


def lemmatize(word: str) -> str:
    """`simplemma.lemmatize(word, lang="sv")`, read from the cached dictionary."""
    import simplemma

    found = _strategies()
    return found[0].lemmatize(word, LANG) if found else simplemma.lemmatize(word, lang=LANG)


def is_known(word: str) -> bool:
    """`simplemma.is_known(word, lang="sv")`, read from the cached dictionary."""
    import simplemma

    found = _strategies()
    if not found:
        return bool(simplemma.is_known(word, lang=LANG))
    from simplemma.utils import normalize_token

    if not isinstance(word, str) or not word:
        return bool(simplemma.is_known(word, lang=LANG))  # its own error for a non-word
    return found[1].get_lemma(normalize_token(word), LANG) is not None
