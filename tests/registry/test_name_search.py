"""Finding a cooperative by name in the public register: word beginnings, spellings, ranking, the word index.

Runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://… pytest tests/registry``): both
databases must give the same answers in the same order.
"""

import datetime
import importlib

import pytest
from django.core.paginator import Paginator
from django.db import connection

from taavon.core.persian import key_words, normalize
from taavon.registry import selectors, services
from taavon.registry.models import Cooperative, CooperativeWord, word_rows
from taavon.registry.public import selectors as public
from tests import helpers

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"


def names(results) -> list[str]:
    return [c.name for c in results]


def search(q="", **filters) -> list[str]:
    return names(public.search_cooperatives(q=q, **filters))


def indexed(coop: Cooperative) -> set[tuple[str, str]]:
    return set(CooperativeWord.objects.filter(cooperative=coop).values_list("word", "name_key"))


def expected_words(coop: Cooperative) -> set[tuple[str, str]]:
    coop.refresh_from_db()
    return {(word, key) for _, word, key in word_rows(coop.pk, coop.name_key)}


# --------------------------------------------------------------------------- what matches


def test_a_visitor_typing_the_start_of_a_word_finds_the_cooperative():
    housing = helpers.cooperative(name="تعاونی مسکن فرهنگیان ورامین")
    helpers.cooperative(name="تعاونی مصرف کارکنان بانک")

    assert search("مسک") == [housing.name]
    assert search("فرهنگ ورا") == [housing.name]  # every word of the query starts a word of the name
    assert search("ورامین مسکن") == [housing.name]  # in any order


def test_a_piece_from_the_middle_of_a_word_finds_nothing():
    helpers.cooperative(name="تعاونی مسکن فرهنگیان ورامین")

    assert search("سکن") == []
    assert search("هنگیان") == []
    assert search("مسکن فرش") == []  # one word of the query is in no word of the name


def test_every_spelling_finds_the_same_cooperatives():
    unions = {
        helpers.cooperative(name=f"اتحادیه تعاونی{ZWNJ}های مرزنشینان استان کرمان").name,
        helpers.cooperative(name="اتحادیه تعاونی های فرش دستباف استان یزد").name,
        helpers.cooperative(name="اتحادیه تعاونیهای دامداران شهرستان بم").name,
    }
    farm = helpers.cooperative(name="تعاونی کشاورزی یکتا")

    for query in (f"تعاونی{ZWNJ}های", "تعاونیهای", "تعاونی های", "اتحادیه تعاونی های"):
        assert set(search(query)) == unions, query
    assert search("كشاورزي يكتا") == search("کشاورزی یکتا") == [farm.name]
    assert search("كشا") == [farm.name]


def test_exact_name_then_names_starting_with_it_then_the_rest_each_by_name():
    elsewhere = helpers.cooperative(name="شرکت تعاونی فرش دستباف نائین")
    later = helpers.cooperative(name="تعاونی فرش دستباف یزد")
    exact = helpers.cooperative(name="تعاونی فرش دستباف")
    earlier = helpers.cooperative(name="تعاونی فرش دستباف اصفهان")
    reordered = helpers.cooperative(name="تعاونی دستبافان و فرش")
    helpers.cooperative(name="تعاونی فرش ماشینی")

    assert search("تعاوني فرش دستباف") == [exact.name, earlier.name, later.name, reordered.name, elsewhere.name]
    # the last word may be unfinished: the prefix part still comes first
    assert search("تعاونی فرش دست") == [exact.name, earlier.name, later.name, reordered.name, elsewhere.name]


def test_names_sort_by_code_point_on_every_database():
    # Code-point order is not the Persian alphabet: ت (U+062A) < پ (U+067E), ک (U+06A9) < گ (U+06AF) < ی (U+06CC).
    for name in ("تعاونی پارس گستر", "تعاونی تابان", "تعاونی یاس", "تعاونی گلها", "تعاونی کوثر", "تعاونی آبشار"):
        helpers.cooperative(name=name)

    found = search("تعاونی")
    assert found[1:] == sorted(found[1:], key=normalize)
    assert found == ["تعاونی آبشار", "تعاونی تابان", "تعاونی پارس گستر", "تعاونی کوثر", "تعاونی گلها", "تعاونی یاس"]
    assert search() == found  # the whole register, in the same order


