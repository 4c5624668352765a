"""The assignment's settings: defaults.toml, overridden by an instructor's TOML."""
from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Range:
    """The values a number setting may take; a value outside it is refused at load, naming the key."""
    low: float
    high: float = math.inf
    integer: bool = False
    above: bool = False  #: low itself is excluded (a step size, a time)

    def problem(self, value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if self.integer and not isinstance(value, int):  # 8.0 would reach numpy as a float shape
            return f"must be a whole number, got {value!r}"
        if not ((value > self.low if self.above else value >= self.low) and value <= self.high):
            low = f"above {_plain(self.low)}" if self.above else f"at least {_plain(self.low)}"
            return f"must be {low}" + (f" and at most {_plain(self.high)}" if self.high < math.inf else "") + \
                f", got {value!r}"
        return None


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"  # 4294967295, not 4.29497e+09


SEED = Range(0, 2 ** 32 - 1, integer=True)  # numpy's legacy seeding takes 32 bits
EPOCHS = Range(1, 10 ** 7, integer=True)
POSITIVE = Range(0, 10 ** 6, above=True)  # TOML's inf is a number too
COUNT = Range(1, 10 ** 6, integer=True)
#: every number setting's range; `*` is any key of its table, and a list's range is its items'
RANGES = {
    "points.*": Range(0, 10 ** 6),
    "checks.seed": SEED,
    "xor.seeds": SEED, "spiral.seeds": SEED,
    "xor.hidden_size": Range(1, 10 ** 4, integer=True), "spiral.hidden_size": Range(1, 10 ** 4, integer=True),
    "xor.learning_rate": POSITIVE, "spiral.learning_rate": POSITIVE,
    "xor.tolerance": Range(0, 0.5, above=True),  # |a2 - y| < 0.5 is already every XOR case on its side
    "xor.check_every": COUNT, "spiral.check_every": COUNT,
    "xor.max_epochs.*": EPOCHS, "spiral.max_epochs": EPOCHS,
    "spiral.n_samples": Range(4, 10 ** 5, integer=True),  # two spirals of at least two points
    "spiral.noise": Range(0, 10),
    "spiral.accuracy": Range(0, 1, above=True),
    "limits.load_seconds": POSITIVE, "limits.probe_seconds": POSITIVE, "limits.training_seconds": POSITIVE,
    "limits.total_seconds": POSITIVE, "limits.cpu_seconds": POSITIVE,
    "limits.memory_mb": Range(256, 10 ** 6, integer=True),  # guards against 2 for 2 GB: numpy needs more
    "limits.processes": COUNT, "limits.open_files": Range(16, 10 ** 6, integer=True),
    "limits.file_size_mb": COUNT, "limits.disk_mb": COUNT, "limits.output_kb": COUNT,
}


def leaves(settings: dict, prefix: str = ""):
    """(dotted name, key in RANGES, value) of every value in `settings`, a list's items under its name."""
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaves(value, name + ".")
            continue
        for item in value if isinstance(value, list) else [value]:
            yield name, name if name in RANGES else f"{prefix}*", item


def _validate(settings: dict, source: str) -> None:
    from grader.backprop.objectives import OBJECTIVES

    accepted = settings["objectives"]["accepted"]
    unknown = [o for o in accepted if o not in OBJECTIVES]
    if not accepted or unknown:
        raise ConfigError(f"{source}: objectives.accepted must list some of {', '.join(OBJECTIVES)}"
                          + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else ""))
    for part in ("xor", "spiral"):
        if not settings[part]["seeds"]:
            raise ConfigError(f"{source}: {part}.seeds must list at least one seed")
    for name, key, value in leaves(settings):
        problem = RANGES[key].problem(value) if key in RANGES else None
        if problem:
            raise ConfigError(f"{source}: '{name}' {problem}")
    limits = settings["limits"]
    if limits["total_seconds"] < max(limits["load_seconds"], limits["probe_seconds"]):
        raise ConfigError(f"{source}: 'limits.total_seconds' must be at least load_seconds and probe_seconds")
