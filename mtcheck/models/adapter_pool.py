"""The quality adapters a process has loaded (mtcheck/models/adapters.py, adapter_smol.py), each once."""

from __future__ import annotations

_LOADED: dict = {}


def get_adapter(name: str):
    """The shipped adapter `name`, loaded once per process (`mt-ref`: CrossEncoder, `mt-only`: MtRegressor)."""
    if name not in _LOADED:
        if name == "mt-only":
            from mtcheck.models.adapter_smol import MtRegressor

            _LOADED[name] = MtRegressor(name)
        else:
            from mtcheck.models.adapters import CrossEncoder

            _LOADED[name] = CrossEncoder(name)
    return _LOADED[name]


def release_all() -> None:
    """Drop the loaded ONNX sessions (models/__init__.py release_models between scorers)."""
    for model in _LOADED.values():
        model._session = None
