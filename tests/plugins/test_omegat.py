"""The OmegaT plugin (plugins/omegat): built with javac against Debian's OmegaT jar, its Java tests
run against a live adaptmt on loopback (LLM stand-in), then OmegaT started headless with it.

Skipped where no JDK or OmegaT jar is installed (scripts/install-omegat-deps.sh installs both),
except in CI (CI=true), where a missing tool fails the test instead.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_SCRIPT = ROOT / "plugins" / "omegat" / "test.sh"
OMEGAT_JAR = Path(os.environ.get("OMEGAT_JAR", "/usr/share/omegat/OmegaT.jar"))
TIMEOUT_S = 900
"""Generous: two javac runs, a service start and an OmegaT start on a loaded CI machine."""

EXPECTED_LINES = [
    "PASS TranslatorTest.testSuggestionKeepsOmegatTags",
    "PASS TranslatorTest.testTheConfiguredMemoryIsUsed",
    "PASS TranslatorTest.testTheConfiguredGlossaryIsSent",
    "PASS SegmentWatcherTest.testALeftSegmentArrivesInTheMemoryWithItsProposal",
    "PASS CorrectionQueueTest.testTransientFailuresAreRetriedUntilSent",
    "PASS CorrectionQueueTest.testSubmitReturnsWhileTheServerIsStillAnswering",
    " passed, 0 failed",
    "PASS headless OmegaT",
]


def _missing_tool() -> str | None:
    if not (shutil.which("javac") and shutil.which("jar")):
        return "no JDK (javac, jar); install it with scripts/install-omegat-deps.sh"
    if not OMEGAT_JAR.is_file():
        return f"no OmegaT jar at {OMEGAT_JAR}; install it with scripts/install-omegat-deps.sh"
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


@pytest.fixture(scope="module")
def run() -> subprocess.CompletedProcess[str]:
    """plugins/omegat/test.sh, once for the module (it starts its own adaptmt)."""
    if missing := _missing_tool():
        if _in_ci():
            pytest.fail(f"CI must run the OmegaT plugin tests: {missing}")
        pytest.skip(missing)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADAPTMT_TEST_")}
    return subprocess.run(
        [str(TEST_SCRIPT)],
        env=env | {"PYTHON": sys.executable, "OMEGAT_JAR": str(OMEGAT_JAR)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_the_plugin_script_succeeds(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("line", EXPECTED_LINES)
def test_the_plugin_checks_ran_and_passed(run: subprocess.CompletedProcess[str], line: str) -> None:
    assert line in run.stdout, run.stdout + run.stderr
