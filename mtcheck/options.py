"""What a run was asked to do: `CheckOptions`, one frozen object from the command line or the Python API.

The pipeline resolves it once (`mtcheck.pipeline.resolve_options`): the defaults that depend on the
machine, the configuration or the shipped fusion heads are filled in, and from then on every stage
and every Dask worker reads the same values. Nothing here imports a stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtcheck.errors import UsageError

FLUENCY_CHOICES = ("auto", "on", "off")


@dataclass(frozen=True)
class CheckOptions:
    target_lang: str | None = None       # None: what the input declares (XLIFF), else en
    source_lang: str | None = None       # None: inferred from the source text, when there is one
    model: str | None = None             # sentence-transformers name/path for MT<->ref similarity
    checks: list[str] | None = None      # None = every default check (resolved: the checks that run)
    scorers: tuple[str, ...] | None = None  # None = mtcheck.scorers.DEFAULT_SCORERS (resolved: those that run)
    xmodel: str | None = None            # cross-lingual model for src<->MT [default: packaged USE]
    fluency: str = "auto"                # auto (rows without a reference), on, off
    ter: bool = False                    # sentence and corpus TER (slow; not used by the fusion)
    lm_ref: bool = False                 # MT-given-reference likelihood under SmolLM2 (slow; English)
    xsim_ref: bool | None = None         # the cross-lingual MT<->reference cosine; None: when the fusion uses it
    xsim_margin: bool = True             # source-similarity margin over the run's other rows (no head reads it;
                                         # kept by default: segments.csv never loses a column)
    precision: str | None = None         # language-model engine: auto, fp32, onnx, int8 [default: auto]
    cache: bool = True                   # the persistent score cache (mtcheck/models/cache.py); False: --no-cache
    check_settings: dict | None = None   # check id -> {"enabled": bool, "severity": str} (configuration)
    routing: list | None = None          # routing bands (mtcheck.editorial.routing); None = the defaults
    gate: object | None = None           # mtcheck.editorial.routing.Gate; None = no gate
    verdicts: str | None = None          # a reviewed segments.csv (mtcheck.editorial.verdicts)
    row_languages: bool = False          # resolved: the checks read each row's declared target language
    post_edits: str | None = None        # the editors' final text, one line per segment (mtcheck.editorial.postedit)
    calibration: str | None = None       # a team's calibration (mtcheck calibrate --write; mtcheck.quality.calibration)
    glossary: str | None = None          # a TBX, CSV or TSV glossary for the terminology checks (mtcheck.io.glossary)
    adapter_ref: bool = False            # --adapter: also the (MT, reference) adapter's xenc_ref (opt-in; no head reads it)

    def validate(self) -> None:
        """Raise a UsageError for a value no stage could use."""
        from mtcheck.languages import normalise

        normalise(self.target_lang, "--target-lang")
        normalise(self.source_lang, "--source-lang")
        if self.fluency not in FLUENCY_CHOICES:
            raise UsageError(f"fluency must be auto, on or off, not '{self.fluency}'")
