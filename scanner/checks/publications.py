"""What the accounts publish, judged post by post (DA 142 §2.b.iii, §3.b, Annexe A).

These checks are declared like the others (one place for the clause, the severity and
the French texts, and `docs/regles/`), with `judges=Judges.POSTS`: the per-account runner
skips them; the publications stage calls `assess_post(post, tools)` for each new post
and keys each verdict by (account, check, post id). Each function here turns the
findings of `scanner.publications` into one `Outcome` for one post.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from scanner.checks.base import Judges, Outcome, Severity, conforme, manuel, non_conforme, non_verifiable
from scanner.checks.catalogue import CATALOGUE, check
from scanner.plumbing.french import NBSP, listing, quoted
from scanner.publications import faces, grammalecte_engine
from scanner.publications.conduct import find_conduct
from scanner.publications.findings import ContentFinding
from scanner.publications.french import FAMILY_LABELS, check_french
from scanner.publications.person_names import student_names
from scanner.publications.personal_info import find_personal_info
from scanner.publications.post import ContentTools, Post

NETWORKS = ("facebook", "instagram", "x", "youtube")  # a Facebook group has no API to read it
SHOWN = 5  # findings spelled out in a detail; the rest are counted
CONTENT_CHECKS = ("content.french", "content.personal-info", "content.faces", "content.conduct")
TEXT_CHECKS = ("content.french", "content.personal-info", "content.conduct")  # verdicts of the text alone


@dataclass(frozen=True)
class PostVerdict:
    """One check's verdict on one post, with the findings behind it (for the notice and the report)."""

    check: str
    outcome: Outcome
    findings: tuple[ContentFinding, ...] = ()


def assess_post(post: Post, tools: ContentTools, cpu: dict[str, float] | None = None) -> list[PostVerdict]:
    """Every content check that applies to this post (a post without pictures has no faces verdict).

    `cpu`, when given, accumulates each check's CPU seconds (this thread's), for the benchmark."""
    verdicts = []
    for check_id in CONTENT_CHECKS:
        started = time.thread_time() if cpu is not None else 0.0
        if check_id in TEXT_CHECKS and (check_id, post.text) in tools.remembered:
            judged = tools.remembered[check_id, post.text]  # the same text, already read this night
        else:
            judged = CATALOGUE[check_id].fn(post, tools)  # type: ignore[arg-type,call-arg]
            if check_id in TEXT_CHECKS:
                tools.remember((check_id, post.text), judged)
        if cpu is not None:
            cpu[check_id] = cpu.get(check_id, 0.0) + time.thread_time() - started
        if judged is not None:
            verdicts.append(judged)
    return verdicts


@check(
    id="content.french",
    clause="§2.b.iii",
    severity=Severity.MINEURE,
    title="Qualité du français des publications",
    verifies=f"""Le texte de chaque nouvelle publication est relu par le correcteur Grammalecte,
    limité aux fautes\u00a0: accords, conjugaison, participes passés et infinitifs, homophones
    ({quoted("a")} ou {quoted("à")}, {quoted("on")} ou {quoted("ont")}, {quoted("ce")} ou {quoted("se")},
    {quoted("et")} ou {quoted("est")}…), et mots inconnus du dictionnaire. La typographie et le style ne
    sont pas relevés. Les noms propres, les mots-clics, les mentions, les liens, les émojis et les mots
    du dictionnaire du conseil (config/dictionnaire.txt\u00a0: noms, lieux de l’Alberta, mots du
    français canadien comme {quoted("courriel")} ou {quoted("magasiner")}) ne sont jamais signalés.
    Un passage en anglais est mis de côté et montré comme {quoted("passage en anglais")}, sans être
    compté comme une faute. Sans Grammalecte sur le serveur, la règle est non vérifiable.""",
    why="""La DA 142 (§2.b.iii) demande que l’information partagée présente une qualité de français
    exceptionnelle\u00a0: les publications d’une école francophone sont lues par les familles et la
    communauté, et servent de modèle aux élèves.""",
    fix="""Corrigez la publication selon la suggestion indiquée (la plateforme permet de modifier un
    texte publié). Si un mot signalé est correct (un nom, un terme local), demandez à la coordonnatrice
    des communications de l’ajouter au dictionnaire du conseil.""",
    networks=NETWORKS,
    judges=Judges.POSTS,
)
def content_french(post: Post, tools: ContentTools) -> PostVerdict | None:
    if not post.text.strip():
        return None
    if tools.grammalecte is None:
        return PostVerdict("content.french", non_verifiable(grammalecte_engine.UNAVAILABLE))
    report = check_french(post.text, tools.grammalecte, tools.words, tools.phrases)
    english = ""
    if report.english:
        english = "passage en anglais\u00a0: " + listing([quoted(s.text) for s in report.english[:2]])
    if not report.findings:
        return PostVerdict("content.french", conforme(english or None))
    detail = _french_detail(report.findings)
    if english:
        detail += f" ({english})"
    return PostVerdict("content.french", non_conforme(detail), report.findings)


