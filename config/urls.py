"""URL routes: the web pages, the JSON API under /api/v1/ and the admin."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
