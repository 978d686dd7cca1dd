"""`python -m service.cli`: the `adaptmt` command."""

from service.cli import main

main()
