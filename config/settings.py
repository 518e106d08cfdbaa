"""Mnemo settings, read from the environment with defaults that run on one machine.

With nothing set, Mnemo uses a SQLite file and a filesystem Celery broker under
``var/`` and a local-memory cache, so a fresh checkout needs only Python. A deployment
sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL`` (broker and cache), ``SECRET_KEY``,
``DEBUG=false``, ``ALLOWED_HOSTS`` and ``CSRF_TRUSTED_ORIGINS``; with DEBUG off the
settings pass ``manage.py check --deploy``. Behind a TLS-terminating proxy set
``SECURE_PROXY_SSL_HEADER=true`` so Django sees the original scheme.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
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
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "apps.accounts",
    "apps.cards",
    "apps.study",
    "apps.deck_io",
    "apps.experiments",
    "apps.modeling",
    "apps.research",
    "apps.outbox",
    "apps.dashboards",
    "apps.privacy",
    "apps.backups",
    "apps.browser",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "config.errors.ApiMethodNotAllowedIsJson",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.time_zone.ViewerTimeZoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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
    # IMMEDIATE: a transaction takes SQLite's write lock when it opens, waiting up to the
    # timeout for another process's; a deferred one that reads and then writes is refused
    # at once ("database is locked") while web, worker, beat and a command write together.
    # mmap_size: read the database through a memory map (SQLite's "memory-mapped I/O"), so a
    # search that visits 100,000 cards in index order does not copy each page through
    # read(); every request opens a new connection, so SQLite's own page cache starts cold.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA mmap_size = 1073741824"}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # Behind PgBouncer in transaction mode a server-side cursor cannot outlive its
    # transaction: set this for processes that connect through it (docs/scaling.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False)

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
# E-mail: set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS, DEFAULT_FROM_EMAIL) to send mail over SMTP. Password reset and e-mail
# verification exist only then: without a mail server their links could never arrive,
# and the few mails that remain (a new address's confirmation) go to the log.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mnemo@localhost")
if not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Accounts (django-allauth, docs/accounts.md). Anyone may sign up unless
# MNEMO_SIGNUP_OPEN=false (a private instance: the sign-up page says so and creates
# nothing); new accounts are learners. People sign in with their username or e-mail
# address. With a mail server the address is required and must be verified before the
# first sign-in; without one it is optional and never verified. Sign-up never tells
# whether an e-mail address is already in use (with mail, its owner is told instead).
MNEMO_SIGNUP_OPEN = env_bool("MNEMO_SIGNUP_OPEN", True)
# The privacy app's adapter is Mnemo's, plus signing in while one's deletion is pending (apps.privacy.adapter).
ACCOUNT_ADAPTER = "apps.privacy.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "apps.accounts.account_forms.LoginForm",
    "signup": "apps.accounts.account_forms.SignupForm",
    "add_email": "apps.accounts.account_forms.AddEmailForm",
    "change_password": "apps.accounts.account_forms.ChangePasswordForm",
    "set_password": "apps.accounts.account_forms.SetPasswordForm",
    "reset_password": "apps.accounts.account_forms.ResetPasswordForm",
    "reset_password_from_key": "apps.accounts.account_forms.ResetPasswordKeyForm",
    "reauthenticate": "apps.accounts.account_forms.ReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}


def mail_dependent_account_settings(email_host: str) -> dict:
    """The account settings that follow from whether Mnemo can send e-mail (tests apply them with a mail server)."""
    with_mail = bool(email_host)
    return {
        "MNEMO_PASSWORD_RESET": with_mail,
        "ACCOUNT_SIGNUP_FIELDS": ["username*", "email*" if with_mail else "email", "password1*", "password2*"],
        "ACCOUNT_EMAIL_VERIFICATION": "mandatory" if with_mail else "none",
        # "strict" without mail: an address already in use is accepted (it is never
        # verified, so it proves nothing), since refusing it would tell who uses it.
        "ACCOUNT_PREVENT_ENUMERATION": True if with_mail else "strict",
        # Without mail no address is ever verified, and allauth would then refuse
        # two-factor sign-in to everyone who gave one (staff included).
        "MFA_ALLOW_UNVERIFIED_EMAIL": not with_mail,
    }


globals().update(mail_dependent_account_settings(EMAIL_HOST))
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Mnemo] "
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
# allauth's own rate limits (in the cache) sit beside axes: per address they are generous,
# because a class signs up and in together from one school address; per account (key)
# they stop a guesser who spreads attempts over many addresses, which axes' per-address
# lock does not. The per-key limit is above axes' limit, so one person mistyping meets
# axes' lockout page first. The two-factor step shares "login_failed", keyed by account.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "30/m/ip,10/15m/key",
    "signup": "60/m/ip,300/h/ip",
}
# Two-factor sign-in: TOTP (an authenticator app) with one-time recovery codes. Staff
# must set it up before reaching any page when MNEMO_STAFF_REQUIRE_2FA is on (the
# default whenever DEBUG is off; apps.accounts.two_factor).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mnemo"
MFA_FORMS = {
    "authenticate": "apps.accounts.account_forms.TwoFactorAuthenticateForm",
    "reauthenticate": "apps.accounts.account_forms.TwoFactorReauthenticateForm",
    "activate_totp": "apps.accounts.account_forms.ActivateTOTPForm",
}
MNEMO_STAFF_REQUIRE_2FA = env_bool("MNEMO_STAFF_REQUIRE_2FA", not DEBUG)

# Sign-in throttling (django-axes) on every sign-in that goes through authenticate():
# the sign-in page (by username or e-mail), POST /api/v1/auth/token and re-entering a
# password; the admin's sign-in is the sign-in page. A wrong two-factor code counts as a
# failed sign-in too (apps.accounts.two_factor). After MNEMO_LOGIN_FAILURE_LIMIT failures
# for one account from one address, that pair is refused for MNEMO_LOGIN_COOLOFF_MINUTES,
# even with the right password. Attempts are kept in the database, so the limit holds
# across processes whatever the cache.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "allauth.account.auth_backends.AuthenticationBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("MNEMO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MNEMO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.account_of_credentials"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    AXES_IPWARE_PROXY_COUNT = 1  # behind one proxy: the client's address is the last it forwarded
    ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the same address for allauth's rate limits

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
MEDIA_ROOT = Path(os.environ.get("MNEMO_MEDIA_ROOT", VAR_DIR / "media"))

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

# Content-Security-Policy (django-csp): scripts, styles and images from Mnemo's own
# origin only, no inline script or style, nothing framed or posted elsewhere. Card text
# keeps only images of its own media (apps.cards.rendering); data: serves the blank favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Training limits come first: the broker's visibility timeout is derived from them.
MNEMO_TRAINING_SOFT_TIME_LIMIT = int(os.environ.get("MNEMO_TRAINING_SOFT_TIME_LIMIT", "3300"))
MNEMO_TRAINING_TIME_LIMIT = int(os.environ.get("MNEMO_TRAINING_TIME_LIMIT", "3600"))
# The epochs of DKT and CAKT stop after this many seconds (the best validated epoch is kept), well inside the
# soft limit, which also has to cover building the data set, scoring and saving.
MNEMO_TRAINING_MAX_SECONDS = int(os.environ.get("MNEMO_TRAINING_MAX_SECONDS", "1500"))

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker needing no server.
# Why each delivery setting is what it is: docs/operations.md, "Celery delivery settings".
CELERY_FILESYSTEM_DIR = Path(os.environ.get("CELERY_FILESYSTEM_DIR", VAR_DIR / "celery"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged message goes back to the queue after this long; it must outlast
        # the longest task (training's hard limit) or a healthy run would be delivered twice.
        "visibility_timeout": MNEMO_TRAINING_TIME_LIMIT + 600,
        # A request that publishes while Redis is unreachable gives up quickly (the outbox keeps the work).
        "socket_connect_timeout": 2,
    }
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
# Acknowledge a message when its task has finished, not when it starts: a worker that dies
# mid-task leaves the message to be delivered again (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
# A task whose pool child was killed is requeued rather than recorded as failed; training
# overrides this (its run row's lease retries it, with bounded attempts).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each process reserves one message at a time: a long training run never holds others' work.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker blip does not cancel running tasks; they finish and acknowledge after reconnecting.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing tries three times within about a second, then the outbox keeps the message.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "close-idle-study-sessions": {
        "task": "apps.study.tasks.close_idle_sessions",
        "schedule": crontab(minute="*/15"),
    },
    "train-models-nightly": {"task": "apps.modeling.tasks.train_nightly", "schedule": crontab(hour=3, minute=0)},
    "train-models-on-new-logs": {"task": "apps.modeling.tasks.train_on_new_logs", "schedule": crontab(minute="*/30")},
    "fail-stale-training-runs": {"task": "apps.modeling.tasks.recover_stale_runs", "schedule": crontab(minute="*")},
    "send-outbox": {"task": "apps.outbox.tasks.send_outbox", "schedule": crontab(minute="*")},
    "recover-stale-research-exports": {"task": "apps.research.tasks.recover_stale_research_exports", "schedule": crontab(minute="*")},
    # deck imports run in apps.deck_io; their tasks keep the names they had in apps.cards (apps/deck_io/tasks.py)
    "recover-stale-deck-imports": {"task": "apps.cards.tasks.recover_stale_deck_imports", "schedule": crontab(minute="*")},
    "watch-served-models": {"task": "apps.modeling.tasks.watch_served_versions", "schedule": crontab(minute="*/15")},
    "delete-expired-research-exports": {"task": "apps.research.tasks.delete_expired_research_exports", "schedule": crontab(minute=5)},
    "refresh-dashboard-snapshots": {"task": "apps.dashboards.tasks.refresh_snapshots", "schedule": crontab(minute=20)},
    "erase-deleted-accounts": {"task": "apps.privacy.tasks.erase_deleted_accounts", "schedule": crontab(minute=40)},
    "recover-stale-snapshot-computations": {"task": "apps.dashboards.tasks.recover_stale_snapshot_computations", "schedule": crontab(minute="*")},
    "backup-nightly": {"task": "apps.backups.tasks.backup_nightly", "schedule": crontab(hour=2, minute=30)},
}
MNEMO_OUTBOX_SEND_GRACE_SECONDS = int(os.environ.get("MNEMO_OUTBOX_SEND_GRACE_SECONDS", "30"))
MNEMO_OUTBOX_RESEND_MINUTES = int(os.environ.get("MNEMO_OUTBOX_RESEND_MINUTES", "30"))
# Research exports and deck imports whose worker stopped renewing its lease for this long
# are queued again, up to MNEMO_JOB_MAX_ATTEMPTS attempts, then failed (apps.leases).
MNEMO_JOB_STALE_SECONDS = int(os.environ.get("MNEMO_JOB_STALE_SECONDS", "120"))
MNEMO_JOB_MAX_ATTEMPTS = int(os.environ.get("MNEMO_JOB_MAX_ATTEMPTS", "3"))

# Mnemo.
# FSRS due order: in the simulator, KARL-driven `delta` did not teach as much as FSRS at
# the same workload on every deck and seed (docs/scheduling.md, bench/policy_simulation.py);
# MNEMO_DEFAULT_POLICY=delta lets the served model choose.
MNEMO_DEFAULT_POLICY = os.environ.get("MNEMO_DEFAULT_POLICY", "fsrs")
MNEMO_API_TOKEN_DAYS = int(os.environ.get("MNEMO_API_TOKEN_DAYS", "30"))
MNEMO_SESSION_IDLE_MINUTES = int(os.environ.get("MNEMO_SESSION_IDLE_MINUTES", "120"))

# Training and serving the student models (apps.modeling, docs/training.md).
MNEMO_TRAINING_KINDS = env_list("MNEMO_TRAINING_KINDS", "karl,fsrs6")
MNEMO_TRAINING_MIN_LOGS = int(os.environ.get("MNEMO_TRAINING_MIN_LOGS", "200"))
MNEMO_TRAINING_HOLDOUT_FRACTION = float(os.environ.get("MNEMO_TRAINING_HOLDOUT_FRACTION", "0.2"))
MNEMO_TRAINING_NEW_LOGS_THRESHOLD = int(os.environ.get("MNEMO_TRAINING_NEW_LOGS_THRESHOLD", "1000"))
MNEMO_TRAINING_STALE_SECONDS = int(os.environ.get("MNEMO_TRAINING_STALE_SECONDS", "120"))
MNEMO_TRAINING_MAX_ATTEMPTS = int(os.environ.get("MNEMO_TRAINING_MAX_ATTEMPTS", "3"))
MNEMO_TRAINING_QUEUED_HOURS = float(os.environ.get("MNEMO_TRAINING_QUEUED_HOURS", "6"))
MNEMO_TRAINING_THREADS = int(os.environ.get("MNEMO_TRAINING_THREADS", "1"))
# The most memory one training run may need (its estimate, apps.modeling.memory_budget); larger scopes are refused.
MNEMO_TRAINING_MEMORY_MB = int(os.environ.get("MNEMO_TRAINING_MEMORY_MB", "4096"))
# A run of a kind fitted per learner (fsrs6, fsrs7) goes to the workers in parts of this many learners (apps.modeling.fanout),
# and a part that fails is tried again alone up to this many times before the run fails.
MNEMO_TRAINING_PART_LEARNERS = int(os.environ.get("MNEMO_TRAINING_PART_LEARNERS", "50"))
MNEMO_TRAINING_PART_ATTEMPTS = int(os.environ.get("MNEMO_TRAINING_PART_ATTEMPTS", "3"))
# Where the neural kinds train: "cuda" is used only when PyTorch sees a GPU, else the CPU.
MNEMO_TRAINING_DEVICE = os.environ.get("MNEMO_TRAINING_DEVICE", "cpu")
MNEMO_PROMOTION_MAX_ECE = float(os.environ.get("MNEMO_PROMOTION_MAX_ECE", "0.1"))
MNEMO_EMBED_CARDS_ON_SAVE = env_bool("MNEMO_EMBED_CARDS_ON_SAVE", True)
# The online watch (apps.modeling.watch): when a served version is clearly worse online than offline.
MNEMO_WATCH_MIN_ANSWERS = int(os.environ.get("MNEMO_WATCH_MIN_ANSWERS", "200"))
MNEMO_WATCH_LOG_LOSS_MARGIN = float(os.environ.get("MNEMO_WATCH_LOG_LOSS_MARGIN", "0.1"))
MNEMO_WATCH_MAX_FALLBACK_RATE = float(os.environ.get("MNEMO_WATCH_MAX_FALLBACK_RATE", "0.05"))

# Research exports (apps.research, docs/research-exports.md). Learner pseudonyms are an
# HMAC keyed with MNEMO_RESEARCH_PSEUDONYM_KEY: required when DEBUG is off.
MNEMO_RESEARCH_PSEUDONYM_KEY = os.environ.get("MNEMO_RESEARCH_PSEUDONYM_KEY", "dev-only-pseudonym-key" if DEBUG else "")
MNEMO_RESEARCH_EXPORT_DIR = Path(os.environ.get("MNEMO_RESEARCH_EXPORT_DIR", VAR_DIR / "research-exports"))
MNEMO_RESEARCH_STREAM_MAX_ROWS = int(os.environ.get("MNEMO_RESEARCH_STREAM_MAX_ROWS", "50000"))
MNEMO_RESEARCH_EXPORT_TTL_HOURS = int(os.environ.get("MNEMO_RESEARCH_EXPORT_TTL_HOURS", "24"))

# Deleting one's account (apps.privacy, docs/privacy.md): it is switched off at once and
# erased at the first hourly run of the erasure task after this many days; until then
# its owner can sign in and keep it.
MNEMO_ACCOUNT_DELETION_GRACE_DAYS = int(os.environ.get("MNEMO_ACCOUNT_DELETION_GRACE_DAYS", "14"))

# Dashboards (apps.dashboards, docs/dashboards.md): an instructor's "Compute now" of a
# cohort's numbers runs at most once per this many seconds.
MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS = int(os.environ.get("MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS", "120"))

# Backups (apps.backups, docs/operations.md "Backups"): the nightly archive goes into
# MNEMO_BACKUP_DIR, which keeps the newest MNEMO_BACKUP_KEEP. Put the folder on another disk
# (or copy it off the machine): a backup beside the database dies with its disk.
MNEMO_BACKUP_DIR = Path(os.environ.get("MNEMO_BACKUP_DIR", VAR_DIR / "backups"))
MNEMO_BACKUP_KEEP = int(os.environ.get("MNEMO_BACKUP_KEEP", "7"))

# Deck import and export (apps.cards.deck_files, docs/deck-import.md).
MNEMO_IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("MNEMO_IMPORT_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
MNEMO_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("MNEMO_IMPORT_MAX_UNPACKED_BYTES", str(1024 * 1024 * 1024)))
MNEMO_IMPORT_MAX_CARDS = int(os.environ.get("MNEMO_IMPORT_MAX_CARDS", "100000"))
MNEMO_IMPORT_MAX_REVIEW_LOGS = int(os.environ.get("MNEMO_IMPORT_MAX_REVIEW_LOGS", "1000000"))
MNEMO_IMPORT_BACKGROUND_CARDS = int(os.environ.get("MNEMO_IMPORT_BACKGROUND_CARDS", "2000"))
MNEMO_IMPORT_QUEUE = os.environ.get("MNEMO_IMPORT_QUEUE", "")  # empty: Celery's default queue

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        # django-dbbackup sets its own logger to DEBUG and would print every pg_dump/pg_restore command line.
        "dbbackup": {"level": "WARNING"},
    },
}
