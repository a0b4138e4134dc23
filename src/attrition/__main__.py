"""``python -m attrition``: the same as the ``attrition`` command."""

from attrition.cli import main

main()
