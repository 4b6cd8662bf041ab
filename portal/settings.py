"""Settings for the cloud portal, read from the environment (12-factor).

Defaults give an embedded, single-machine setup: SQLite and secrets under ``var/``.
Production sets ``DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL``, ``ALLOWED_HOSTS`` and
``CSRF_TRUSTED_ORIGINS``; ``manage.py check --deploy`` passes with those. Django's debug
pages (tracebacks with paths and settings) are off unless ``DEBUG_PAGES=1`` in development.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _kept_secret(filename: str, generate) -> str:
    """Return a secret stored under var/, creating it (mode 0600) on first use."""
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    value = generate()
    path.touch(mode=0o600)
    path.write_text(value)
    return value


# DEBUG=0 is production: HTTPS-only cookies, SECRET_KEY required, gunicorn. The embedded
# default (DEBUG=1) is development, yet users still get the friendly error pages: Django's
# own DEBUG (tracebacks with paths and settings) is on only with DEBUG_PAGES=1.
PRODUCTION = not env_bool("DEBUG", True)
DEBUG = not PRODUCTION and env_bool("DEBUG_PAGES", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _kept_secret("secret_key", lambda: secrets.token_urlsafe(50))

# Key for encrypting secrets at rest (API secret keys, host passwords, storage credentials).
# Kept outside the database: the environment in production, var/ for the embedded default.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
if not FIELD_ENCRYPTION_KEY:
    from cryptography.fernet import Fernet

    FIELD_ENCRYPTION_KEY = _kept_secret(
        "field_encryption_key", lambda: Fernet.generate_key().decode()
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # /static/ by WhiteNoise under runserver too
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "portal",
    "compute",
    "storage",
    "networking",
    "marketplace",
    "portal.usage",
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
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.ClientAddressMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

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
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the Celery worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CloudStack's password.policy.* settings (portal.config): upstream's defaults accept any
# non-empty password; operators tighten them with updateConfiguration or the settings page.
AUTH_PASSWORD_VALIDATORS = [{"NAME": "portal.auth.password_policy.PasswordPolicyValidator"}]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
# noVNC for the browser console: Debian's novnc package (scripts/apt-run.txt), as /static/novnc/.
NOVNC_DIR = Path(os.environ.get("NOVNC_DIR", "/usr/share/novnc"))
if (NOVNC_DIR / "core" / "rfb.js").exists():
    STATICFILES_DIRS.append(("novnc", NOVNC_DIR))
CONSOLE_PROXY_URL = os.environ.get("CONSOLE_PROXY_URL", "ws://127.0.0.1:8262/console")
CONSOLE_TOKEN_TTL = int(os.environ.get("CONSOLE_TOKEN_TTL", "60"))
# WhiteNoise serves /static/ with or without DEBUG: the collected var/static in production,
# the apps' static folders directly in development (no collectstatic needed, edits seen).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Security defaults; production (DEBUG=0) turns on the HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies whose X-Forwarded-For is trusted for the client address in audit events.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "portal.api.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cloud Portal API",
    "DESCRIPTION": "REST API of the cloud portal. Lifecycle verbs answer 202 with a job.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"AccountStateEnum": "portal.choices.AccountState"},
}

# Cache shared by every process (login throttling, rate limits): CACHE_URL, else the Redis
# broker's next database when CELERY_BROKER_URL names one, else per-process memory.
_cache_url = os.environ.get("CACHE_URL", "")
if not _cache_url and os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
    _broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)
    _cache_url = f"{_broker[0]}/{int(_broker[1] or 0) + 1}" if _broker[1].isdigit() else ""
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: a private Redis under var/ by default (started by `make run`).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6479/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {"task": "portal.tasks.sweep_stale_jobs", "schedule": 60.0},
    # events older than the event.purge.delay setting (days); upstream's interval is a day
    "purge-events": {"task": "portal.tasks.purge_events", "schedule": 86400.0},
    "ping-hosts": {
        "task": "compute.tasks.ping_hosts",
        "schedule": float(os.environ.get("AGENT_PING_INTERVAL", "60")),
    },
    "sync-external-hosts": {  # instances on External hosts: statuses/status via extensions
        "task": "compute.tasks.sync_external_hosts",
        "schedule": float(os.environ.get("EXTERNAL_SYNC_INTERVAL", "60")),
    },
    "evaluate-host-ha": {  # one step of the Host HA state machine per host (compute/ha/)
        "task": "compute.tasks.evaluate_host_ha",
        "schedule": float(os.environ.get("HOST_HA_EVALUATE_INTERVAL", "10")),
    },
    "usage-job": {  # usage events -> records per aggregation period (portal/usage/)
        "task": "portal.usage.tasks.run_usage_job",
        "schedule": float(os.environ.get("USAGE_JOB_INTERVAL", "300")),
    },
}
# Usage records are aggregated per this many minutes, aligned to UTC (CloudStack's
# usage.stats.job.aggregation.range; its default is a day).
USAGE_AGGREGATION_MINUTES = int(os.environ.get("USAGE_AGGREGATION_MINUTES", "60"))
# Management plane HA (portal.beat, docs/management-ha.md): every node runs beat, only
# the holder of the lease sends the periodic jobs. Nodes heartbeat and renew every RENEW
# seconds; a lease not renewed for TTL seconds is taken over (bound: TTL + RENEW); a node
# silent for DOWN_AFTER seconds is shown Down.
CELERY_BEAT_SCHEDULER = "portal.beat:LeaderScheduler"
MANAGEMENT_LEASE_TTL = float(os.environ.get("MANAGEMENT_LEASE_TTL", "30"))
MANAGEMENT_RENEW_INTERVAL = float(os.environ.get("MANAGEMENT_RENEW_INTERVAL", "10"))
MANAGEMENT_DOWN_AFTER = float(os.environ.get("MANAGEMENT_DOWN_AFTER", "30"))
# A running job whose heartbeat is older than this is failed by the sweeper.
JOB_STALE_AFTER_SECONDS = int(os.environ.get("JOB_STALE_AFTER_SECONDS", "600"))
# A job still pending after this long is sent to the broker again (it was lost or never sent).
JOB_REQUEUE_AFTER_SECONDS = int(os.environ.get("JOB_REQUEUE_AFTER_SECONDS", "60"))

PORTAL_ADMIN_PASSWORD = os.environ.get("PORTAL_ADMIN_PASSWORD", "")

# Secrets in query strings (CloudStack clients send GETs) are redacted before any output;
# runserver's request log keeps Django's own format (gunicorn: portal.logredact's logger).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "portal.logredact.RedactSecrets"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Agents: timeouts (seconds) and TLS verification for management -> agent requests.
AGENT_CONNECT_TIMEOUT = float(os.environ.get("AGENT_CONNECT_TIMEOUT", "5"))
AGENT_COMMAND_TIMEOUT = float(os.environ.get("AGENT_COMMAND_TIMEOUT", "300"))
AGENT_TLS_VERIFY = env_bool("AGENT_TLS_VERIFY", True)
# Enrollment (addHost with username/password): read timeout of each of its two requests,
# and how long addHost / the zone wizard wait for the host.connect job (CloudStack's
# addHost answers only once the host is Up or has failed).
AGENT_ENROLL_TIMEOUT = float(os.environ.get("AGENT_ENROLL_TIMEOUT", "30"))
ADD_HOST_WAIT_SECONDS = float(os.environ.get("ADD_HOST_WAIT_SECONDS", "60"))
# Heartbeats: hosts are pinged every AGENT_PING_INTERVAL seconds and marked Disconnected
# after AGENT_PING_TIMEOUT_FACTOR intervals without an answer (CloudStack: 60 s x 2.5).
AGENT_PING_INTERVAL = int(os.environ.get("AGENT_PING_INTERVAL", "60"))
AGENT_PING_TIMEOUT_FACTOR = float(os.environ.get("AGENT_PING_TIMEOUT_FACTOR", "2.5"))
AGENT_DOWN_AFTER_SECONDS = int(os.environ.get("AGENT_DOWN_AFTER_SECONDS", "600"))
# The planner looks at no more than this many candidate hosts per placement.
PLANNER_MAX_CANDIDATES = int(os.environ.get("PLANNER_MAX_CANDIDATES", "1000"))
DEFAULT_PLANNER = os.environ.get("DEFAULT_PLANNER", "firstfit")
# Largest custom disk size in GiB (CloudStack's custom.diskoffering.size.max); 0: no limit
# other than the zone's largest primary storage pool.
CUSTOM_DISK_MAX_GIB = int(os.environ.get("CUSTOM_DISK_MAX_GIB", "1024"))

# Template/ISO downloads: networks the operator allows even though they are private or
# loopback (comma-separated CIDRs, e.g. a local mirror), where NFS image stores are mounted
# on the management server, and the largest image accepted.
TEMPLATE_URL_ALLOWED_NETWORKS = env_list("TEMPLATE_URL_ALLOWED_NETWORKS")
IMAGE_STORE_MOUNT_ROOT = Path(os.environ.get("IMAGE_STORE_MOUNT_ROOT", VAR_DIR / "secondary"))
TEMPLATE_MAX_BYTES = int(os.environ.get("TEMPLATE_MAX_BYTES", str(200 * 1024**3)))

# --- Plugins (marketplace) -- owned by marketplace/; see docs/plugins.md ------------------
# Installed plugins are listed by the marketplace in PLUGINS_DIR/installed.json and loaded
# here; whether each one is *enabled* is read from the database at runtime (no restart).
# A plugin that fails to import or is incompatible is skipped and reported, never fatal
# (unless PLUGINS_STRICT, for CI).
PLUGINS_DIR = Path(os.environ.get("PORTAL_PLUGINS_DIR", VAR_DIR / "plugins"))
PLUGINS_STRICT = env_bool("PLUGINS_STRICT", False)
PLUGINS_EXCLUDE = tuple(env_list("PLUGINS_EXCLUDE"))
PLUGINS_CONFIG: dict = {}  # plugin id -> settings (below the ones stored in the database)
PLUGINS_STATE_TTL = float(os.environ.get("PLUGINS_STATE_TTL", "5"))
PLUGINS_HEARTBEAT_SECONDS = float(os.environ.get("PLUGINS_HEARTBEAT_SECONDS", "30"))
# Argument list run after an install/upgrade/uninstall to reload web and worker processes
# gracefully (e.g. ["systemctl", "reload", "cloudportal"]); empty: the admin reloads.
PLUGINS_RELOAD_COMMAND = env_list("PLUGINS_RELOAD_COMMAND")
# Where createExtension's `path` is imported from (CloudStack's extensions directory).
CLOUDSTACK_EXTENSIONS_DIR = os.environ.get(
    "CLOUDSTACK_EXTENSIONS_DIR", "/usr/share/cloudstack-management/extensions"
)
try:
    from importlib.metadata import version as _dist_version

    PORTAL_VERSION = os.environ.get("PORTAL_VERSION") or _dist_version("cloudportal")
except Exception:  # not installed as a distribution (plain checkout)
    PORTAL_VERSION = os.environ.get("PORTAL_VERSION", "0.1.0")
try:
    from marketplace.loader import load_plugins as _load_plugins

    PLUGIN_APPS, PLUGIN_LOAD_ERRORS, PLUGINS_GENERATION = _load_plugins(
        PLUGINS_DIR, portal_version=PORTAL_VERSION, strict=PLUGINS_STRICT, exclude=PLUGINS_EXCLUDE
    )
except Exception as _exc:  # the loader itself must never stop the portal
    if PLUGINS_STRICT:
        raise
    PLUGIN_APPS, PLUGIN_LOAD_ERRORS, PLUGINS_GENERATION = [], {"loader": str(_exc)}, 0
INSTALLED_APPS += [app for app in PLUGIN_APPS if app not in INSTALLED_APPS]
MIDDLEWARE += ["marketplace.middleware.PluginGenerationMiddleware"]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "CatalogKindEnum": "marketplace.choices.CatalogKind",
        "PackageKindEnum": "marketplace.choices.PackageKind",
    }
)
# --- end of plugins ------------------------------------------------------------------------
