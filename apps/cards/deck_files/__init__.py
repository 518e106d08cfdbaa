"""Deck files in and out: CSV/TSV and Anki packages read into plain records, and written back.

Nothing here touches the database: readers turn a file into a ``DeckFile`` (or raise
``DeckFileError`` naming the row or package entry), and ``apps.cards.services`` stores it.
"""
