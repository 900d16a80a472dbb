"""Persian text helpers: digits and the normaliser behind uniqueness checks and search."""

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from taavon.core.persian import (
    COMPOUNDS,
    PREFIXES,
    SUFFIXES,
    compound_parts,
    language_uses_persian_digits,
    normalize,
    normalize_for_display,
    search_tokens,
    to_ascii_digits,
    to_persian_digits,
)

ZWNJ = "\u200c"

# Text that mixes the alphabets, affixes and invisible characters Persian users produce.
persianish_text = st.lists(
    st.sampled_from(
        list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ")
        + list("يىكةأإؤئۀ")  # Arabic letters
        + list("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789")
        + list("ـًٌٍَُِّْٰ")  # tatweel and diacritics
        + [ZWNJ, "\u200d", "\u200b", "\u200f", " ", "  ", "\t", "\n", "\u00a0"]
        + list("AbCdéß")
        + sorted(SUFFIXES | PREFIXES)
    ),
    max_size=40,
).map("".join)


# --------------------------------------------------------------------------- digits


def test_a_clerk_types_a_number_in_persian_and_the_database_gets_ascii():
    assert to_ascii_digits("۱۴۰۴/۰۶/۱۴") == "1404/06/14"
    assert to_ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_ascii_digits("شماره ۱۲ and 34") == "شماره 12 and 34"


def test_numbers_are_shown_with_persian_digits():
    assert to_persian_digits("1404/06/14") == "۱۴۰۴/۰۶/۱۴"
    assert to_persian_digits(2500) == "۲۵۰۰"
    assert to_persian_digits(None) == ""
    assert to_persian_digits("٣") == "۳"  # Arabic-Indic digits are unified as well


@given(st.text())
def test_digit_conversion_round_trips(text):
    assert to_ascii_digits(to_persian_digits(text)) == to_ascii_digits(text)
    assert to_persian_digits(to_ascii_digits(text)) == to_persian_digits(text)


@given(st.integers())
def test_any_integer_survives_the_trip_through_persian_digits(number):
    assert int(to_ascii_digits(to_persian_digits(number))) == number


def test_the_language_decides_the_digits():
    assert language_uses_persian_digits("fa")
    assert language_uses_persian_digits("fa-IR")
    assert not language_uses_persian_digits("en")
    assert not language_uses_persian_digits("")


# ---------------------------------------------------------------------- normalize


def test_three_spellings_of_cooperatives_are_one_key():
    """With no space, with a space and with a ZWNJ — the same word to a Persian reader."""
    spellings = ["تعاونیها", "تعاونی ها", f"تعاونی{ZWNJ}ها"]
    assert len({normalize(s) for s in spellings}) == 1
    assert normalize("تعاونی ها") == "تعاونیها"


def test_all_listed_affixes_are_glued():
    assert normalize("شرکت های تعاونی") == normalize(f"شرکت{ZWNJ}های تعاونی") == "شرکتهای تعاونی"
    assert normalize("بزرگ ترین") == normalize("بزرگترین")
    assert normalize("می روم") == normalize(f"می{ZWNJ}روم") == normalize("میروم")
    assert normalize("نمی دانم") == normalize("نمیدانم")
    assert normalize("خانه ای") == normalize(f"خانه{ZWNJ}ای")


def test_arabic_keyboard_and_persian_keyboard_give_the_same_key():
    assert normalize("تعاوني مسكن") == normalize("تعاونی مسکن")
    assert normalize("على") == normalize("علی")
    assert normalize("مؤسسه") == normalize("موسسه")
    assert normalize("خانۀ ما") == normalize("خانه ما") == normalize("خانهٔ ما")
    assert normalize("أحمد") == normalize("احمد")


def test_decoration_is_ignored():
    assert normalize("تعـــاونی") == normalize("تعاونی")  # tatweel
    assert normalize("مُحَمَّد") == normalize("محمد")  # diacritics
    assert normalize("\u200fتعاونی\u200e") == normalize("تعاونی")  # bidi marks


def test_whitespace_digits_and_latin_case_are_unified():
    assert normalize("  تعاونی \t\n  مسکن  ") == "تعاونی مسکن"
    assert normalize("تعاونی شماره ۱۲") == "تعاونی شماره 12"
    assert normalize("Taavon CO") == normalize("taavon co")


def test_alef_madda_is_kept_distinct():
    assert normalize("آب") != normalize("اب")


def test_nothing_normalizes_to_nothing():
    assert normalize(None) == ""
    assert normalize("  \u200c ") == ""


@given(persianish_text)
def test_normalize_is_idempotent(text):
    key = normalize(text)
    assert normalize(key) == key


@given(st.text())
def test_normalize_is_idempotent_on_any_unicode(text):
    key = normalize(text)
    assert normalize(key) == key


