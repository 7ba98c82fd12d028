"""The package's shape: layers import downward only, and no package's modules import each other in a cycle.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); grimp reads every import
statement, those inside functions too, which is where mtcheck keeps its heavy ones. The second test
plants an upward import and a cycle in a copy of the package and checks that the same contracts
refuse it, so the first cannot pass by reading nothing.
"""

import shutil
import subprocess
import sys

from conftest import ROOT


def _lint(config: str) -> bool:
    from importlinter import configuration
    from importlinter.application.use_cases import lint_imports

    configuration.configure()  # what the lint-imports command does on import
    return lint_imports(config_filename=config, cache_dir=None, no_logo=True)


def test_the_layer_and_cycle_contracts_hold():
    assert _lint(str(ROOT / "pyproject.toml"))


def test_the_contracts_refuse_an_upward_import_and_a_cycle(tmp_path):
    shutil.copytree(ROOT / "mtcheck", tmp_path / "mtcheck", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "mtcheck" / "io" / "base.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _planted_upward():\n    from mtcheck.pipeline import run\n    return run\n")
    with open(tmp_path / "mtcheck" / "io" / "table.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _planted_cycle():\n    from mtcheck.io.stream import RunInput\n    return RunInput\n")
    with open(tmp_path / "mtcheck" / "io" / "stream.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _planted_cycle():\n    from mtcheck.io.table import read_table\n    return read_table\n")
    code = ("import sys; from importlinter import configuration; configuration.configure(); "
            "from importlinter.application.use_cases import lint_imports; "
            "sys.exit(0 if lint_imports(config_filename='pyproject.toml', cache_dir=None, no_logo=True) else 1)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "mtcheck.io.base -> mtcheck.pipeline" in proc.stdout
    assert "import downward only BROKEN" in proc.stdout and "No import cycle between the modules of any package " \
                                                              "BROKEN" in proc.stdout