@check(
    id="content.personal-info",
    clause="§3.b, Annexe A",
    severity=Severity.MAJEURE,
    title="Aucun renseignement personnel d’élève ou d’employé dans les publications",
    verifies="""Une nouvelle publication ne montre ni numéro de téléphone autre que ceux de l’école et du
    conseil, ni adresse courriel personnelle, ni adresse de domicile, ni date de naissance, ni le nom
    complet d’une personne accompagné de renseignements sur un élève (année scolaire, âge,
    anniversaire). Un titre suivi d’un nom (Mme Dubé) et les formules comme «\u00a0Joyeux\u00a0» ou
    «\u00a0Bravo\u00a0» ne sont pas des noms d’élèves.""",
    why="""La DA 142 (§3.b) interdit de publier des renseignements personnels ou des photos d’élèves ou
    d’employés sans autorisation préalable (formulaires F DA 170 A et B), et l’annexe A demande de
    protéger la vie privée de chacun.""",
    fix="""Modifiez la publication pour retirer le renseignement signalé, ou retirez-la. Si la famille
    ou l’employé a donné son autorisation écrite, vérifiez que le formulaire est au dossier.""",
    networks=NETWORKS,
    judges=Judges.POSTS,
)
def content_personal_info(post: Post, tools: ContentTools) -> PostVerdict | None:
    if not post.text.strip():
        return None
    found = find_personal_info(post.text, tools.allowed_numbers, tools.board_domains)
    found += student_names(post.text, tools.nlp, tools.staff, tools.places)
    if not found:
        return PostVerdict("content.personal-info", conforme())
    labels = {
        "phone": "numéro de téléphone",
        "email": "adresse courriel personnelle",
        "address": "adresse de domicile",
        "birthdate": "date de naissance",
        "student-name": "nom complet d’un élève",
    }
    items = [f"{labels[f.family]} {quoted(f.span.text)}" for f in found[:SHOWN] if f.span]
    return PostVerdict("content.personal-info", non_conforme(_counted(items, len(found))), tuple(found))


