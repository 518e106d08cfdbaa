"""Anki without Anki, as plain Python: its files in and out, and its note model.

- ``reader.open_anki_file`` reads ``.apkg``, ``.colpkg`` and bare collection files
  (schema 11 and 18) into ``records`` (note types, notes, cards with their scheduling
  state, decks with their option presets, the review log, the media manifest); both
  the app's import and ``python -m knowledge_tracing evaluate`` use it. Every read is
  held to ``limits``. ``writer.write_package`` writes the same records back as a package.
- ``note_types``, ``templates`` and ``cloze``: note types, card templates, cloze
  deletions and card generation.
"""
