"""Persian text helpers: digit conversion and the search/uniqueness normaliser.

This module is pure Python and imports nothing from Django at module level, so it can be
used from migrations, management commands, data scripts and tests alike.

Two normalisers with different jobs live here:

``normalize(text)``
    Builds a *key*: a string meant for comparison (uniqueness checks, search indexes),
    never for display. Different spellings of the same Persian words give the same key.

``normalize_for_display(text)``
    A light clean-up of what a user typed (Arabic ي/ى/ك become Persian ی/ک, whitespace is
    trimmed and collapsed) that otherwise keeps the text as typed, ZWNJ included.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "COMPOUNDS",
    "PERSIAN_DIGITS",
    "PREFIXES",
    "SUFFIXES",
    "compound_parts",
    "key_words",
    "language_uses_persian_digits",
    "normalize",
    "normalize_for_display",
    "search_tokens",
    "to_ascii_digits",
    "to_persian_digits",
]

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

ZWNJ = "\u200c"

#: Affixes that Persian writers attach with a ZWNJ, a space or nothing at all. In the key a
#: space between a word and one of these is removed (ZWNJ is always removed), so that
#: «تعاونیها», «تعاونی ها» and «تعاونی‌ها» share one key.
SUFFIXES = frozenset(
    {
        "ها", "های", "هایی", "ای", "تر", "ترین",
        # Bound second halves of compounds, never a word of their own: «مصرف کنندگان», «دام داران».
        "کننده", "کنندگان", "داران", "پروری", "پروران",
    }
)  # fmt: skip
PREFIXES = frozenset({"می", "نمی"})

#: Compound words of cooperative names that writers join with a ZWNJ, a space or nothing; the
#: ZWNJ marks where they split them. In the key a compound split at any place is written whole
#: (also followed by a suffix), so «دانش بنیان», «دانش‌بنیان» and «دانشبنیان» share one key.
#: Only compounds whose halves are seldom searched alone belong here: the key of the whole no
#: longer has a word starting with its second half. tests/core/compound_words.txt checks them.
COMPOUNDS = (
    "دانش‌بنیان", "کار‌آفرین", "کار‌آفرینی", "کار‌آفرینان", "چند‌منظوره", "تک‌منظوره",
    "بهره‌بردار", "بهره‌برداری", "بهره‌برداران", "خود‌اشتغالی", "نرم‌افزار",
    "نرم‌افزاری", "سخت‌افزار", "سخت‌افزاری", "فن‌آوری", "فن‌آوران", "گل‌خانه", "گل‌خانه‌ای", "دست‌باف", "پیش‌ساخته", "خود‌رو", "دام‌پزشکی", "زیست‌فناوری",
    "نیک‌اندیشان", "هم‌اندیشان", "هم‌گامان", "هم‌یاران", "هم‌بستگی", "هم‌کاران", "فرش‌بافان",
    "صنعت‌گران",
)  # fmt: skip

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)

# Letters that only the display normaliser changes: Arabic yeh/alef maksura/kaf.
_DISPLAY_LETTERS = {
    "\u064a": "ی",  # ي ARABIC LETTER YEH
    "\u0649": "ی",  # ى ARABIC LETTER ALEF MAKSURA
    "\u0643": "ک",  # ك ARABIC LETTER KAF
}

# Letter folding used by the key (a superset of the display letters).
_KEY_LETTERS = {
    **_DISPLAY_LETTERS,
    "\u0626": "ی",  # ئ YEH WITH HAMZA ABOVE (پائیز / پاییز)
    "\u06aa": "ک",  # ڪ SWASH KAF
    "\u0629": "ه",  # ة TEH MARBUTA
    "\u06c0": "ه",  # ۀ HEH WITH YEH ABOVE (ezafe)
    "\u06c1": "ه",  # ہ HEH GOAL
    "\u06be": "ه",  # ھ HEH DOACHASHMEE
    "\u06d5": "ه",  # ە AE
    "\u0623": "ا",  # أ ALEF WITH HAMZA ABOVE
    "\u0625": "ا",  # إ ALEF WITH HAMZA BELOW
    "\u0671": "ا",  # ٱ ALEF WASLA
    "\u0624": "و",  # ؤ WAW WITH HAMZA ABOVE
}

# Characters the key drops entirely: tatweel, Arabic diacritics, Quranic marks and the
# zero-width / bidi control characters that sneak in through copy and paste.
_KEY_DROPPED = (
    ["\u0640"]  # ـ TATWEEL
    + [chr(c) for c in range(0x064B, 0x0660)]  # harakat, shadda, sukun, hamza marks …
    + ["\u0670"]  # superscript alef
    + [chr(c) for c in range(0x06D6, 0x06EE)]  # Quranic annotation marks
    + ["\u00ad", "\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff"]
    + [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
)

_DISPLAY_TABLE = str.maketrans(_DISPLAY_LETTERS)
_KEY_TABLE = str.maketrans({**_KEY_LETTERS, **dict.fromkeys(_KEY_DROPPED)})

# The key of each compound -> its halves.
_COMPOUND_KEYS = {
    word.translate(_KEY_TABLE): tuple(part.translate(_KEY_TABLE) for part in word.split(ZWNJ)) for word in COMPOUNDS
}
# A compound split at every joint and followed by a suffix word: the longest run to try.
_COMPOUND_PARTS = max(word.count(ZWNJ) + 1 for word in COMPOUNDS) + 1


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def to_ascii_digits(s: object) -> str:
    """Return ``s`` with Persian (۰-۹) and Arabic-Indic (٠-٩) digits replaced by 0-9.

    Everything else is left untouched. ``None`` gives ``""``; other objects are ``str()``-ed.
    """
    return _as_text(s).translate(_TO_ASCII)


def to_persian_digits(s: object) -> str:
    """Return ``str(s)`` with ASCII (and Arabic-Indic) digits replaced by Persian ۰-۹.

    Accepts any object (numbers included); ``None`` gives ``""``.
    """
    return _as_text(s).translate(_TO_PERSIAN)


def language_uses_persian_digits(language: str | None = None) -> bool:
    """True when ``language`` (default: Django's active language) is Persian (``fa…``).

    Django is imported lazily, so the rest of this module stays framework-free.
    """
    if language is None:
        from django.utils import translation

        language = translation.get_language()
    return bool(language) and language.lower().startswith("fa")


def _join_affixes(words: list[str]) -> list[str]:
    """One pass gluing suffix words onto the previous word and prefix words onto the next."""
    out: list[str] = []
    for word in words:
        if out and (word in SUFFIXES or out[-1] in PREFIXES):
            out[-1] += word
        else:
            out.append(word)
    return out


def compound_parts(word: str) -> tuple[str, ...]:
    """The halves of a key word that is one of :data:`COMPOUNDS` (a suffix stays on the last), else ``()``.

    The search indexes them beside the whole word, so «بنیان» still finds «دانش‌بنیان».
    """
    if word in _COMPOUND_KEYS:
        return _COMPOUND_KEYS[word]
    for suffix in SUFFIXES:
        parts = _COMPOUND_KEYS.get(word[: -len(suffix)]) if word.endswith(suffix) else None
        if parts:
            return (*parts[:-1], parts[-1] + suffix)
    return ()


def _is_compound(text: str) -> bool:
    return bool(compound_parts(text))


def _join_compounds(words: list[str]) -> list[str]:
    """One pass writing whole each run of words that spells a compound (longest run first)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_COMPOUND_PARTS, len(words) - i), 1, -1):
            whole = "".join(words[i : i + size])
            if _is_compound(whole):
                out.append(whole)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_KEY_TABLE).translate(_TO_ASCII).casefold()
    words = text.split()
    # Gluing can create a new affix (e.g. «ه» + «ای» = «های») or complete a compound, so repeat
    # until stable.
    while True:
        joined = _join_affixes(_join_compounds(words))
        if len(joined) == len(words):
            return " ".join(joined)
        words = joined


