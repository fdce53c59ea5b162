"""E-mail: `render` builds finished messages, `delivery` sends them, `outbox` writes them for `--dry-run`."""
