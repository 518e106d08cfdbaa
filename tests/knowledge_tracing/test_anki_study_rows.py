"""Anki files as study logs (``--format anki``): the answers Anki's own library holds, with each card's text and deck."""

from collections import Counter

import pytest

from knowledge_tracing.anki.limits import AnkiFileError
from knowledge_tracing.anki.study_rows import read_study_rows
from knowledge_tracing.data.loaders import DataFormatError, load_tables, parse_anki
from tests.anki_truth import REAL_ANKI_DATA, REAL_FILES, anki_view

MANUAL = 4


@pytest.mark.parametrize("name", REAL_FILES)
def test_rows_are_the_answers_anki_holds_each_in_its_cards_deck(name):
    truth = anki_view(REAL_ANKI_DATA / name)
    answered = [entry for entry in truth.revlog if entry[3] >= 1 and entry[5] != MANUAL]
    rows = parse_anki(REAL_ANKI_DATA / name)

    assert len(rows.outcome) == len(answered)
    assert sorted(int(moment * 1000) for moment in rows.time) == [entry[0] for entry in answered]
    assert Counter(rows.grade) == Counter(entry[3] for entry in answered)
    assert Counter(rows.concept) == Counter(truth.cards[(guid, ordinal)][0] for _, guid, ordinal, *_ in answered)
    assert set(rows.learner) <= {name}
    assert set(rows.item_text) == set(rows.item) and all(rows.item_text.values())


def test_card_text_is_the_rendered_front_and_back_without_markup():
    rows = read_study_rows(REAL_ANKI_DATA / "kanjiplot_2013.anki2")
    texts = set(rows.card_text.values())
    assert "月曜日\nげつようび Montag" in texts
    assert not any("<" in text and ">" in text for text in texts)
    cloze = read_study_rows(REAL_ANKI_DATA / "kedarmhaswade_spoken-languages__english__Vocab__2023.apkg")
    front, back = next(iter(cloze.card_text.values())).split("\n")
    assert "[...]" in front and "[...]" not in back


def test_manual_reschedules_and_answers_of_deleted_cards_are_left_out():
    barron = read_study_rows(REAL_ANKI_DATA / "kedarmhaswade_BarRonPcAp.colpkg")
    assert len(barron.reviews) == 470 and barron.left_out == 0
    kanjiplot = read_study_rows(REAL_ANKI_DATA / "kanjiplot_2013.anki2")
    assert len(kanjiplot.reviews) + kanjiplot.left_out == 6158 and kanjiplot.left_out > 0


def test_a_file_that_is_not_anki_is_refused_with_the_readers_reason(tmp_path):
    bogus = tmp_path / "notes.apkg"
    bogus.write_text("hello")
    with pytest.raises(DataFormatError, match="not an Anki file"):
        load_tables("anki", [bogus])
    with pytest.raises(AnkiFileError):
        read_study_rows(bogus)