def test_a_name_with_two_words_starting_with_the_query_word_is_listed_once():
    both = helpers.cooperative(name="تعاونی فرشبافان فرش کاشان")
    weavers = helpers.cooperative(name="تعاونی فرشبافان یزد")
    carpets = helpers.cooperative(name="اتحادیه فرش قم")

    results = public.search_cooperatives(q="فرش")
    assert names(results) == [carpets.name, both.name, weavers.name]
    assert results.count() == 3


def test_a_query_word_that_starts_many_words_gives_the_same_answer(monkeypatch):
    for name in ("تعاونی مسکن کارگران", "تعاونی کارآفرینان مسکن", "تعاونی صنایع کاشی", "تعاونی مسکن کارکنان بانک"):
        helpers.cooperative(name=name)
    ranged = search("کار"), search("مسکن کار")
    # م (U+0645) sorts before ک (U+06A9)
    assert ranged == (
        ["تعاونی مسکن کارکنان بانک", "تعاونی مسکن کارگران", "تعاونی کارآفرینان مسکن"],
        ["تعاونی مسکن کارکنان بانک", "تعاونی مسکن کارگران", "تعاونی کارآفرینان مسکن"],
    )

    monkeypatch.setattr(public.WordPart, "MAX_WORDS", 0)  # too many words start with the query word: walk the names
    assert (search("کار"), search("مسکن کار")) == ranged


def test_the_rarest_word_leads_without_changing_the_answer(monkeypatch):
    for n in range(6):
        helpers.cooperative(name=f"تعاونی تولیدی قطعات {n}")
    wanted = helpers.cooperative(name="شرکت تعاونی تولیدی قطعات البرز")
    answer = search("قطعات البرز")
    assert answer == [wanted.name]

    monkeypatch.setattr(public.WordPart, "_estimates", lambda self, cursor: [1.0] * len(self.tokens))
    assert search("قطعات البرز") == answer  # whichever word leads, the same names


def test_percent_and_underscore_in_a_query_are_plain_characters():
    for tail in ("الف", "ب", "ج"):
        helpers.cooperative(name=f"تعاونی 100% {tail}")
    for name in ("تعاونی 100% ایرانی", "تعاونی 1000 ایرانی", "تعاونی a_b ایرانی", "تعاونی axb ایرانی"):
        helpers.cooperative(name=name)

    # «ایرانی» is the rarer word, so «100%» and «a_» are looked for inside the names it leads to
    assert search("ایرانی 100%") == ["تعاونی 100% ایرانی"]
    assert search("ایرانی a_") == ["تعاونی a_b ایرانی"]
    assert search("100%") == ["تعاونی 100% الف", "تعاونی 100% ایرانی", "تعاونی 100% ب", "تعاونی 100% ج"]


def test_filters_apply_to_every_part():
    tehran = helpers.cooperative(name="تعاونی صنعتی البرز", activity="industry")
    far = helpers.cooperative(name="شرکت تعاونی صنعتی کویر", province=helpers.other_province(tehran.province))
    closed = helpers.cooperative(name="شرکت تعاونی صنعتی قدیم", status="dissolved")

    assert search("صنعتی", province=far.province.code) == [far.name]
    assert search("صنعتی", province=far.province) == [far.name]
    assert search("صنعتی", province=far.province.pk) == [far.name]
    assert search("صنعتی", status="dissolved") == [closed.name]
    assert search("تعاونی", activity="industry", province=tehran.province.code) == [tehran.name, closed.name]
    assert search("صنعتی", province="99") == []  # no such province


def test_pages_follow_on_from_the_prefix_part_into_the_rest():
    for n in range(7):
        helpers.cooperative(name=f"تعاونی نان {n}")
    for n in range(6):
        helpers.cooperative(name=f"شرکت تعاونی نان {n}")
    everything = search("تعاونی نان")

    results = public.search_cooperatives(q="تعاونی نان")
    assert names(results[0:3]) + names(results[3:9]) + names(results[9:20]) == everything
    assert names(results[5:9]) == everything[5:9] and results[8].name == everything[8]
    pages = Paginator(public.search_cooperatives(q="تعاونی نان"), 5)
    assert [c.name for n in pages.page_range for c in pages.page(n).object_list] == everything
    assert pages.count == 13 and everything[:7] == [f"تعاونی نان {n}" for n in range(7)]


def test_the_count_stops_at_the_cap_in_the_word_part_too(monkeypatch):
    monkeypatch.setattr(public.RankedResults, "COUNT_CAP", 3)
    for n in range(5):
        helpers.cooperative(name=f"شرکت تعاونی حمل و نقل {n}")

    results = public.search_cooperatives(q="حمل نقل")
    assert results.count() == 3 and results.count_is_capped
    assert len(results[0:2]) == 2


