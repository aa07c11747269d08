"""``python -m lessons``: the command line (see ``lessons.bench.cli``)."""

import sys

from lessons.bench.cli import main

if __name__ == "__main__":  # importing the module (as the tests' package walk does) runs nothing
    sys.exit(main())
