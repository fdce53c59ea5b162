"""The look-alike look-ups' memory between nights (tables of migration 0004): read before the
look-ups, written with the night (inside its transaction, so a dry run leaves it as it was)."""

from __future__ import annotations

import datetime as dt

from scanner.discovery.lookups import FoundAccount, LookupState, Refusal
from scanner.history.store import History


def load_lookup_state(history: History) -> LookupState:
    conn = history.conn
    state = LookupState()
    for row in conn.execute("SELECT key, last_night FROM lookups"):
        state.history[row["key"]] = dt.date.fromisoformat(row["last_night"])
    for row in conn.execute(
        "SELECT platform, handle, url, owner, variant, first_night, platform_id FROM lookup_found ORDER BY rowid"
    ):
        account = FoundAccount(
            row["platform"], row["handle"], row["url"], row["owner"], row["variant"],
            dt.date.fromisoformat(row["first_night"]), row["platform_id"],
        )  # fmt: skip
        state.found[account.key] = account
    for row in conn.execute("SELECT platform, night, reason FROM lookup_refusals"):
        state.refusals[row["platform"]] = Refusal(dt.date.fromisoformat(row["night"]), row["reason"])
    return state


def save_lookup_state(history: History, state: LookupState) -> None:
    """Replace the stored state with `state` (in the night's transaction)."""
    with history.transaction() as conn:
        conn.execute("DELETE FROM lookups")
        conn.executemany(
            "INSERT INTO lookups (key, last_night) VALUES (?, ?)",
            [(key, night.isoformat()) for key, night in state.history.items()],
        )
        conn.execute("DELETE FROM lookup_found")
        conn.executemany(
            "INSERT INTO lookup_found (platform, handle_key, handle, url, owner, variant, first_night, "
            "platform_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f.platform,
                    f.key[1],
                    f.handle,
                    f.url,
                    f.owner,
                    f.variant,
                    f.first_night.isoformat(),
                    f.platform_id,
                )
                for f in state.found.values()
            ],
        )
        conn.execute("DELETE FROM lookup_refusals")
        conn.executemany(
            "INSERT INTO lookup_refusals (platform, night, reason) VALUES (?, ?, ?)",
            [(platform, r.night.isoformat(), r.reason) for platform, r in state.refusals.items()],
        )
