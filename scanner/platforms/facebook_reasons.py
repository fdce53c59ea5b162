"""What the Facebook adapter says when a page cannot be read, or a part of it: Canadian French,
each naming what is missing and how to get it (the technician fixes the cause once)."""

NOT_FOUND = "aucune page Facebook ne porte cet identifiant (supprimée, renommée ou jamais créée)"
INVALID = "cet identifiant n'est pas un nom d'utilisateur ni un numéro de page Facebook valide"
HIDDEN_PAGE = (
    "Facebook ne montre pas cette page (non publiée, restreinte par âge ou par pays, ou supprimée)\u00a0: "
    "vérifier auprès de l'école qu'elle est publiée et visible de tous"
)
NO_CONTENT_ACCESS = (
    "la fonctionnalité Page Public Content Access n'est pas accordée à l'application\u00a0: la demander "
    "dans l'examen de l'application Meta, ou donner au conseil la gestion de la page"
)
NO_METADATA_ACCESS = (
    "la fonctionnalité Page Public Metadata Access n'est pas accordée à l'application\u00a0: la demander "
    "dans l'examen de l'application Meta, ou donner au conseil la gestion de la page"
)
NOT_MANAGED = (
    "le jeton du conseil ne gère pas cette page\u00a0: Facebook ne donne ses administrateurs qu'au jeton "
    "d'une page gérée\u00a0; ajouter la page au Business Manager du conseil"
)
ROLES_REFUSED = (
    "Facebook a refusé la liste des administrateurs de cette page au jeton de page du conseil\u00a0: "
    "vérifier dans Business Manager que l'utilisateur système a la tâche «\u00a0Gérer la page\u00a0»"
)
NO_PAGE_LIST = (
    "le jeton n'a pas la permission pages_show_list\u00a0: Vigie ne sait pas quelles pages le conseil gère "
    "(la donner à l'utilisateur système dans Business Manager, puis générer un nouveau jeton)"
)
BUSINESS_PEOPLE_LEFT_OUT = (
    "la liste des rôles de Facebook ne comprend pas les personnes qui gèrent la page par Business "
    "Manager\u00a0: les vérifier dans les paramètres de Business Manager"
)
HIDDEN_OR_NO_METADATA_ACCESS = (
    "Facebook ne montre pas cette page à l'application\u00a0: elle n'est pas publiée ou visible de tous, "
    "ou la fonctionnalité Page Public Metadata Access n'est pas accordée à l'application (la demander "
    "dans l'examen de l'application Meta, ou donner au conseil la gestion de la page)"
)
NEEDS_APPSECRET_PROOF = (
    "Meta exige la preuve du secret de l'application (appsecret_proof)\u00a0: placer le secret de "
    "l'application dans la variable d'environnement nommée par platforms.facebook.app_secret_env"
)
