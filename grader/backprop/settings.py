"""The assignment's settings: defaults.toml, overridden by an instructor's TOML."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULTS_PATH = Path(__file__).with_name("defaults.toml")
DEFAULTS = tomllib.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))


class ConfigError(Exception):
    """The instructor's configuration is unusable; the message says where."""


def load(path: Path | None) -> dict:
    """Defaults merged with the TOML at `path`; unknown keys and wrong types are errors."""
    if path is None:
        return copy.deepcopy(DEFAULTS)
    try:
        override = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    settings = _merge(copy.deepcopy(DEFAULTS), override, str(path), "")
    _validate(settings, str(path))
    return settings


def _merge(base: dict, override: dict, source: str, prefix: str) -> dict:
    for key, value in override.items():
        name = f"{prefix}{key}"
        if key not in base and prefix != "visibility.":
            known = ", ".join(sorted(base)) or "none"
            raise ConfigError(f"{source}: unknown setting '{name}' (known here: {known})")
        if isinstance(base.get(key), dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{name}' must be a table")
            _merge(base[key], value, source, name + ".")
        else:
            if key in base and not _same_type(base[key], value):
                raise ConfigError(f"{source}: '{name}' must be {type(base[key]).__name__}, got {value!r}")
            base[key] = value
    return base


def _same_type(default, value) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(default) is type(value)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return type(default) is type(value)


def _validate(settings: dict, source: str) -> None:
    from grader.backprop.objectives import OBJECTIVES

    accepted = settings["objectives"]["accepted"]
    unknown = [o for o in accepted if o not in OBJECTIVES]
    if not accepted or unknown:
        raise ConfigError(f"{source}: objectives.accepted must list some of {', '.join(OBJECTIVES)}"
                          + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else ""))
    if any(p < 0 for p in settings["points"].values()):
        raise ConfigError(f"{source}: points cannot be negative")
    for part in ("xor", "spiral"):
        if not settings[part]["seeds"]:
            raise ConfigError(f"{source}: {part}.seeds must list at least one seed")