def normalize(text: object) -> str:
    """Return the comparison key of ``text`` (for uniqueness checks and search).

    Contract — two strings that differ only in the following ways have the same key:

    * Unicode compatibility forms (NFKC): Arabic presentation forms, full-width Latin,
      no-break spaces, decomposed letters and so on.
    * Arabic versus Persian letters: ي ى ئ → ی, ك ڪ → ک, ة ۀ ہ ھ ە → ه, أ إ ٱ → ا, ؤ → و.
      (آ is kept distinct from ا.)
    * Digits: Persian and Arabic-Indic digits become ASCII 0-9.
    * Tatweel (ـ), Arabic diacritics (U+064B–U+065F, U+0670, Quranic marks) and zero-width
      or bidi control characters (ZWNJ, ZWJ, ZWSP, LRM/RLM, BOM, soft hyphen, …) are removed.
    * Whitespace: every run of whitespace becomes one space; leading/trailing space is
      removed.
    * Affixes: a word in :data:`SUFFIXES` (ها، های، هایی، ای، تر، ترین and the bound halves
      کننده، کنندگان، داران، پروری، پروران) is glued to the word before it and a word in
      :data:`PREFIXES` (می، نمی) to the word after it. Together with the ZWNJ removal this makes
      «تعاونیها», «تعاونی ها» and «تعاونی‌ها» equal.
    * Compounds: words that together spell one of :data:`COMPOUNDS` (alone or followed by a
      suffix) are written as one word: «دانش بنیان» = «دانش‌بنیان» = «دانشبنیان».
    * Latin letters are case-folded.

    The key is idempotent: ``normalize(normalize(x)) == normalize(x)``. ``None`` gives
    ``""``. Keys are for comparison only; never show them to users.
    """
    key = _as_text(text)
    # Each step is idempotent on its own, but removing a character can bring together a
    # pair that NFKC or case folding would treat differently; a few rounds settle it.
    for _ in range(5):
        again = _normalize_once(key)
        if again == key:
            break
        key = again
    return key


def normalize_for_display(text: object) -> str:
    """Lightly clean a typed name while keeping it as the user wrote it.

    Only changes: Arabic ي/ى → ی and ك → ک; leading/trailing whitespace is removed and
    every inner whitespace run becomes a single space. ZWNJ, digits, diacritics and
    everything else are kept. ``None`` gives ``""``.
    """
    return " ".join(_as_text(text).translate(_DISPLAY_TABLE).split())


def key_words(key: str) -> list[str]:
    """The distinct words of a key made by :func:`normalize`, in first-seen order.

    This is the one word splitter of search: the query's words (:func:`search_tokens`) and the
    words the registry's word index stores for each name key both come from it. A key has
    single spaces between words and none at its ends, so this is ``key.split(" ")`` without
    repeats; ``""`` gives ``[]``.
    """
    return list(dict.fromkeys(key.split()))


def search_tokens(text: object) -> list[str]:
    """Split the :func:`normalize` key of ``text`` into words for ranked search.

    Words keep their first-seen order; repeated words are listed once. Empty input gives
    an empty list.
    """
    return key_words(normalize(text))
