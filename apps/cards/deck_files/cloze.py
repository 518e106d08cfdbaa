"""Anki cloze deletions (``{{c1::answer::hint}}``) to the front and back of the card of one cloze number."""

import re

CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)


def cloze_numbers(text: str) -> set[int]:
    return {int(match.group(1)) for match in CLOZE.finditer(text)}


def cloze_sides(text: str, number: int) -> tuple[str, str]:
    """(front, back) of card ``number``: its deletions hidden as ``[...]`` (or ``[hint]``), then shown in bold.

    The other deletions show their text on both sides, as in Anki.
    """

    def side(match: re.Match, reveal: bool) -> str:
        answer, hint = match.group(2), match.group(3)
        if int(match.group(1)) != number:
            return answer
        return f"<b>{answer}</b>" if reveal else f"[{hint or '...'}]"

    return CLOZE.sub(lambda match: side(match, False), text), CLOZE.sub(lambda match: side(match, True), text)