@given(persianish_text)
def test_keys_have_no_invisible_characters_or_stray_spaces(text):
    key = normalize(text)
    assert ZWNJ not in key and "\u200d" not in key and "ـ" not in key
    assert key == key.strip()
    assert "  " not in key


@given(st.lists(st.sampled_from(["تعاونی", "مسکن", "کارکنان", "فرهنگیان"]), min_size=1), st.data())
def test_any_mix_of_affix_joiners_gives_one_key(words, data):
    """However a writer joins «ها» to each word — nothing, space or ZWNJ — the key is the same."""
    joiners = data.draw(st.lists(st.sampled_from(["", " ", ZWNJ]), min_size=len(words), max_size=len(words)))
    written = " ".join(word + joiner + "ها" for word, joiner in zip(words, joiners, strict=True))
    assert normalize(written) == normalize(" ".join(word + "ها" for word in words))


# ----------------------------------------------------------- normalize_for_display


def test_a_typed_name_is_tidied_but_keeps_its_zwnj():
    typed = f"  تعاوني   مسكن{ZWNJ}های  كاركنان "
    assert normalize_for_display(typed) == f"تعاونی مسکن{ZWNJ}های کارکنان"


def test_display_normaliser_leaves_digits_and_diacritics_alone():
    assert normalize_for_display("شماره ۱۲ مُحَمَّد") == "شماره ۱۲ مُحَمَّد"
    assert normalize_for_display(None) == ""


@given(persianish_text)
def test_display_normaliser_is_idempotent_and_agrees_with_the_key(text):
    shown = normalize_for_display(text)
    assert normalize_for_display(shown) == shown
    assert normalize(shown) == normalize(text)


# ------------------------------------------------------------------ search_tokens


def test_search_tokens_are_normalized_words():
    assert search_tokens("تعاوني  مسکن‌های ۱۲") == ["تعاونی", "مسکنهای", "12"]
    assert search_tokens("") == []
    assert search_tokens("مسکن مسکن") == ["مسکن"]


@given(persianish_text)
def test_search_tokens_rebuild_the_key_when_words_do_not_repeat(text):
    tokens = search_tokens(text)
    assert all(tokens) and all(" " not in t for t in tokens)
    assert set(tokens) == set(normalize(text).split())


# --------------------------------------------------------------------- compounds

_WORD_LIST = (Path(__file__).parent / "compound_words.txt").read_text(encoding="utf-8")
_COMPOUND_LINES, _APART_LINES = (
    [line for line in part.splitlines() if line.strip() and not line.startswith("#")]
    for part in _WORD_LIST.split("--- apart")
)


def _spellings(written: str) -> set[str]:
    """Every way of writing each ZWNJ joint of ``written``: ZWNJ, a space or nothing."""
    pieces = written.split(ZWNJ)
    return {
        "".join(piece + joiner for piece, joiner in zip(pieces, (*joiners, ""), strict=True))
        for joiners in itertools.product([ZWNJ, " ", ""], repeat=len(pieces) - 1)
    }


def test_compound_words_typed_with_a_space_a_zwnj_or_nothing_are_one_key():
    """«دانش بنیان» with a space finds «دانش‌بنیان» and «دانشبنیان»: for every word of the list."""
    assert len(_COMPOUND_LINES) > 20
    for written in _COMPOUND_LINES:
        keys = {normalize(spelling) for spelling in _spellings(written)}
        assert keys == {normalize(written.replace(ZWNJ, ""))}, written


def test_the_compound_list_keeps_search_words_apart():
    """A common word after another is not glued to it: «تعاونی کار» still has the word «کار»."""
    for phrase in _APART_LINES:
        assert normalize(phrase) == phrase, phrase


def test_every_listed_compound_is_one_word_in_the_key():
    for compound in COMPOUNDS:
        whole = compound.replace(ZWNJ, "")
        assert normalize(whole) == whole
        assert normalize(compound.replace(ZWNJ, " ")) == whole


def test_a_compound_followed_by_a_suffix_is_one_key():
    assert normalize("دانش بنیان ها") == normalize("دانش بنیانها") == normalize("دانش‌بنیان‌ها") == "دانشبنیانها"


@given(st.lists(st.sampled_from(["دانش", "بنیان", "چند", "منظوره", "حمل", "و", "نقل", "ها", "تعاونی", " ", ZWNJ])).map(" ".join))
def test_compounds_keep_the_key_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


def test_a_compound_key_word_knows_its_halves():
    assert compound_parts("دانشبنیان") == ("دانش", "بنیان")
    assert compound_parts("دانشبنیانها") == ("دانش", "بنیانها")
    assert compound_parts("تعاونی") == ()
