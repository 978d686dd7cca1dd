"""The assembled `adaptmt` command: every command and group has its help."""

import pytest


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["translate"], ["memory"], ["memory", "import"], ["keys", "create"]]
)
def test_every_command_has_help(adaptmt, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = adaptmt(*command, "--help")

    assert "Usage:" in result.stdout
    assert len(result.stdout) > 200
