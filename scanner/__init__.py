"""Vigie: nightly audit of the CSNO's social-media accounts against DA 142."""

__version__ = "0.1.0"
