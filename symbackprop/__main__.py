"""``python -m symbackprop``: the same as the ``symbackprop`` command."""
import sys

from .cli import main

sys.exit(main())
