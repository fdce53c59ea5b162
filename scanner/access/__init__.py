"""`run_audit.py access`: what the credentials can read, before the first night (see `probe`)."""
