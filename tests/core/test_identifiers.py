"""Iranian identifiers: what people type, what we store, and what we refuse."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from taavon.core.identifiers import (
    BANKS,
    clean_card,
    clean_legal_national_id,
    clean_mobile,
    clean_national_code,
    clean_postal_code,
    clean_sheba,
    is_valid_card,
    is_valid_legal_national_id,
    is_valid_mobile,
    is_valid_national_code,
    is_valid_postal_code,
    is_valid_sheba,
    luhn_check_digit,
    make_card,
    make_legal_national_id,
    make_national_code,
    make_sheba,
    sheba_bank,
    validate_card,
    validate_legal_national_id,
    validate_mobile,
    validate_national_code,
    validate_postal_code,
    validate_sheba,
)
from taavon.core.persian import to_persian_digits


def digit_strings(length):
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


def other_digit(digit):
    return st.sampled_from([d for d in "0123456789" if d != digit])


def replace_at(text, index, char):
    return text[:index] + char + text[index + 1 :]


def error_code(clean, value):
    with pytest.raises(ValidationError) as caught:
        clean(value)
    return caught.value.code


# ---------------------------------------------------------------------- national code


def test_a_member_types_a_national_code_any_way_they_like():
    for typed in ["0499370899", "۰۴۹۹۳۷۰۸۹۹", "049-937089-9", " 0499 370 899 ", "٠٤٩٩٣٧٠٨٩٩"]:
        assert clean_national_code(typed) == "0499370899"


def test_a_spreadsheet_dropped_the_leading_zeros():
    assert clean_national_code("499370899") == "0499370899"
    assert clean_national_code("10350829") == "0010350829"
    assert clean_national_code(10350829) == "0010350829"


def test_bad_national_codes_are_refused_with_a_reason():
    assert error_code(clean_national_code, "04993708x9") == "national_code_digits"
    assert error_code(clean_national_code, "") == "national_code_digits"
    assert error_code(clean_national_code, "1234567") == "national_code_length"
    assert error_code(clean_national_code, "04993708990") == "national_code_length"
    assert error_code(clean_national_code, "0499370898") == "national_code_invalid"
    assert error_code(clean_national_code, "1111111111") == "national_code_invalid"  # checksum passes!
    assert error_code(clean_national_code, "00000000") == "national_code_invalid"


def test_the_error_message_is_written_for_people(english):
    with pytest.raises(ValidationError) as caught:
        validate_national_code("123")
    assert caught.value.messages == ["National code must have 10 digits."]


def test_validity_helpers_never_raise():
    assert is_valid_national_code("0499370899")
    assert not is_valid_national_code(None)
    assert not is_valid_national_code("not a code")


@given(digit_strings(9))
def test_every_generated_national_code_validates(nine):
    assume(len(set(nine)) > 1)
    code = make_national_code(nine)
    assert code.startswith(nine) and len(code) == 10
    assert clean_national_code(code) == code
    assert clean_national_code(to_persian_digits(code)) == code


@given(digit_strings(9), st.data())
def test_a_wrong_check_digit_is_caught(nine, data):
    assume(len(set(nine)) > 1)
    code = make_national_code(nine)
    wrong = replace_at(code, 9, data.draw(other_digit(code[9])))
    assert not is_valid_national_code(wrong)


@pytest.mark.parametrize("digit", "0123456789")
def test_nine_identical_digits_cannot_make_a_national_code(digit):
    with pytest.raises(ValueError):
        make_national_code(digit * 9)


# ----------------------------------------------------------------- legal national ID


def test_legal_national_id_checksum_worked_example():
    """1010034567 + ?: c = 7 + 2 = 9; sum of (d + 9) × 29,27,23,19,17,… is 2665; 2665 % 11 = 3."""
    assert make_legal_national_id("1010034567") == "10100345673"
    assert clean_legal_national_id("۱۰۱۰۰۳۴۵۶۷۳") == "10100345673"
    assert clean_legal_national_id("101-0034-5673") == "10100345673"


def test_bad_legal_national_ids_are_refused_with_a_reason():
    assert error_code(clean_legal_national_id, "1010034567a") == "legal_national_id_digits"
    assert error_code(clean_legal_national_id, "1010034567") == "legal_national_id_length"
    assert error_code(clean_legal_national_id, "10100345674") == "legal_national_id_invalid"
    assert error_code(clean_legal_national_id, "00000000000") == "legal_national_id_invalid"


def test_a_check_digit_of_ten_becomes_zero():
    """s == 10 is written as 0; find such a base and check both directions."""
    base = next(f"{n:010d}" for n in range(10**9, 10**9 + 1000) if _legal_sum(f"{n:010d}") == 10)
    assert make_legal_national_id(base) == base + "0"
    assert is_valid_legal_national_id(base + "0")


def _legal_sum(ten):
    d = [int(c) for c in ten]
    return sum((d[i] + d[9] + 2) * (29, 27, 23, 19, 17)[i % 5] for i in range(10)) % 11


@given(digit_strings(10), st.data())
def test_every_generated_legal_id_validates_and_a_wrong_check_digit_fails(ten, data):
    legal_id = make_legal_national_id(ten)
    assert clean_legal_national_id(legal_id) == legal_id
    wrong = replace_at(legal_id, 10, data.draw(other_digit(legal_id[10])))
    assert not is_valid_legal_national_id(wrong)


# ---------------------------------------------------------------------------- mobile


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "+98 912 123 4567",
        "+98 (0912) 123-4567",
        "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        "۰۹۱۲-۱۲۳-۴۵۶۷",
    ],
)
def test_every_way_of_writing_a_mobile_number_is_stored_the_same(typed):
    assert clean_mobile(typed) == "09121234567"


@pytest.mark.parametrize(
    "typed", ["", "0912123456", "091212345678", "08121234567", "02112345678", "+449121234567", "0912abc4567"]
)
def test_things_that_are_not_iranian_mobiles_are_refused(typed):
    assert error_code(clean_mobile, typed) == "mobile_invalid"
    assert not is_valid_mobile(typed)


@given(digit_strings(9))
def test_international_and_local_spellings_agree(rest):
    local = "09" + rest
    spellings = [local, local[1:], "+98" + local[1:], "0098" + local[1:], "98" + local[1:], to_persian_digits(local)]
    assert {clean_mobile(s) for s in spellings} == {local}


# ----------------------------------------------------------------------- postal code


def test_postal_codes():
    assert clean_postal_code("13185-76473") == "1318576473"
    assert clean_postal_code("۱۳۱۸۵ ۷۶۴۷۳") == "1318576473"
    assert error_code(clean_postal_code, "1318a76473") == "postal_code_digits"
    assert error_code(clean_postal_code, "131857647") == "postal_code_length"
    assert error_code(clean_postal_code, "1308576473") == "postal_code_invalid"  # 0 in the first five
    assert error_code(clean_postal_code, "1328576473") == "postal_code_invalid"  # 2 in the first five
    assert error_code(clean_postal_code, "3333333333") == "postal_code_invalid"
    assert is_valid_postal_code("1318500000")  # zeros are fine after the first five


# ----------------------------------------------------------------------------- Sheba


def test_a_published_sheba_number_is_recognised():
    assert clean_sheba("IR820540102680020817909002") == "IR820540102680020817909002"
    assert sheba_bank("IR820540102680020817909002") == ("Parsian Bank", "بانک پارسیان")
    assert sheba_bank("IR710570029971601460641001").name_en == "Bank Pasargad"


def test_sheba_numbers_are_accepted_as_people_write_them():
    sheba = make_sheba("017", "1234567")
    assert sheba[4:7] == "017"
    spaced = " ".join([sheba[:4], sheba[4:8], sheba[8:12], sheba[12:16], sheba[16:20], sheba[20:24], sheba[24:]])
    for typed in [sheba.lower(), spaced, "IR" + to_persian_digits(sheba[2:]), sheba.replace("IR", "ir-")]:
        assert clean_sheba(typed) == sheba
    assert sheba_bank(sheba).name_fa == "بانک ملی ایران"


def test_bad_sheba_numbers_are_refused_with_a_reason(english):
    good = make_sheba("012", "42")
    assert error_code(clean_sheba, good[2:]) == "sheba_prefix"
    assert error_code(clean_sheba, "DE" + good[2:]) == "sheba_prefix"
    assert error_code(clean_sheba, good[:-1]) == "sheba_length"
    assert error_code(clean_sheba, good[:-1] + "x") == "sheba_length"
    assert error_code(clean_sheba, replace_at(good, 25, str((int(good[25]) + 1) % 10))) == "sheba_invalid"
    unknown_bank = "IR062960000000100324200001"  # mod-97 is fine, but there is no bank 296
    assert error_code(clean_sheba, unknown_bank) == "sheba_bank"
    with pytest.raises(ValidationError) as caught:
        validate_sheba(unknown_bank)
    assert caught.value.messages == ["Sheba bank code is not recognised."]


def test_make_sheba_refuses_what_it_cannot_build():
    with pytest.raises(ValueError):
        make_sheba("999", "1")
    with pytest.raises(ValueError):
        make_sheba("017", "1" * 20)
    assert make_sheba(17, 5) == make_sheba("017", "0005")


@given(st.sampled_from(sorted(BANKS)), digit_strings(19))
def test_every_built_sheba_validates_and_names_its_bank(bank_code, account):
    sheba = make_sheba(bank_code, account)
    assert len(sheba) == 26
    assert clean_sheba(sheba) == sheba
    assert sheba_bank(sheba) == BANKS[bank_code]


@given(st.sampled_from(sorted(BANKS)), digit_strings(19), st.integers(min_value=2, max_value=25), st.data())
def test_changing_any_single_digit_of_a_sheba_fails(bank_code, account, position, data):
    sheba = make_sheba(bank_code, account)
    changed = replace_at(sheba, position, data.draw(other_digit(sheba[position])))
    assert not is_valid_sheba(changed)


# ------------------------------------------------------------------------ bank card


def test_luhn_on_known_numbers():
    assert clean_card("4111 1111 1111 1111") == "4111111111111111"
    assert clean_card("۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳") == "6037991234567893"
    assert luhn_check_digit("603799123456789") == 3
    assert error_code(clean_card, "4111111111111112") == "card_invalid"
    assert error_code(clean_card, "0000000000000000") == "card_invalid"
    assert error_code(clean_card, "411111111111111") == "card_length"
    assert error_code(clean_card, "4111-1111-1111-111x") == "card_digits"


@given(digit_strings(15), st.integers(min_value=0, max_value=15), st.data())
def test_every_made_card_passes_luhn_and_any_single_digit_change_fails(fifteen, position, data):
    assume(len(set(fifteen)) > 1)
    card = make_card(fifteen)
    assert is_valid_card(card)
    changed = replace_at(card, position, data.draw(other_digit(card[position])))
    assert not is_valid_card(changed)


# ------------------------------------------------------------------- Django validators


@pytest.mark.parametrize(
    ("validator", "good", "bad", "code"),
    [
        (validate_national_code, "0499370899", "0499370898", "national_code_invalid"),
        (validate_legal_national_id, "10100345673", "10100345674", "legal_national_id_invalid"),
        (validate_mobile, "09121234567", "0912", "mobile_invalid"),
        (validate_postal_code, "1318576473", "1318", "postal_code_length"),
        (validate_sheba, "IR820540102680020817909002", "IR820540102680020817909003", "sheba_invalid"),
        (validate_card, "4111111111111111", "4111111111111112", "card_invalid"),
    ],
)
def test_model_field_validators_pass_good_values_and_raise_with_a_code(validator, good, bad, code):
    assert validator(good) is None
    with pytest.raises(ValidationError) as caught:
        validator(bad)
    assert caught.value.code == code
