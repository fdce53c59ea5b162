"""A word the coordinator accepts in `publications_ignorees.yaml` (`mots`) is no longer a spelling
error the next night: the file's words reach the French check through the night's tools."""

from __future__ import annotations

from pathlib import Path

from corpus.publications import labelled
from factories import make_registry, make_settings

from scanner.checks.base import Status
from scanner.checks.publications import content_french
from scanner.config.dismissals import Dismissals
from scanner.config.models import Config
from scanner.night.publications import content_tools
from scanner.publications.post import Post

ROOT = Path(__file__).resolve().parents[1]
POST = Post(id="1", text="On dit tansi à nos aînés ce matin.")  # « tansi »: bonjour, in Cree


def judged(tmp_path: Path, words: tuple[str, ...]):
    config = Config(
        folder=ROOT / "config",
        registry=make_registry(),
        settings=make_settings(tmp_path),
        dismissals=Dismissals(mots=words),
    )
    return content_french(POST, content_tools(config)).outcome


def test_a_word_accepted_in_the_dismissals_file_is_not_flagged_the_next_night(tmp_path):
    labelled.tools_with_grammalecte()  # skipped without Grammalecte on a workstation, never in CI
    before = judged(tmp_path, ())
    assert before.status is Status.NON_CONFORME and "«\u00a0tansi\u00a0» (orthographe)" in before.detail
    after = judged(tmp_path, ("tansi",))
    assert after.status is Status.CONFORME, after.detail
