"""Profile picture and banner (§5.f): the school's official logo, the board's where possible."""

from __future__ import annotations

from typing import Any

from scanner.checks.base import (
    Context,
    ImageEvidence,
    Outcome,
    PictureEvidence,
    Severity,
    conforme,
    manuel,
    non_conforme,
    non_verifiable,
)
from scanner.checks.catalogue import check
from scanner.config.logos import BOARD
from scanner.config.models import Account
from scanner.net.imaging import Fingerprint, distance
from scanner.platforms.snapshot import Snapshot


def as_fingerprint(value: Any) -> Fingerprint | None:
    """`ctx.logos` and `ImageEvidence.fingerprint` hold a Fingerprint, or its cached string."""
    if value is None or isinstance(value, Fingerprint):
        return value
    return Fingerprint.loads(str(value))


def image_fingerprint(url: str | None, ctx: Context) -> tuple[Fingerprint | None, str | None]:
    """The fingerprint of a fetched image, or the French reason why there is none."""
    evidence: ImageEvidence | None = ctx.images.get(url) if url else None
    if evidence is None:
        return None, "l’image n’a pas été téléchargée pendant cet audit"
    if evidence.error or evidence.fingerprint is None:
        return None, f"image illisible\u00a0: {evidence.error or 'aucune empreinte'}"
    return as_fingerprint(evidence.fingerprint), None


def closest_logo(fingerprint: Fingerprint, ctx: Context) -> tuple[str, int] | None:
    """The known logo (school id or "board") nearest to this picture, with its distance."""
    best = None
    for key, reference in ctx.logos.items():
        ref = as_fingerprint(reference)
        if ref is None:
            continue
        bits = distance(fingerprint, ref)
        if best is None or bits < best[1]:
            best = (key, bits)
    return best


def logo_label(key: str, ctx: Context) -> str:
    if key == BOARD:
        return "le logo du CSNO"
    try:
        return f"le logo de l'{ctx.registry.school(key).name}"
    except KeyError:
        return f"le logo {key}"


@check(
    id="logo.school",
    clause="§5.f",
    severity=Severity.MAJEURE,
    title="Photo de profil\u00a0: logo officiel de l’école",
    verifies="""L’image de profil du compte est le logo officiel de l’école, même redimensionné,
    recompressé, entouré d’une marge ou découpé en cercle. Une silhouette par défaut ou l’absence
    d’image ne sont pas conformes. Le détail donne la distance entre les empreintes des deux images
    (0\u00a0: identiques) et le seuil.""",
    why="""La DA 142 (§5.f et «\u00a0Créer un compte\u00a0») demande d’inclure le logo officiel de l’école
    comme image de profil\u00a0: c’est ce qui fait reconnaître le compte sanctionné de l’école (§2.c).""",
    fix="""Téléversez comme photo de profil le fichier du logo officiel de l’école fourni par le
    CSNO, sans le modifier.""",
    evidence=PictureEvidence(picture="avatar", logo="school"),
)
def logo_school(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if snapshot.avatar_is_silhouette or not snapshot.avatar_url:
        return non_conforme("aucune photo de profil (silhouette par défaut de la plateforme)")
    reference = as_fingerprint(ctx.logos.get(account.school))
    if reference is None:
        return non_verifiable("le logo de référence de l’école n’est pas disponible")
    picture, reason = image_fingerprint(snapshot.avatar_url, ctx)
    if picture is None:
        return non_verifiable(reason or "image indisponible")
    limit = ctx.settings.logo.max_distance
    bits = distance(picture, reference)
    if bits <= limit:
        return conforme(f"distance {bits} (seuil {limit})")
    detail = f"la photo de profil n’est pas le logo de l’école (distance {bits}, seuil {limit})"
    closest = closest_logo(picture, ctx)
    if closest and closest[0] != account.school and closest[1] <= limit:
        detail += f"\u00a0: c’est {logo_label(closest[0], ctx)} (distance {closest[1]})"
    return non_conforme(detail)


@check(
    id="logo.board",
    clause="§5.f",
    severity=Severity.INFO,
    title="Logo du CSNO sur la bannière",
    verifies="""Le logo du CSNO figure, si possible, sur l’image de couverture ou la bannière du
    compte. Vigie reconnaît une bannière qui est le logo lui-même; quand le logo n’est qu’une
    partie de la bannière, la vérification se fait à l’œil. Sans objet sur Instagram, qui n’a pas
    de bannière. Règle informative.""",
    why="""La DA 142 (§5.f) demande d’inclure le logo de l’école et, si possible, celui du CSNO.""",
    fix="""Ajoutez le logo du CSNO à l’image de couverture (ou à la bannière) du compte, selon les
    normes graphiques du CSNO.""",
    networks=("facebook", "facebook_group", "x", "youtube"),
    evidence=PictureEvidence(picture="cover", logo="board"),
)
def logo_board(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if not snapshot.cover_url:
        if "cover_url" in snapshot.withheld:
            return non_verifiable(snapshot.withheld["cover_url"])  # the API did not return one
        return non_conforme("aucune image de couverture ou bannière")
    reference = as_fingerprint(ctx.logos.get(BOARD))
    picture, reason = image_fingerprint(snapshot.cover_url, ctx)
    if reference is None or picture is None:
        return manuel(
            f"vérifiez à l’œil que la bannière montre le logo du CSNO ({reason or 'logo de référence absent'})"
        )
    bits = distance(picture, reference)
    if bits <= ctx.settings.logo.max_distance:
        return conforme(f"distance {bits}")
    return manuel("la bannière n’est pas le logo seul\u00a0: vérifiez à l’œil qu’elle montre le logo du CSNO")
