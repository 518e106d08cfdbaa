"""Media references in card text: a package's form (file names, ``[sound:name]``) and Mnemo's (URLs of a deck's media files).

An Anki note refers to its media by file name: ``<img src="cat.png">`` and
``[sound:hola.mp3]``. Shown in Mnemo, a name the deck's media holds becomes the URL that
serves it, and a sound becomes an ``<audio controls>`` element (the sanitiser keeps
``<audio>``/``<source>`` only with a source among Mnemo's own media). Notes keep the
package's form in their fields, so an export writes them back as Anki wrote them, and a
note rendered again after an edit finds its files among its owner's media.
"""

import html
import re

from django.urls import reverse

from apps.cards.models import DeckMedia

IMAGE_SOURCE = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["']?)([^"'\s>]+)\2""", re.IGNORECASE)
SOUND = re.compile(r"\[sound:([^\[\]<>\"]+?)\]")


def served_media(text: str, urls: dict[str, str]) -> str:
    """``text`` with each image and sound whose file name ``urls`` maps pointed at its URL; other references stay as they are."""
    if not urls:
        return text

    def image(match: re.Match) -> str:
        url = urls.get(html.unescape(match.group(3)))
        return f'{match.group(1)}"{html.escape(url)}"' if url else match.group(0)

    def sound(match: re.Match) -> str:
        url = urls.get(html.unescape(match.group(1)).strip())
        return f'<audio controls preload="none" src="{html.escape(url)}"></audio>' if url else match.group(0)

    return SOUND.sub(sound, IMAGE_SOURCE.sub(image, text))


def referenced_media(text: str) -> set[str]:
    """The file names ``text`` refers to by ``<img src>`` or ``[sound:]``."""
    return {html.unescape(match.group(3)) for match in IMAGE_SOURCE.finditer(text)} | {
        html.unescape(match.group(1)).strip() for match in SOUND.finditer(text)
    }


def owner_media_urls(*, owner_id: int) -> dict[str, str]:
    """File name -> the URL serving it, over the media of every deck of the owner (an import keeps them on its main deck)."""
    urls = {}
    for deck_uuid, name in DeckMedia.objects.filter(deck__owner_id=owner_id, deck__deleted_at__isnull=True).order_by("id").values_list("deck__uuid", "name"):
        urls.setdefault(name, reverse("cards:deck_media", kwargs={"deck_uuid": deck_uuid, "name": name}))
    return urls
