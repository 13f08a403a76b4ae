"""Settings: defaults that need no set-up, an optional TOML file, then environment variables.

Precedence (later wins): built-in defaults < TOML file < environment variables < command-line options.
The TOML file is the one named by ``--config`` or ``SAFEGUARDING_CONFIG``, else ``./safeguarding.toml``
when it exists. docs/configuration.md lists every key; a test keeps that page in step with this module.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENGINES = ("duckdb", "spark")


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the file or variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting the command line and the portal read.

    The ``env`` metadata names the environment variable that overrides the key; ``doc`` is the text
    shown in docs/configuration.md.
    """

    data_dir: Path = field(
        default=Path("safeguarding-data"),
        metadata={
            "env": "SAFEGUARDING_DATA_DIR",
            "doc": "Lake, snapshots and (by default) the app database.",
        },
    )
    database_url: str = field(
        default="",
        metadata={
            "env": "SAFEGUARDING_DATABASE_URL",
            "doc": "SQLAlchemy URL of the app database; empty means `sqlite:///<data_dir>/app.sqlite3`.",
        },
    )
    engine: str = field(
        default="duckdb",
        metadata={"env": "SAFEGUARDING_ENGINE", "doc": "Analytical engine: `duckdb` (default) or `spark`."},
    )
    host: str = field(
        default="127.0.0.1", metadata={"env": "SAFEGUARDING_HOST", "doc": "Address the portal listens on."}
    )
    port: int = field(default=8000, metadata={"env": "SAFEGUARDING_PORT", "doc": "Port the portal listens on."})
    max_reject_rate: float = field(
        default=0.05,
        metadata={
            "env": "SAFEGUARDING_MAX_REJECT_RATE",
            "doc": "A load whose share of quarantined rows exceeds this is refused whole.",
        },
    )
    ingest_memory_limit: str = field(
        default="1GB",
        metadata={
            "env": "SAFEGUARDING_INGEST_MEMORY_LIMIT",
            "doc": "Memory DuckDB may use while loading (it spills to disk beyond it), e.g. `1GB`, `512MB`.",
        },
    )
    link_threshold: float = field(
        default=0.0,
        metadata={
            "env": "SAFEGUARDING_LINK_THRESHOLD",
            "doc": "Match probability at or above which two mentions are joined into one person; 0 (the default) "
            "chooses it from the model's evidence, the one that maximises expected F1 (docs/linkage.md).",
        },
    )
    link_memory_limit: str = field(
        default="4GB",
        metadata={
            "env": "SAFEGUARDING_LINK_MEMORY_LIMIT",
            "doc": "Memory DuckDB may use while linking (it spills to disk beyond it), e.g. `4GB`.",
        },
    )
    max_comparisons: int = field(
        default=50_000_000,
        metadata={
            "env": "SAFEGUARDING_MAX_COMPARISONS",
            "doc": "Linkage refuses to run when its blocking rules would generate more comparisons than this.",
        },
    )
    secure_cookies: bool = field(
        default=False,
        metadata={
            "env": "SAFEGUARDING_SECURE_COOKIES",
            "doc": "Mark session cookies Secure (set true whenever the portal is served over HTTPS).",
        },
    )
    synthetic_banner: bool = field(
        default=True,
        metadata={
            "env": "SAFEGUARDING_SYNTHETIC_BANNER",
            "doc": "Show the 'synthetic data' banner on every page (the demo and tests run with it on).",
        },
    )
    workers: int = field(
        default=1,
        metadata={
            "env": "SAFEGUARDING_WORKERS",
            "doc": "Portal worker processes for `safeguarding serve` (docs/deployment.md).",
        },
    )
    service_levels_file: str = field(
        default="",
        metadata={
            "env": "SAFEGUARDING_SERVICE_LEVELS_FILE",
            "doc": "A YAML file of the force's own service levels, in the shape of the package's "
            '`service_levels.yaml`; each key it gives replaces the default ("": the defaults).',
        },
    )
    retention_schedule_file: str = field(
        default="",
        metadata={
            "env": "SAFEGUARDING_RETENTION_SCHEDULE_FILE",
            "doc": "A YAML retention schedule (MoPI review groups and rules) in the shape of the package's "
            '`records/retention.yaml`, used instead of it ("": the national groups as shipped).',
        },
    )
    evidence_max_mb: int = field(
        default=10,
        metadata={
            "env": "SAFEGUARDING_EVIDENCE_MAX_MB",
            "doc": "Largest Gold Group evidence file accepted, in MB (kept under `<data_dir>/evidence/`).",
        },
    )
    spark_master: str = field(
        default="local[*]",
        metadata={
            "env": "SAFEGUARDING_SPARK_MASTER",
            "doc": "Spark master URL when `engine` is `spark`: `local[*]` (this machine), `spark://host:7077`,"
            " `yarn` or `k8s://https://host:443` (docs/deployment.md).",
        },
    )
    spark_conf: str = field(
        default="",
        metadata={
            "env": "SAFEGUARDING_SPARK_CONF",
            "doc": "Extra Spark options as `spark.key=value` pairs separated by `;`, e.g."
            " `spark.driver.memory=8g;spark.sql.shuffle.partitions=200`.",
        },
    )
    spark_scratch_dir: str = field(
        default="",
        metadata={
            "env": "SAFEGUARDING_SPARK_SCRATCH_DIR",
            "doc": "Spark checkpoint folder (shared storage on a cluster); empty means `<data_dir>/spark-scratch`.",
        },
    )

    @property
    def app_database_url(self) -> str:
        """The app database URL in force."""
        if self.database_url:
            from safeguarding.security import audit_key

            # Every command and the portal reach the database through this: the audit key of a database
            # outside the data folder (PostgreSQL) is then found in these settings' data folder.
            audit_key.register(self.database_url, self.data_dir)
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'app.sqlite3').resolve()}"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def snapshot_dir(self) -> Path:
        return self.data_dir / "snapshots"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values replaced (command-line options)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _coerce(name: str, raw: Any, kind: Any, source: str) -> Any:
    try:
        if kind is Path or kind == "Path":
            return Path(str(raw))
        if kind is bool or kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind is int or kind == "int":
            return int(raw)
        if kind is float or kind == "float":
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {raw!r} is not a valid {kind}") from None


