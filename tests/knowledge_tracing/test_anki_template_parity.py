"""The renderer against Anki's own library on real collections: the same cards, showing the same text.

Every note of the real packages in ``../shared/data/anki/`` is given to
``generated_ordinals`` and ``render_note_card`` with its note type's own templates
(custom ones included), and compared with the cards Anki holds and what Anki renders
for them. Text is compared without markup: Anki marks its clozes and typed answers up
differently, and turns LaTeX and sounds into its own tags, which Mnemo leaves as text.
"""

import re
import shutil
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from knowledge_tracing.anki.note_types import CardTemplate, NoteTypeSpec, generated_ordinals, render_note_card
from knowledge_tracing.anki.templates import plain_text

ANKI_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "anki"
PACKAGES = [
    "kanjiplot_2013.anki2",
    "kedarmhaswade_collection.apkg",
    "kedarmhaswade_BarRonPcAp.colpkg",
    "kedarmhaswade_spoken-languages__english__Vocab__2023.apkg",
    "kedarmhaswade_bg-hashtable.colpkg",
    "kedarmhaswade_simple-spanish-w-audio.colpkg.apkg",
]
ANKI_ONLY_MARKUP = [
    r"<style>.*?</style>",
    r"\[\[type:[^\]]*\]\]",  # Anki's typed-answer marker; Mnemo writes an input or the expected text
    r"<input[^>]*>",
    r'<code class="type-answer">.*?</code>',
    r"\[anki:play:[qa]:\d+\]|\[sound:[^\]]*\]",  # sounds: Anki plays them, Mnemo leaves them to the media import
    r"\[\$\$?\].*?\[/\$\$?\]|\[latex\].*?\[/latex\]",  # LaTeX: Anki renders it as images
]


def _comparable(markup: str) -> str:
    for pattern in ANKI_ONLY_MARKUP:
        markup = re.sub(pattern, "", markup, flags=re.DOTALL)
    return " ".join(plain_text(markup).split())


def _spec(model: dict) -> NoteTypeSpec:
    return NoteTypeSpec(
        name=model["name"],
        kind="cloze" if model["type"] == 1 else "standard",
        fields=tuple(field["name"] for field in model["flds"]),
        templates=tuple(CardTemplate(template["name"], template["qfmt"], template["afmt"]) for template in model["tmpls"]),
    )


@pytest.fixture
def anki_collection_of(tmp_path):
    opened = []

    def open_collection(name: str) -> Collection:
        source = ANKI_DATA / name
        if source.suffix == ".anki2":
            shutil.copy(source, tmp_path / "collection.anki2")  # Anki upgrades a collection in place
            collection = Collection(str(tmp_path / "collection.anki2"))
        else:
            collection = Collection(str(tmp_path / "collection.anki2"))
            options = ImportAnkiPackageOptions(with_scheduling=True)
            collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(source), options=options))
        opened.append(collection)
        return collection

    yield open_collection
    for collection in opened:
        collection.close()


@pytest.mark.parametrize("package", PACKAGES)
def test_notes_generate_and_render_the_cards_anki_does(anki_collection_of, package):
    collection = anki_collection_of(package)
    compared = 0
    for note_id in collection.db.list("SELECT id FROM notes"):
        note = collection.get_note(note_id)
        spec = _spec(note.note_type())
        values = list(note.fields)
        anki_cards = {card.ord: card for card in note.cards()}
        rendered_by_anki = {ordinal: card.render_output() for ordinal, card in anki_cards.items()}
        # A collection keeps cards that an edit emptied until "Empty Cards" removes them: Anki renders those as a warning.
        kept_by_anki = {ordinal for ordinal, output in rendered_by_anki.items() if "Empty Cards" not in output.question_text}

        assert set(generated_ordinals(spec, values, tags=note.tags)) == kept_by_anki, values
        for ordinal in kept_by_anki:
            ours = render_note_card(spec, values, ordinal, tags=note.tags, deck=collection.decks.name(anki_cards[ordinal].did))
            assert ours.problems == ()
            assert _comparable(ours.question) == _comparable(rendered_by_anki[ordinal].question_text)
            assert _comparable(ours.answer) == _comparable(rendered_by_anki[ordinal].answer_text)
            compared += 1
    assert compared >= collection.card_count() - 2
