"""``python -m dotsocr`` runs the command line."""

from dotsocr.cli import main

main()
