"""The labelled corpus of posts and pictures, and how a run of Vigie's analysers is scored.

Used by `tests/test_publications_corpus.py`, `tests/test_publications_faces.py` and
`benchmarks/bench_publications.py`.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from scanner.checks.publications import assess_post
from scanner.publications.grammalecte_engine import INSTALL_COMMAND
from scanner.publications.post import ContentTools, Post, load_tools

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCHOOL_NUMBER = "780 555-0100"
BOARD_NUMBER = "780 555-0000"
CHECK_PREFIX = {"content.french": "french", "content.personal-info": "personal", "content.conduct": "conduct"}


@dataclass(frozen=True)
class LabelledPost:
    line: int
    labels: frozenset[str]  # {"french/agreement", ...}; empty: clean
    text: str
    held_out: bool = False  # written after the rules were set (after the « # @heldout » line)


def posts() -> list[LabelledPost]:
    found = []
    held_out = False
    for number, raw in enumerate((HERE / "posts.txt").read_text(encoding="utf-8").splitlines(), start=1):
        held_out = held_out or raw.strip() == "# @heldout"
        if not raw.strip() or raw.startswith("#"):
            continue
        labels, _, text = raw.partition(" | ")
        found.append(
            LabelledPost(
                line=number,
                labels=frozenset() if labels.strip() == "-" else frozenset(labels.strip().split(",")),
                text=text.replace("\\n", "\n"),
                held_out=held_out,
            )
        )
    return found


@dataclass(frozen=True)
class LabelledPicture:
    path: Path
    faces: int  # identifiable faces planted
    kind: str  # portrait, group, small, crowd, none-landscape, none-logo, ...


def pictures() -> list[LabelledPicture]:
    labels = json.loads((HERE / "pictures" / "labels.json").read_text(encoding="utf-8"))
    return [
        LabelledPicture(HERE / "pictures" / item["file"], item["faces"], item["kind"])
        for item in labels["pictures"]
    ]


@cache
def tools() -> ContentTools:
    """The night's tools with the corpus' school and board numbers (loaded once per process)."""
    return load_tools(
        ROOT / "config",
        published_numbers=[SCHOOL_NUMBER, BOARD_NUMBER],
        board_domains=["csno.ab.ca"],
        staff=["Julie Côté", "Olivier Fortin", "Rémi Gauthier"],
    )


def tools_with_grammalecte() -> ContentTools:
    """The tools, for a test that needs Grammalecte: skipped on a machine without it, never in CI."""
    loaded = tools()
    if loaded.grammalecte is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install python3-grammalecte (.ci/run)")
        pytest.skip(f"Grammalecte absent: {INSTALL_COMMAND}")
    return loaded


def predicted_labels(post: LabelledPost, content_tools: ContentTools) -> frozenset[str]:
    labels = set()
    for verdict in assess_post(Post(id=str(post.line), text=post.text), content_tools):
        prefix = CHECK_PREFIX.get(verdict.check)
        for finding in verdict.findings:
            if prefix:
                labels.add(f"{prefix}/{finding.family}")
    return frozenset(labels)


@dataclass
class Scores:
    """Precision per check and per family (pairs post × family), recall per family."""

    true_pos: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_pos: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_neg: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mistakes: list[str] = field(default_factory=list)

    def add(self, post: LabelledPost, predicted: Iterable[str]) -> None:
        predicted = frozenset(predicted)
        for label in predicted | post.labels:
            for key in (label, label.split("/")[0]):
                if label in predicted and label in post.labels:
                    self.true_pos[key] += 1
                elif label in predicted:
                    self.false_pos[key] += 1
                else:
                    self.false_neg[key] += 1
        if predicted != post.labels:
            self.mistakes.append(
                f"line {post.line}: expected {sorted(post.labels)}, got {sorted(predicted)}: {post.text[:90]}"
            )

    def precision(self, key: str) -> float:
        found = self.true_pos[key] + self.false_pos[key]
        return self.true_pos[key] / found if found else 1.0

    def recall(self, key: str) -> float:
        planted = self.true_pos[key] + self.false_neg[key]
        return self.true_pos[key] / planted if planted else 1.0

    def keys(self) -> list[str]:
        return sorted(set(self.true_pos) | set(self.false_pos) | set(self.false_neg))

    def table(self) -> str:
        lines = [f"{'check/family':28} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}"]
        for key in self.keys():
            lines.append(
                f"{key:28} {self.true_pos[key]:4} {self.false_pos[key]:4} {self.false_neg[key]:4} "
                f"{self.precision(key):10.3f} {self.recall(key):7.3f}"
            )
        return "\n".join(lines)


def score_posts(
    content_tools: ContentTools, predict: Callable = predicted_labels, *, held_out_only: bool = False
) -> Scores:
    scores = Scores()
    for post in posts():
        if held_out_only and not post.held_out:
            continue
        scores.add(post, predict(post, content_tools))
    return scores
