"""One settings class for the whole service, read from the environment.

Every setting has the prefix ``FLAECHENPOOL_`` except the standard ``DATABASE_URL``.
Nothing reads the environment at import time: callers build ``Settings()`` and pass it on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _blank_is_none(value: object) -> object:
    return (value.strip() or None) if isinstance(value, str) else value


# an optional text setting: blank (as an empty environment variable gives it) is unset
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]


class ClusterSettings(BaseModel):
    """The embedded PostgreSQL/PostGIS cluster used when no ``DATABASE_URL`` is set."""

    root: Path | None = Field(
        default=None,
        description="Folder holding data/, sock/ and log of the embedded cluster; "
        "default: .flaechenpool/ in the checkout, or a folder under /var/tmp when the "
        "postgres user cannot reach the checkout.",
    )
    port: int = Field(default=54329, ge=1024, le=65535, description="First TCP port tried on 127.0.0.1.")
    pg_bin: Path = Field(default=Path("/usr/lib/postgresql/15/bin"), description="PostgreSQL binaries.")
    database: str = Field(default="flaechenpool", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    server_settings: dict[str, str] = Field(
        default_factory=lambda: {"shared_buffers": "512MB", "max_wal_size": "8GB", "checkpoint_timeout": "15min"},
        description="PostgreSQL settings of the embedded cluster (given to the server at start): room in memory "
        "and between checkpoints for state-scale imports and analyses.",
    )

    @field_validator("server_settings")
    @classmethod
    def _plain_settings(cls, value: dict[str, str]) -> dict[str, str]:
        for name, setting in value.items():
            if not re.fullmatch(r"[a-z_]+", name) or not re.fullmatch(r"[A-Za-z0-9._-]+", setting):
                raise ValueError(f"cluster setting {name}={setting!r}: names are lower-case words, values plain "
                                 "numbers, units or words")
        return value


class ApiSettings(BaseModel):
    """HTTP service settings."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_limit: int = Field(default=100, ge=1)
    max_limit: int = Field(default=10000, ge=1)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    access_log: bool = Field(default=False, description="A line per request on stdout (uvicorn's access log). "
                             "Off by default: the reverse proxy logs requests, and cached tiles are answered faster "
                             "without it.")
    token_cache_seconds: float = Field(
        default=30.0, ge=0, le=300,
        description="How long a token's user and role are kept in memory after checking them in the database: "
        "a revoked or expired token, a deactivated user or a changed role takes effect within this time "
        "(0: check every request).")

    @model_validator(mode="after")
    def _limits(self) -> ApiSettings:
        if self.default_limit > self.max_limit:
            raise ValueError("api.default_limit must not exceed api.max_limit")
        return self


