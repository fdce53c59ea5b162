"""An offline world of Facebook, Instagram, X, YouTube and the schools' websites, on loopback.

Used by `run_audit.py --demo`, the tests and the benchmarks. Nothing here is used in production.
"""
