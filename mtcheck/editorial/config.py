"""Configuration: `mtcheck.toml`, or `[tool.mtcheck]` in `pyproject.toml`.

Found from the working directory upward (the first folder that has either
file; `mtcheck.toml` wins in the same folder), or named with `--config`.
Command-line flags override it. Every key is checked: an unknown key is an
error naming the key and the file, so a typo never silently does nothing.

    target_lang = "en"            # language of the MT
    source_lang = "zh"            # [default: inferred from the source]
    model = "path/to/LaBSE"       # MT <-> reference similarity
    xmodel = "path/to/LaBSE"      # source <-> MT similarity
    fluency = "auto"              # auto | on | off
    ter = false
    lm_ref = false                # MT-given-reference likelihood (slow, English targets)
    xsim_margin = true            # source similarity as a margin over other rows (false skips it)
    precision = "auto"            # language-model engine: auto | fp32 | onnx | int8
    cache = true                  # the persistent score cache (--no-cache)
    checks = ["doubled-word", "run-on"]   # run only these [default: the default checks]
    calibration = "team.json"     # a team's calibration (mtcheck calibrate --write), beside this file

    [check.no-terminal-punct]     # per-check parameters (TOML cannot reuse the key `checks`)
    enabled = false               # true adds an opt-in check (e.g. grammar)
    severity = "minor"            # override the check's severity

    [gate]
    fail_on = "major"             # minor | major | critical
    fail_under = 70               # corpus quality
    max_flagged = 0.2             # share of flagged segments

    [[routing]]                   # bands, first match wins (mtcheck.editorial.routing)
    route = "publish"
    min_quality = 90
    max_severity = "ok"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mtcheck.errors import UsageError

TOP_KEYS = {"target_lang", "source_lang", "model", "xmodel", "fluency", "ter", "lm_ref", "xsim_margin", "precision",
            "cache", "checks", "check", "gate", "routing", "calibration",
            "glossary"}
CHECK_KEYS = {"enabled", "severity"}
GATE_KEYS = {"fail_on", "fail_under", "max_flagged"}


@dataclass
class Config:
    path: Path | None = None
    values: dict = field(default_factory=dict)         # CheckOptions fields
    check_settings: dict = field(default_factory=dict)  # check id -> {"enabled": bool, "severity": str}
    gate: dict = field(default_factory=dict)
    routing: list | None = None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest mtcheck.toml, or pyproject.toml with a [tool.mtcheck] table, from `start` upward."""
    import tomllib

    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        own = folder / "mtcheck.toml"
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue  # somebody else's broken pyproject is not our configuration
            if "mtcheck" in data.get("tool", {}):
                return pyproject
    return None


def load_config(path: Path | None = None, search: bool = True) -> Config:
    """Read and validate a configuration file; an empty Config when there is none."""
    import tomllib

    if path is None:
        path = find_config() if search else None
        if path is None:
            return Config()
    path = Path(path)
    if not path.is_file():
        raise UsageError("configuration file not found", path=str(path), hint="check the --config path")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"not valid TOML: {exc}", path=str(path), hint="fix the syntax") from None
    except UnicodeDecodeError:
        raise UsageError("not UTF-8 text", path=str(path), hint="save the configuration as UTF-8") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("mtcheck", {})
        prefix = "tool.mtcheck."
    else:
        prefix = ""
    return _validate(data, path, prefix)


def _line_of(path: Path, key: str) -> int | None:
    """The line where `key` (its last dotted part) is set or opens a table, for the error message."""
    import re

    last = re.escape(key.rsplit(".", 1)[-1])
    pattern = re.compile(rf'^\s*(?:\[+\s*[\w."-]*?)?["\']?{last}["\']?\s*(?:=|\])')
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                return number
    except OSError:
        return None
    return None


def _unknown(key: str, path: Path, known, prefix: str):
    return UsageError(f"unknown configuration key '{prefix}{key}'", path=str(path), line=_line_of(path, key),
                      hint=f"known keys: {', '.join(sorted(known))}")


