"""Python's cycle collector arranged for a process that serves pages, so no request pays for the garbage of others.

A page leaves a few thousand objects in reference cycles (Django's template contexts,
model instances and their caches). They outlive the young generations while the request
runs, pile up in the oldest, and its collection then came every ten or so requests and
also scanned the ~150,000 objects that Django, the apps and their libraries make at
start-up: 65-80 ms of CPU on one request in ten, which is a p95 (docs/card-browser.md,
"One pass and the collector"). A serving process therefore freezes what start-up made
(``gc.freeze``, as the Python documentation advises for servers: never scanned again)
and collects each request's cycles once its response is finished (``request_finished``),
about 5 ms each time instead of a spike every tenth request.
"""

import gc
from importlib import import_module

from django.conf import settings
from django.core.signals import request_finished


def settle_heap_for_serving() -> None:
    """Freeze the objects of start-up and collect after every request; call once the application is loaded (config.wsgi, config.asgi)."""
    import_module(settings.ROOT_URLCONF)  # the views and all they import are start-up's too
    gc.collect()
    gc.freeze()
    request_finished.connect(collect_request_garbage, dispatch_uid="collect_request_garbage")


def collect_request_garbage(**kwargs) -> None:
    """Collect the finished request's cycles now, while they are all there is to scan."""
    gc.collect()
