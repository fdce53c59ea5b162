"""What the Instagram adapter says when an account (or its publications) cannot be read: Canadian
French, each naming what is missing and how to get it."""

USER_NOT_FOUND_CODE = 110
USER_NOT_FOUND_SUBCODE = 2207013
NOT_FOUND = (
    "compte Instagram introuvable ou compte personnel : la découverte d'entreprise d'Instagram "
    "ne lit que les comptes professionnels (entreprise ou créateur)"
)
INVALID = (
    "ce nom d'utilisateur Instagram n'est pas valide (lettres, chiffres, points et traits de soulignement)"
)
NO_BUSINESS_ACCOUNT = (
    "aucun compte Instagram professionnel du conseil n'est configuré "
    "(platforms.instagram.ig_user_id) : la découverte d'entreprise est impossible"
)
BAD_BUSINESS_ACCOUNT = (
    "le compte Instagram professionnel configuré (platforms.instagram.ig_user_id) "
    "est introuvable ou inaccessible avec ce jeton"
)
