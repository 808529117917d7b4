"""``python -m pointline.cli`` runs the ``pointline`` command."""

from pointline.cli import main

main()