class PublicSettings(BaseModel):
    """The public side: rate limits of inquiries and reports (sliding window, counted in the database), photo limits and
    how long the personal data visitors send are kept (Löschfristen)."""

    rate_window_s: int = Field(default=3600, ge=1, description="Window of the rate limits in seconds.")
    inquiries_per_ip_and_site: int = Field(default=5, ge=1, description="Inquiries one client IP may send to one site.")
    inquiries_per_ip: int = Field(default=20, ge=1, description="Inquiries one client IP may send in all.")
    inquiries_per_site: int = Field(default=100, ge=1, description="Inquiries one site may receive from everyone.")
    reports_per_ip: int = Field(default=10, ge=1, description="Site reports one client IP may send.")
    trust_forwarded_for: bool = Field(default=False, description="Take the client IP from X-Forwarded-For "
                                      "(only behind a reverse proxy that sets it).")
    max_photo_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=10 * 1024 * 1024)
    max_photo_pixels: int = Field(default=40_000_000, ge=10_000)
    inquiry_retention_days: int = Field(default=365, ge=1, description="Inquiries are deleted this many days "
                                        "after they arrived (with their personal data in the audit log).")
    report_contact_retention_days: int = Field(default=90, ge=1, description="Reporters' contacts are deleted "
                                               "this many days after the report was decided (or, undecided, arrived).")
    purge_every_h: float = Field(default=24, ge=0, description="How often the service deletes what has passed "
                                 "its retention period (at start and then every so many hours; 0: only with "
                                 "'flaechenpool personal purge').")

    @model_validator(mode="after")
    def _limits(self) -> PublicSettings:
        if self.inquiries_per_ip_and_site > self.inquiries_per_ip:
            raise ValueError("public.inquiries_per_ip_and_site must not exceed public.inquiries_per_ip")
        return self


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an https URL (http only for this machine), else ``None``."""
    parts = urlsplit(url)
    if parts.username or parts.password or not parts.hostname or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", parts.netloc):
        return None
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")):
        return f"{parts.scheme}://{parts.netloc.lower()}"
    return None


class WebSettings(BaseModel):
    """The public page's map and who may embed it. By default the page loads nothing from other servers and
    draws its own offline base map; a raster base map (Hintergrundkarte) such as basemap.de's is an
    opt-in: visitors' browsers then fetch its tiles from that provider, which the privacy statement says."""

    basemap_tiles: OptionalText = Field(
        default=None, description="URL template of a raster base map in Web Mercator with {z}, {x} and {y}, "
        "e.g. https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_grau/default/"
        "GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png (https; http only for localhost).")
    basemap_attribution: OptionalText = Field(default=None, description="The base map's source and licence as its "
                                              "provider requires, e.g. '© basemap.de / BKG (CC BY 4.0)'.")
    basemap_name: OptionalText = Field(default=None, description="Provider named in the privacy statement, e.g. "
                                       "'Bundesamt für Kartographie und Geodäsie (basemap.de)' (default: the host).")
    basemap_max_zoom: int = Field(default=18, ge=1, le=22, description="Highest zoom level the base map has.")
    frame_ancestors: OptionalText = Field(
        default=None, description="Origins that may embed the page in a frame, separated by spaces, e.g. "
        "'https://www.ilmenau.de' (default: none but the service itself).")

    @field_validator("basemap_tiles")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _origin(value) is None or not all(p in value for p in ("{z}", "{x}", "{y}")) \
                or re.search(r"[\s\"'<>;,]", value):
            raise ValueError("must be an https URL template with {z}, {x} and {y} (http only for localhost)")
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for origin in value.split():
            if _origin(origin) != origin.lower().rstrip("/") or urlsplit(origin).path not in ("", "/"):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.de")
        return " ".join(o.lower().rstrip("/") for o in value.split())

    @model_validator(mode="after")
    def _attributed(self) -> WebSettings:
        if self.basemap_tiles and not self.basemap_attribution:
            raise ValueError("web.basemap_attribution is required with web.basemap_tiles (the provider's licence)")
        return self

    @property
    def basemap_origin(self) -> str | None:
        return _origin(self.basemap_tiles) if self.basemap_tiles else None

    @property
    def basemap_provider(self) -> str | None:
        return self.basemap_name or (urlsplit(self.basemap_tiles).hostname if self.basemap_tiles else None)


class MailSettings(BaseModel):
    """E-mail notifications of the land office (Benachrichtigungen): the service tells the land managers of a
    municipality about each inquiry and site report sent through the public page. Without ``smtp_host``
    nothing is sent; the notifications wait in ``core.notifications`` (``flaechenpool notifications list``)."""

    smtp_host: OptionalText = Field(default=None, description="SMTP server (relay of the town's mail system).")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (port 587), tls (implicit TLS, port 465) or none (a relay on "
        "the same machine or network only).")
    username: OptionalText = Field(default=None, description="SMTP login, if the server needs one.")
    password: SecretStr | None = None
    sender: str = Field(default="flaechenpool@localhost", pattern=r"^[^@\s<>]+@[^@\s<>]+$",
                        description="From address of the notifications.")
    service_url: OptionalText = Field(default=None, pattern=r"^https?://\S+$",
                                    description="Address of the service as staff reach it (links in the e-mails).")
    every_s: float = Field(default=60, ge=0, description="How often the service sends what is due (0: only "
                           "'flaechenpool notifications send', e.g. from cron).")
    timeout_s: float = Field(default=20, gt=0, description="Timeout of the SMTP connection.")
    remind_after_days: int = Field(default=5, ge=0, description="Once a week, remind the land managers of "
                                   "inquiries still new this many days after they arrived (0: no reminders).")
    deadline_warn_days: int = Field(default=14, ge=0, le=90, description="Remind the land managers of open "
                                    "pre-emption cases whose deadline is at most this many days away: weekly, daily "
                                    "in the last three days (0: no deadline reminders).")


