"""A team's calibration: heads fitted to a team's own MQM marks (`mtcheck calibrate --write`,
mtcheck/desk/teamhead.py), read by `mtcheck check --calibration FILE` or the configuration's
`calibration` key.

The file holds heads in fusion.json's format, by target family and signal set. They replace the shipped
heads of the same family and set; every other head, the finding points and the floors stay the shipped
ones, so a calibration changes how the signals are weighed and mapped to MQM points, never what a
finding costs. The run's summary names the calibration by its version.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from mtcheck.errors import InputError

HEAD_KEYS = ("features", "mean", "scale", "weights", "mqm_x", "mqm_y", "major_x", "major_y")


def calibrated_params(path: str | None) -> dict | None:
    """The fusion parameters with the calibration's heads in place of the shipped ones (None: no file)."""
    if not path:
        return None
    stat = Path(path).stat() if Path(path).exists() else None
    return _load(str(path), stat.st_mtime_ns if stat else 0)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> dict:
    from mtcheck.quality.fusion import group_features, load_params

    try:
        overlay = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such calibration file", path=path, hint="give the file mtcheck calibrate --write wrote")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the calibration: {exc}", path=path,
                         hint="give the JSON file mtcheck calibrate --write wrote") from None
    shipped = load_params()
    params = {**shipped, "heads": {family: dict(heads) for family, heads in shipped["heads"].items()}}
    if not isinstance(overlay, dict) or not isinstance(overlay.get("heads"), dict) or "version" not in overlay:
        raise InputError("not a calibration file (no version or heads)", path=path,
                         hint="give the JSON file mtcheck calibrate --write wrote")
    for family, heads in overlay["heads"].items():
        for key, head in (heads or {}).items():
            if family not in params["heads"] or not isinstance(head, dict) or any(k not in head for k in HEAD_KEYS) \
                    or not set(head["features"]) <= set(group_features(key)):
                raise InputError(f"the calibration's head {family}/{key} is not one mtcheck can use", path=path,
                                 hint="write it again with mtcheck calibrate --write")
            params["heads"][family][key] = head
    params["version"] = f"{shipped['version']}+{overlay['version']}"
    return params
