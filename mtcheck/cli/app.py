"""The typer application, the options `check` and `compare` share, and typed errors turned into exit codes.

Exit codes: 0 finished (and the quality gate passed), 1 the quality gate failed, 2 bad input or usage
(one line, no traceback), 3 internal error.
"""

from __future__ import annotations

import os

import typer

from mtcheck._version import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="mtcheck: find the machine-translated segments an editor must fix.")

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


def _fail(message: str, code: int) -> None:
    from mtcheck.errors import printable

    typer.echo(f"mtcheck: error: {printable(message)}", err=True)
    raise typer.Exit(code)


def _guard(func, *args, **kwargs):
    """Run a library call; typed errors become one line and exit 2."""
    from mtcheck.errors import MtcheckError

    try:
        return func(*args, **kwargs)
    except MtcheckError as exc:
        from mtcheck.io.spool import display_name

        exc.path = display_name(exc.path)  # a stream is named as the user named it, not by its copy
        _fail(exc.one_line(), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written for this run", 130)
    except Exception as exc:  # a bug in mtcheck, not the user's fault
        if os.environ.get("MTCHECK_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set MTCHECK_DEBUG=1 for a traceback and "
              "report it)", EXIT_INTERNAL)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """mtcheck: find the machine-translated segments an editor must fix."""


# Options that `check` and `compare` share, declared once so their help stays the same.
TARGET_LANG = typer.Option(None, "--target-lang", help="Language of the MT (picks the BLEU tokenizer and the "
                           "models) [default: en].")
FLUENCY = typer.Option(None, "--fluency", help="Fluency language model (SmolLM2): auto runs it on rows without a "
                       "reference, on runs it everywhere, off never [default: auto].")
PRECISION = typer.Option(None, "--precision", help="Language-model engine: auto picks the faster of ONNX Runtime "
                         "and torch in fp32, measured once per CPU; fp32 (torch), onnx, or int8 (torch int8 "
                         "products: faster only on CPUs with VNNI, scores differ by ~0.1 nats) "
                         "[default: $MTCHECK_PRECISION or auto].")
NO_CACHE = typer.Option(False, "--no-cache", help="Neither read nor write the persistent score cache "
                        "(~/.cache/mtcheck/scores.sqlite3; see 'mtcheck cache info').")
CONFIG = typer.Option(None, "--config", help="Configuration file [default: mtcheck.toml or [tool.mtcheck] in "
                      "pyproject.toml, from here upward].")


def options_from(flags: dict, gate_flags: dict, scorers: tuple, config_path):
    """CheckOptions from the command line over the configuration over the defaults."""
    from mtcheck.editorial.config import load_config
    from mtcheck.pipeline import CheckOptions
    from mtcheck.editorial.routing import Gate

    cfg = load_config(config_path)
    values = {**cfg.values, **{k: v for k, v in flags.items() if v is not None}}
    gate = Gate(**{**cfg.gate, **{k: v for k, v in gate_flags.items() if v is not None}})
    return CheckOptions(**values, scorers=scorers or None, check_settings=cfg.check_settings,
                        routing=cfg.routing, gate=gate), cfg