class OperatorSettings(BaseModel):
    """Who runs the service, for the public legal pages (Impressum, Datenschutzerklärung, Erklärung zur
    Barrierefreiheit): the municipality or association and its contacts. Unset, the pages say that the
    operator's details are missing."""

    name: OptionalText = Field(default=None, description="Operator, e.g. 'Stadt Ilmenau'.")
    address: OptionalText = Field(default=None, description="Postal address; lines separated by '|'.")
    represented_by: OptionalText = Field(default=None, description="Legal representative, e.g. the mayor.")
    email: OptionalText = Field(default=None, description="Contact e-mail of the office running the service.")
    phone: OptionalText = None
    content_responsible: OptionalText = Field(default=None, description="Responsible for the content (name, office).")
    data_protection_officer: OptionalText = Field(default=None, description="Contact of the data protection officer.")
    supervisory_authority: str = Field(
        default="Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit (TLfDI), Erfurt",
        description="Data protection supervisory authority (complaints, Art. 77 GDPR).")
    accessibility_contact: OptionalText = Field(default=None, description="Where users report barriers "
                                              "(default: the e-mail above).")
    accessibility_enforcement: str = Field(
        default="der Beauftragte der Thüringer Landesregierung für Menschen mit Behinderungen",
        description="Body of the enforcement procedure for accessibility (Durchsetzungsverfahren).")
    accessibility_reviewed: OptionalText = Field(default=None, description="When the accessibility statement was "
                                               "last reviewed, e.g. '30.11.2026'.")


class DatabaseSettings(BaseModel):
    """Connection pool and statement limits."""

    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    analysis_timeout_ms: int = Field(default=900_000, ge=1000, description="Statement limit of an analysis run.")
    connect_timeout_s: int = Field(default=5, ge=1)


class Settings(BaseSettings):
    """All configuration of Flächenpool.

    ``DATABASE_URL`` (e.g. ``postgresql://user:pw@host:5432/db``) selects an external PostGIS
    server; without it the embedded cluster under ``cluster.root`` is used.
    Nested values are set with a double underscore, e.g. ``FLAECHENPOOL_API__PORT=8080``.
    """

    model_config = SettingsConfigDict(
        env_prefix="FLAECHENPOOL_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "FLAECHENPOOL_DATABASE_URL"),
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Demo data and their licences.")
    load_demo: bool = Field(default=True, description="`serve` loads the demo data into an empty database.")
    cluster: ClusterSettings = ClusterSettings()
    api: ApiSettings = ApiSettings()
    db: DatabaseSettings = DatabaseSettings()
    public: PublicSettings = PublicSettings()
    mail: MailSettings = MailSettings()
    operator: OperatorSettings = OperatorSettings()
    web: WebSettings = WebSettings()

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        """Accept the usual ``postgres://`` and ``postgresql://`` forms, use the psycopg 3 driver."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith("postgresql+psycopg://"):
            raise ValueError("DATABASE_URL must start with postgresql:// (or postgres://)")
        return value

    @property
    def external_database(self) -> bool:
        """True when ``DATABASE_URL`` points at a server the project does not manage."""
        return self.database_url is not None


def load_settings() -> Settings:
    """Settings from the environment; an impossible value becomes one ``ConfigurationError``."""
    from pydantic import ValidationError

    from flaechenpool.errors import ConfigurationError

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
