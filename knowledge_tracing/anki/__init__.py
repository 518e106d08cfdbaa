"""Anki's files in and out, without Anki: read packages and collections into plain records, write them back.

``reader.open_anki_file`` reads ``.apkg``, ``.colpkg`` and bare collection files (schema
11 and 18) into ``records`` (note types, notes, cards with their scheduling state, decks
with their option presets, the review log, the media manifest); both the app's import
and ``python -m knowledge_tracing evaluate`` use it. Every read is held to ``limits``.
"""
