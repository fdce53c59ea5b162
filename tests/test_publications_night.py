"""Publications over several nights, through the real adapters, the sandbox and the SMTP server
(issue 16): the first night reads the window, the next ones only what is new; a post deleted
after its notice resolves its finding; a post the coordinator dismissed is honoured."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hardening_world import HardWorld, find

from scanner.publications import grammalecte_engine

PICTURES = Path(__file__).resolve().parent / "corpus" / "publications" / "pictures"
PAGE = "100000000000101"
PHONE = "Covoiturage pour le tournoi de samedi : contactez la maman de Noah au 780-555-0147."
FACES = "Sortie au musée pour nos classes de 5e année. Quelle belle journée!"
FRENCH = "Merci à tous les parent qui ont participé à la soirée de lecture."
CLEAN = "Bravo à nos élèves pour le concert de Noël! Merci aux familles. #EQV"
OBSCENE = "Quelle journée de merde, l'autobus est encore en retard!"
TWEET, LATER_TWEET = "1979000000000000701", "1979000000000000702"


@pytest.fixture
def hw(tmp_path):
    world = HardWorld(tmp_path)
    page = find(world.world["facebook"]["pages"], id=PAGE)
    page["last_post_days_ago"] = 1
    page["posts"] = [
        {"id": f"{PAGE}_71", "days_ago": 3, "message": PHONE},
        {"id": f"{PAGE}_72", "days_ago": 4, "message": FACES,
         "pictures": ["https://scontent.sandbox.fbcdn.net/posts/visage.jpg"]},
        {"id": f"{PAGE}_73", "days_ago": 5, "message": FRENCH},
    ]  # fmt: skip
    world.world["web"]["media"] = {
        "scontent.sandbox.fbcdn.net": {
            "/posts/visage.jpg": {
                "source": str(PICTURES / "portrait-00.jpg"), "raw": True, "content_type": "image/jpeg",
            }
        }
    }  # fmt: skip
    user = world.world["x"]["users"][0]
    user["last_tweet_days_ago"] = 1
    user["tweets"] = [{"id": TWEET, "created_at": iso(world.now - dt.timedelta(days=2)), "text": OBSCENE}]
    world.start()
    yield world
    world.stop()


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def content_findings(hw) -> dict[tuple[str, str, str], dict]:
    with hw.db() as conn:
        rows = conn.execute("SELECT * FROM findings WHERE post_id != ''")
        return {(r["account"], r["check_id"], r["post_id"]): dict(r) for r in rows}


def judged(report_json: Path) -> set[tuple[str, str]]:
    """(account, post id) of the posts whose content was judged tonight (not re-emitted verdicts)."""
    report = json.loads(report_json.read_text(encoding="utf-8"))
    return {
        (r["account"], r["post"]["id"])
        for r in report["results"]
        if r["post"] and r["check"] == "content.conduct"
    }


def move_on(hw, days: int) -> None:
    """The same posts, `days` later: their age grows (the sandbox's `days_ago` is from its now)."""
    page = find(hw.world["facebook"]["pages"], id=PAGE)
    for post in page["posts"]:
        post["days_ago"] += days


def test_publications_over_four_nights(hw):
    # ------------------------------------------------ night 0: the first night reads the last 14 days
    first = hw.run(night=0)
    assert first.exit_status == 0
    findings = content_findings(hw)
    assert findings[("eqv-facebook", "content.personal-info", f"{PAGE}_71")]["resolved_at"] is None
    assert findings[("eqv-x", "content.conduct", TWEET)]["resolved_at"] is None
    assert not [k for k in findings if k[1] == "content.faces"]  # faces are never findings
    french = grammalecte_engine.load() is not None
    if french:
        assert ("eqv-facebook", "content.french", f"{PAGE}_73") in findings
    link = findings[("eqv-facebook", "content.personal-info", f"{PAGE}_71")]["post_link"]
    [notice] = [m for m in hw.mailbox.messages() if "direction.eqv" in str(m["To"])]
    text = notice.get_body(("plain",)).get_content().replace("\n  ", " ")
    assert link in text and "À VÉRIFIER" in text
    if french:  # a French error waits for the weekly digest (night 0 is a Tuesday)
        assert findings[("eqv-facebook", "content.french", f"{PAGE}_73")]["post_link"] not in text
    with hw.db() as conn:
        read = {r[0] for r in conn.execute("SELECT post_id FROM posts")}
        reviews = conn.execute("SELECT count(*) FROM posts WHERE review_run IS NOT NULL").fetchone()[0]
    assert {f"{PAGE}_71", f"{PAGE}_72", f"{PAGE}_73", TWEET} <= read
    assert reviews == 1  # the picture with a face went out once, in that notice

    # ------------------------------------------------ night 1: post 1 deleted, one new post
    move_on(hw, 1)
    page = find(hw.world["facebook"]["pages"], id=PAGE)
    page["posts"] = [p for p in page["posts"] if p["id"] != f"{PAGE}_71"]
    page["posts"].append({"id": f"{PAGE}_74", "days_ago": 0.5, "message": CLEAN})
    hw.reload_world()
    hw.mailbox.received.clear()
    second = hw.run(night=1)
    assert judged(second.report_json) >= {("eqv-facebook", f"{PAGE}_74")}
    assert ("eqv-facebook", f"{PAGE}_72") not in judged(second.report_json)  # read before: not judged again
    findings = content_findings(hw)
    gone = findings[("eqv-facebook", "content.personal-info", f"{PAGE}_71")]
    assert gone["resolved_at"] is not None and gone["last_status"] == "conforme"
    with hw.db() as conn:
        assert conn.execute("SELECT gone_run FROM posts WHERE post_id = ?", (f"{PAGE}_71",)).fetchone()[0]
    report = json.loads(second.report_json.read_text(encoding="utf-8"))
    resolved = [f for f in report["findings"] if f["state"] == "resolved" and f["post"]]
    assert [(f["check"], f["post"]["id"]) for f in resolved] == [("content.personal-info", f"{PAGE}_71")]

    # ------------------------------------------------ night 2: the coordinator dismisses the tweet
    tweet_link = findings[("eqv-x", "content.conduct", TWEET)]["post_link"]
    (hw.config_dir / "publications_ignorees.yaml").write_text(
        f"publications:\n  - publication: {tweet_link}\n    regle: content.conduct\n"
        "    raison: Citation d’un élève dans un article sur le langage\n",
        encoding="utf-8",
    )
    move_on(hw, 1)
    find(hw.world["x"]["users"], username="EQV_CSNO")["tweets"].append(
        {"id": LATER_TWEET, "created_at": iso(hw.now + dt.timedelta(days=1, hours=12)), "text": CLEAN}
    )
    hw.reload_world()
    third = hw.run(night=2)
    findings = content_findings(hw)
    dismissed = findings[("eqv-x", "content.conduct", TWEET)]
    assert dismissed["resolved_at"] is not None and dismissed["last_status"] == "derogation"
    report = json.loads(third.report_json.read_text(encoding="utf-8"))
    assert report["publications"]["dismissed"] == 1

    # ------------------------------------------------ night 3: X reads only what is new (since_id)
    move_on(hw, 1)
    hw.reload_world()
    hw.sandbox.clear_log()
    fourth = hw.run(night=3)
    [timeline] = hw.sandbox.requests_to("x.timeline")
    assert timeline.query.get("since_id") == LATER_TWEET  # no open finding left on eqv-x: the cursor
    assert not {p for a, p in judged(fourth.report_json) if a == "eqv-x"}
