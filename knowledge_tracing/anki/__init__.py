"""Anki's note model without Anki: note types, card templates, cloze deletions and card generation, as plain Python."""
