"""Times in the viewer's time zone: the browser says which (``static/js/time_zone.js`` sets a cookie), Django renders in it.

The cookie holds an IANA name (``Europe/Madrid``); one that is too long or unknown is
ignored and the site's ``TIME_ZONE`` is used, as without the cookie.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

TIME_ZONE_COOKIE = "mnemo_time_zone"
MAX_TIME_ZONE_NAME = 64


def viewer_time_zone(name: str | None) -> ZoneInfo | None:
    """The time zone called ``name``, or None when there is no such zone."""
    if not name or len(name) > MAX_TIME_ZONE_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimeZoneMiddleware:
    """Activate the viewer's time zone for the request (template dates and ``localtime`` follow it)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        zone = viewer_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