@check(
    id="content.faces",
    clause="§3.b",
    severity=Severity.INFO,
    title="Photos où l’on reconnaît des visages\u00a0: consentements à confirmer",
    verifies="""Les photos des nouvelles publications sont examinées par un détecteur de visages;
    une photo où au moins un visage est assez grand pour être reconnu est à vérifier par la direction,
    qui confirme que les consentements (formulaires F DA 170 A et B) sont au dossier. Ce n’est jamais
    une non-conformité à lui seul.""",
    why="""La DA 142 (§3.b) interdit de publier la photo d’un élève ou d’un employé sans autorisation
    préalable\u00a0: seule l’école sait si le consentement a été donné.""",
    fix="""Vérifiez que chaque personne reconnaissable a son formulaire F DA 170 A (élève) ou B (employé)
    au dossier. Sinon, retirez la photo ou remplacez-la par une photo sans visage reconnaissable.""",
    networks=NETWORKS,
    judges=Judges.POSTS,
)
def content_faces(post: Post, tools: ContentTools) -> PostVerdict | None:
    if not post.pictures:
        return None
    detect = getattr(tools, "detect_faces", None) or faces.detect_faces  # tools may be None here
    reports = [detect(data) for data in post.pictures]
    unread = [r for r in reports if r.error]
    total = sum(r.count for r in reports)
    pictures_with_faces = sum(1 for r in reports if r.count)
    if total:
        plural = "s" if total > 1 else ""
        where = (
            "sur la photo"
            if len(reports) == 1
            else f"sur {pictures_with_faces} photo{'s' if pictures_with_faces > 1 else ''}"
        )
        detail = (
            f"{total}{NBSP}visage{plural} reconnaissable{plural} {where}\u00a0: confirmez que les "
            "consentements F DA 170 A ou B sont au dossier"
        )
        return PostVerdict("content.faces", manuel(detail))
    if unread:
        return PostVerdict("content.faces", non_verifiable(unread[0].error or "image illisible"))
    return PostVerdict("content.faces", conforme())


@check(
    id="content.conduct",
    clause="Annexe A",
    severity=Severity.MAJEURE,
    title="Ni grossièreté, ni insulte, ni information confidentielle dans les publications",
    verifies="""Une nouvelle publication ne contient ni mot grossier, ni juron, ni insulte (liste du
    conseil, formes fléchies comprises, sauf contexte innocent comme «\u00a0la chatte de la classe\u00a0»).
    Un sujet qui peut être confidentiel (litige, poursuite, avocat, états financiers, déficit,
    élection, mesure disciplinaire…) est signalé «\u00a0à vérifier\u00a0», sans être une faute.""",
    why="""L’annexe A de la DA 142 («\u00a0Bon sens\u00a0», «\u00a0Protection\u00a0») interdit les propos
    grossiers ou injurieux et la diffusion d’information confidentielle sur le compte d’une école.""",
    fix="""Retirez la publication ou modifiez-la pour enlever le mot signalé. Pour un sujet
    «\u00a0à vérifier\u00a0», assurez-vous auprès de la direction générale que l’information peut être
    rendue publique.""",
    networks=NETWORKS,
    judges=Judges.POSTS,
)
def content_conduct(post: Post, tools: ContentTools) -> PostVerdict | None:
    if not post.text.strip():
        return None
    found = find_conduct(post.text, tools.lexicon)
    if not found:
        return PostVerdict("content.conduct", conforme())
    errors = [f for f in found if not f.to_check]
    if errors:
        items = [quoted(f.span.text) for f in errors[:SHOWN] if f.span]
        return PostVerdict(
            "content.conduct",
            non_conforme("propos grossier ou injurieux\u00a0: " + listing(items)),
            tuple(found),
        )
    items = [quoted(f.span.text) for f in found[:SHOWN] if f.span]
    return PostVerdict(
        "content.conduct",
        manuel("à vérifier, sujet possiblement confidentiel\u00a0: " + listing(items)),
        tuple(found),
    )


def _french_detail(findings: tuple[ContentFinding, ...]) -> str:
    items = []
    for finding in findings[:SHOWN]:
        if finding.span is None:
            continue
        item = f"{quoted(finding.span.text)} ({FAMILY_LABELS[finding.family]})"
        if finding.suggestion:
            item += f" → {quoted(finding.suggestion)}"
        items.append(item)
    return _counted(items, len(findings))


def _counted(items: list[str], total: int) -> str:
    text = "; ".join(items)
    if total > len(items):
        text += f"; et {total - len(items)} autre{'s' if total - len(items) > 1 else ''}"
    return text
