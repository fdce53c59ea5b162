"""Platform adapters: one module per network, HTTP only, returning frozen snapshots."""