def _validate(data: dict, path: Path, prefix: str) -> Config:
    from mtcheck import schema as S
    from mtcheck.checks import available
    from mtcheck.editorial.routing import validate_bands

    for key in data:
        if key not in TOP_KEYS:
            raise _unknown(key, path, TOP_KEYS, prefix)
    values = {k: data[k] for k in ("target_lang", "source_lang", "model", "xmodel", "fluency", "ter", "lm_ref",
                                   "xsim_margin", "precision", "cache") if k in data}
    for key in ("target_lang", "source_lang", "model", "xmodel", "fluency", "precision"):
        if key in values and not isinstance(values[key], str):
            raise UsageError(f"configuration key '{prefix}{key}' must be a string", path=str(path))
    if "precision" in values:
        from mtcheck.models.smollm import PRECISIONS

        if values["precision"].strip().lower() not in PRECISIONS:
            raise UsageError(f"configuration key '{prefix}precision' is '{values['precision']}'", path=str(path),
                             line=_line_of(path, "precision"), hint=f"use one of {', '.join(PRECISIONS)}")
    for key in ("ter", "lm_ref", "xsim_margin", "cache"):
        if key in values and not isinstance(values[key], bool):
            raise UsageError(f"configuration key '{prefix}{key}' must be true or false", path=str(path),
                             line=_line_of(path, key))
    settings: dict = {}
    checks = data.get("checks")
    known_checks = available()
    if isinstance(checks, list):
        bad = [c for c in checks if c not in known_checks]
        if bad:
            raise UsageError(f"unknown check '{bad[0]}' in '{prefix}checks'", path=str(path),
                             line=_line_of(path, "checks"), hint="see 'mtcheck list-checks'")
        values["checks"] = list(checks)
    elif checks is not None:
        raise UsageError(f"'{prefix}checks' must be a list of check ids", path=str(path),
                         line=_line_of(path, "checks"), hint="per-check settings go in [check.ID] tables")
    for key in ("calibration", "glossary"):  # files relative to the configuration's folder
        if key in data:
            if not isinstance(data[key], str):
                raise UsageError(f"configuration key '{prefix}{key}' must be a file name", path=str(path),
                                 line=_line_of(path, key))
            values[key] = str(Path(path).parent / data[key])
    per_check = data.get("check", {})
    if not isinstance(per_check, dict):
        raise UsageError(f"'{prefix}check' must hold one table per check, e.g. [check.run-on]", path=str(path))
    for check_id, table in per_check.items():
        if check_id not in known_checks:
            raise UsageError(f"unknown check '{prefix}check.{check_id}'", path=str(path),
                             line=_line_of(path, check_id), hint="see 'mtcheck list-checks'")
        if not isinstance(table, dict):
            raise UsageError(f"'{prefix}check.{check_id}' must be a table", path=str(path))
        for key in table:
            if key not in CHECK_KEYS:
                raise _unknown(f"check.{check_id}.{key}", path, {f"check.{check_id}.{k}" for k in CHECK_KEYS},
                               prefix)
        if "severity" in table and table["severity"] not in S.SEVERITIES[1:]:
            raise UsageError(f"'{prefix}check.{check_id}.severity' must be minor, major or critical",
                             path=str(path), line=_line_of(path, "severity"))
        if "enabled" in table and not isinstance(table["enabled"], bool):
            raise UsageError(f"'{prefix}check.{check_id}.enabled' must be true or false", path=str(path))
        settings[check_id] = dict(table)
    gate = data.get("gate", {})
    if not isinstance(gate, dict):
        raise UsageError(f"'{prefix}gate' must be a table", path=str(path))
    for key in gate:
        if key not in GATE_KEYS:
            raise _unknown(f"gate.{key}", path, {f"gate.{k}" for k in GATE_KEYS}, prefix)
    routing = None
    if "routing" in data:
        routing = validate_bands(data["routing"], where=f"{path}: {prefix}routing")
    return Config(path=path, values=values, check_settings=settings, gate=dict(gate), routing=routing)