def parse_spark_conf(text: str) -> dict[str, str]:
    """``spark.key=value`` pairs separated by ``;`` (the ``spark_conf`` setting)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip().startswith("spark."):
            raise ConfigError(f"spark_conf: {part.strip()!r} is not spark.<key>=<value>")
        out[key.strip()] = value.strip()
    return out


def _validate(settings: Settings) -> Settings:
    if settings.engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {settings.engine!r}")
    if not 0 <= settings.max_reject_rate <= 1:
        raise ConfigError(f"max_reject_rate must be between 0 and 1, not {settings.max_reject_rate}")
    if not 0 <= settings.link_threshold < 1:
        raise ConfigError(
            f"link_threshold must be 0 (chosen from the model) or between 0 and 1, not {settings.link_threshold}"
        )
    for name in ("ingest_memory_limit", "link_memory_limit"):
        value = getattr(settings, name)
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value):
            raise ConfigError(f"{name} must look like 512MB or 2GB, not {value!r}")
    if not 1 <= settings.workers <= 64:
        raise ConfigError(f"workers must be between 1 and 64, not {settings.workers}")
    parse_spark_conf(settings.spark_conf)
    return settings


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from defaults, the TOML file (if any) and the environment."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    path = config_file or (Path(env["SAFEGUARDING_CONFIG"]) if env.get("SAFEGUARDING_CONFIG") else None)
    if path is None and Path("safeguarding.toml").exists():
        path = Path("safeguarding.toml")
    known = {f.name: f for f in fields(Settings)}
    if path is not None:
        if not path.exists():
            raise ConfigError(f"{path}: configuration file not found")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        section = data.get("safeguarding", data)
        for key, raw in section.items():
            if key not in known:
                raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
            values[key] = _coerce(key, raw, known[key].type, str(path))
    for name, f in known.items():
        var = f.metadata.get("env")
        if var and env.get(var) not in (None, ""):
            values[name] = _coerce(name, env[var], f.type, f"environment variable {var}")
    return _validate(Settings(**values))
