"""Mnemo settings, read from the environment with defaults that run on one machine.

With nothing set, Mnemo uses a SQLite file and a filesystem Celery broker under
``var/`` and a local-memory cache, so a fresh checkout needs only Python. A deployment
sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (broker and cache), ``SECRET_KEY``,
``DEBUG=false``, ``ALLOWED_HOSTS`` and ``CSRF_TRUSTED_ORIGINS``; with DEBUG off the
settings pass ``manage.py check --deploy``. Behind a TLS-terminating proxy set
``SECURE_PROXY_SSL_HEADER=true`` so Django sees the original scheme.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    """A boolean environment variable: 1/true/yes/on are true, 0/false/no/off false."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_results",
    "django_celery_beat",
    "apps.accounts",
    "apps.cards",
    "apps.study",
    "apps.experiments",
    "apps.modeling",
    "apps.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'mnemo.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Test databases are named per process, so test runs started side by side never share one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the in-memory default, so a Celery worker subprocess and the
    # live-server thread see the same test database as the test itself.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-mnemo-{os.getpid()}.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cards:deck_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# Security: strict whenever DEBUG is off (manage.py check --deploy passes).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker needing no server.
CELERY_FILESYSTEM_DIR = Path(os.environ.get("CELERY_FILESYSTEM_DIR", VAR_DIR / "celery"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    for _folder in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "close-idle-study-sessions": {
        "task": "apps.study.tasks.close_idle_sessions",
        "schedule": crontab(minute="*/15"),
    },
    "train-models-nightly": {"task": "apps.modeling.tasks.train_nightly", "schedule": crontab(hour=3, minute=0)},
    "train-models-on-new-logs": {"task": "apps.modeling.tasks.train_on_new_logs", "schedule": crontab(minute="*/30")},
    "fail-stale-training-runs": {"task": "apps.modeling.tasks.fail_stale_runs", "schedule": crontab(minute="*/10")},
    "refresh-dashboard-snapshots": {"task": "apps.dashboards.tasks.refresh_snapshots", "schedule": crontab(minute=20)},
}

# Mnemo.
MNEMO_DEFAULT_POLICY = os.environ.get("MNEMO_DEFAULT_POLICY", "fsrs")
MNEMO_SESSION_IDLE_MINUTES = int(os.environ.get("MNEMO_SESSION_IDLE_MINUTES", "120"))

# Training and serving the student models (apps.modeling, docs/training.md).
MNEMO_TRAINING_KINDS = env_list("MNEMO_TRAINING_KINDS", "karl,fsrs6")
MNEMO_TRAINING_MIN_LOGS = int(os.environ.get("MNEMO_TRAINING_MIN_LOGS", "200"))
MNEMO_TRAINING_HOLDOUT_FRACTION = float(os.environ.get("MNEMO_TRAINING_HOLDOUT_FRACTION", "0.2"))
MNEMO_TRAINING_NEW_LOGS_THRESHOLD = int(os.environ.get("MNEMO_TRAINING_NEW_LOGS_THRESHOLD", "1000"))
MNEMO_TRAINING_SOFT_TIME_LIMIT = int(os.environ.get("MNEMO_TRAINING_SOFT_TIME_LIMIT", "3300"))
MNEMO_TRAINING_TIME_LIMIT = int(os.environ.get("MNEMO_TRAINING_TIME_LIMIT", "3600"))
MNEMO_TRAINING_STALE_MINUTES = int(os.environ.get("MNEMO_TRAINING_STALE_MINUTES", "15"))
MNEMO_TRAINING_THREADS = int(os.environ.get("MNEMO_TRAINING_THREADS", "1"))
MNEMO_PROMOTION_MAX_ECE = float(os.environ.get("MNEMO_PROMOTION_MAX_ECE", "0.1"))
MNEMO_EMBED_CARDS_ON_SAVE = env_bool("MNEMO_EMBED_CARDS_ON_SAVE", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False}},
}
