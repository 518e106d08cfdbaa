"""Password reset by e-mail is offered only where an e-mail server is configured (EMAIL_HOST)."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

REPO_ROOT = Path(__file__).resolve().parents[2]
RESET_PAGE = "/accounts/password_reset/"


def _reset_url_with(**env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "EMAIL_HOST"}} | env
    script = "from django.urls import reverse, NoReverseMatch\ntry: print(reverse('password_reset'))\nexcept NoReverseMatch: print('none')"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_an_email_server_there_is_no_password_reset(db, client):
    assert client.get(RESET_PAGE).status_code == 404
    assert "Forgot your password" not in client.get(reverse("login")).content.decode()


def test_with_an_email_server_the_reset_pages_exist():
    assert _reset_url_with(EMAIL_HOST="smtp.example.org") == RESET_PAGE
