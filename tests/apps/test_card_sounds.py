"""Sounds in card text: an ``[sound:name]`` of the deck's own media becomes a player; a sound from elsewhere is dropped."""

from apps.cards.media_links import referenced_media, served_media
from apps.cards.rendering import render_card_text

OWN = "/decks/2f1e7c1c-1b7e-4a53-9f5e-2f7c1b7e4a53/media/hola.mp3"


def test_a_sound_of_the_decks_media_becomes_a_player_that_the_sanitiser_keeps(db):
    text = served_media("Listen: [sound:hola.mp3]", {"hola.mp3": OWN})
    assert text == f'Listen: <audio controls preload="none" src="{OWN}"></audio>'
    shown = render_card_text(text)
    assert f'<audio controls="" preload="none" src="{OWN}"></audio>' in shown


def test_a_sound_the_deck_lacks_stays_as_text(db):
    assert served_media("[sound:missing.mp3]", {"hola.mp3": OWN}) == "[sound:missing.mp3]"


def test_audio_from_another_server_loses_its_source(db):
    shown = render_card_text('<audio controls src="https://tracker.example/ping.mp3"></audio><audio><source src="//evil/x.mp3"></audio>')
    assert "tracker.example" not in shown and "evil" not in shown


def test_images_and_sounds_are_found_by_their_file_names():
    assert referenced_media('<img src="a.png"> [sound:b.mp3] <img src=\'c&amp;d.jpg\'>') == {"a.png", "b.mp3", "c&d.jpg"}
