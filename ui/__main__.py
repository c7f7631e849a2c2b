"""`python -m ui` runs the `docqa` command."""

from ui.cli import main

main()
