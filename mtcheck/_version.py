"""The package version, in a module of its own so that any layer can read it without importing the
pipeline (the package root imports it for its public `check`)."""

__version__ = "0.1.0"
