"""Document structure: which paragraphs are headings or prompts, and the section each one is in.

Rules, for plain text as it comes out of Word, PDF and forms (no markup needed):
- a Markdown heading (`# Mål`, `## Resultat`) is a heading; so is a Word paragraph in a heading
  style (the docx reader writes it as Markdown);
- a numbered form question (`3. Beskriv hur ni …?`, `2.1 Hur arbetar ni med …:`), a paragraph
  that starts with an instruction (`Beskriv`, `Redogör för`, `Ange` …) or a short question
  (at most 25 words, ending in `?`) is a prompt;
- a short line (at most 10 words and 100 characters) that starts with a capital letter and has
  no final punctuation is a heading when body text follows it (a paragraph of more than 10
  words, or one that ends like a sentence) — not when the next paragraph starts with a small
  letter (a sentence broken over two lines, as PDF exports do), and not in a list of short
  answers.
A paragraph's section is the nearest heading or prompt above it in the same document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

HEADING = "heading"
PROMPT = "prompt"
ROLES = (HEADING, PROMPT)
MAX_HEADING_WORDS = 10
MAX_HEADING_CHARS = 100
MAX_QUESTION_WORDS = 25
MAX_PROMPT_WORDS = 40
MIN_DOCUMENT_MEDIAN_WORDS = 20  # survey answers are shorter: their lines are not a document's
_FINAL = (".", "!", "?", "…", '"', "”", "»", ")", ",", ";")
_MARKDOWN = re.compile(r"^#{1,6}\s+\S")
_NUMBERED = re.compile(r"^(\d+(\.\d+)*[.)]?|[a-zA-Z][.)])\s+\S")
PROMPT_VERBS = frozenset({
    "beskriv", "redogör", "redovisa", "ange", "förklara", "motivera", "berätta", "presentera",
    "exemplifiera", "analysera", "reflektera", "fyll",
})


def paragraph_role(text: str, next_text: str | None = None) -> str | None:
    """`heading`, `prompt` or None (content) for one paragraph; `next_text` is the paragraph after it."""
    t = " ".join(text.split())
    if not t or not any(c.isalpha() for c in t):
        return None
    if _MARKDOWN.match(t):
        return HEADING
    words = t.split()
    first = words[0].lower().strip(":,.")
    if len(words) <= MAX_PROMPT_WORDS and (
        (_NUMBERED.match(t) and (t.endswith(("?", ":")) or _first_word(t) in PROMPT_VERBS))
        or (first in PROMPT_VERBS and t[0].isupper())
    ):
        return PROMPT
    if t.endswith("?") and len(words) <= MAX_QUESTION_WORDS and t[0].isupper():
        return PROMPT
    nxt = " ".join((next_text or "").split())
    body_follows = bool(nxt) and not nxt[:1].islower() and (
        len(nxt.split()) > MAX_HEADING_WORDS or nxt.endswith((".", "!", "?", "…")))
    if (
        len(words) <= MAX_HEADING_WORDS and len(t) <= MAX_HEADING_CHARS and t[0].isupper()
        and not t.endswith(_FINAL) and body_follows
    ):
        return HEADING
    return None


def document_like(texts: Sequence[str]) -> bool:
    """Do these lines read as one document (paragraphs of prose), not as a list of short answers?"""
    lengths = sorted(len(t.split()) for t in texts)
    return bool(lengths) and lengths[len(lengths) // 2] >= MIN_DOCUMENT_MEDIAN_WORDS


def _first_word(t: str) -> str:
    rest = _NUMBERED.sub("", t, count=1)
    return (rest.split() or [""])[0].lower().strip(":,.")


def heading_text(text: str) -> str:
    """A heading or prompt as shown: one line, without Markdown's `#` marks."""
    return re.sub(r"^#{1,6}\s+", "", " ".join(text.split()))


def structure(texts: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """(role, section) for each paragraph of one document, in order.

    The section of a heading or prompt is the one it opens (itself); a prompt under a
    heading carries both (`Heading — Prompt`), a new heading ends both.
    """
    out: list[tuple[str | None, str | None]] = []
    heading: str | None = None
    prompt: str | None = None
    for i, text in enumerate(texts):
        role = paragraph_role(text, texts[i + 1] if i + 1 < len(texts) else None)
        if role == HEADING:
            heading, prompt = heading_text(text), None
        elif role == PROMPT:
            prompt = heading_text(text)
        section = " — ".join(p for p in (heading, prompt) if p) or None
        out.append((role, section))
    return out


def split_section(section: str) -> tuple[str | None, str | None]:
    """(heading, prompt) of a section as `structure` writes it (`Heading — Prompt`, or one of them)."""
    head, _sep, last = section.rpartition(" — ")
    if paragraph_role(last) == PROMPT:
        return head or None, last
    return section, None
