"""Vigie — nightly DA 142 audit of the CSNO's social-media accounts. See README.md."""

import sys

if __name__ == "__main__":
    # imported here, not above: the pictures' and faces' worker processes import this file again
    # (as multiprocessing does with a main script) and need none of it
    from scanner.cli import main

    sys.exit(main())
