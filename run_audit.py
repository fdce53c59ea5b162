#!/usr/bin/env python3
"""Vigie — nightly DA 142 audit of the CSNO's social-media accounts. See README.md."""

import sys

from scanner.cli import main

if __name__ == "__main__":
    sys.exit(main())