# --------------------------------------------------------------------------- the word index


def test_registering_a_cooperative_indexes_the_words_of_its_name():
    coop = helpers.cooperative(name="شرکت تعاونی‌ها و تعاونی ها نمونه")

    assert indexed(coop) == expected_words(coop)
    assert {w for w, _ in indexed(coop)} == {"شرکت", "تعاونیها", "و", "نمونه"}  # each word once


def test_renaming_a_cooperative_reindexes_it_and_other_edits_leave_it_alone(english):
    admin = helpers.user("administrator")
    coop = helpers.cooperative(name="تعاونی کشاورزی دشت")

    services.update_cooperative(actor=admin, cooperative=coop, name="تعاونی دامداران کوهپایه")
    assert indexed(coop) == expected_words(coop)
    assert search("دشت") == [] and search("کوهپا") == ["تعاونی دامداران کوهپایه"]

    before = indexed(coop)
    services.update_cooperative(actor=admin, cooperative=coop, phone="02188776655")
    coop.refresh_from_db()
    coop.save(update_fields=["employees"])
    assert indexed(coop) == before

    coop.name = "تعاونی دامداران دشت"
    coop.save(update_fields=["name"])
    assert indexed(coop) == expected_words(coop) and search("دشت") == ["تعاونی دامداران دشت"]


def test_a_deleted_cooperative_leaves_no_words_behind():
    coop = helpers.cooperative(name="تعاونی موقت")
    coop.delete()
    assert not CooperativeWord.objects.exists()


def test_the_migration_backfills_the_words_of_existing_cooperatives():
    coops = [helpers.cooperative(name=name) for name in ("تعاونی ماهیگیران بندر", "اتحادیه تعاونیهای اعتبار", "تعاونی")]
    CooperativeWord.objects.all().delete()
    migration = importlib.import_module("taavon.registry.migrations.0003_word_index")
    from django.apps import apps

    migration.BATCH = 2  # several batches
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the migration creates the foreign key after the backfill
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # here it exists: check this test's rows now
        with connection.schema_editor() as editor:
            migration.backfill_words(apps, editor)
    else:  # the SQLite schema editor cannot open inside the test's transaction; the backfill needs only the connection

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration.backfill_words(apps, editor)
    for coop in coops:
        assert indexed(coop) == expected_words(coop)
    assert search("ماهی") == ["تعاونی ماهیگیران بندر"]


def test_the_word_splitter_is_the_one_the_query_uses():
    key = normalize(f"تعاونی{ZWNJ}های  مسکن  مسکن ـ كرج")
    assert key_words(key) == ["تعاونیهای", "مسکن", "کرج"]
    assert key_words("") == []


# --------------------------------------------------------------------------- member lookup by national code


def test_a_persons_memberships_across_cooperatives_are_found_by_national_code():
    person = helpers.person()
    second = helpers.cooperative(name="تعاونی مصرف محلی باران")
    first = helpers.cooperative(name="تعاونی اعتبار کارکنان")
    helpers.member(second, person, membership_number="7", joined_on=datetime.date(2022, 3, 1))
    helpers.member(first, person, membership_number="12", status="left", left_on=datetime.date(2024, 1, 2))
    helpers.member(first)  # someone else

    found = selectors.memberships_by_national_code(person.national_code)

    assert [(m.cooperative_name, m.membership_number, m.status) for m in found] == [
        ("تعاونی اعتبار کارکنان", "12", "left"),
        ("تعاونی مصرف محلی باران", "7", "active"),
    ]
    assert found[0].left_on == datetime.date(2024, 1, 2) and found[1].joined_on == datetime.date(2022, 3, 1)
    assert found[0].cooperative_national_id == first.national_id and found[0].verified is False
    assert selectors.memberships_by_national_code(helpers.national_code()) == []


def test_an_administrator_deletes_a_cooperative_in_the_back_office_and_its_words_go_with_it(client):
    from django.urls import reverse

    admin = helpers.user("administrator")
    coop = helpers.cooperative(name="تعاونی ثبت اشتباه")
    client.force_login(admin)
    url = reverse("admin:registry_cooperative_delete", args=[coop.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Cooperative.objects.filter(pk=coop.pk).exists() and not CooperativeWord.objects.exists()
    assert search("اشتباه") == []
