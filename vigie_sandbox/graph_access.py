"""Meta's access model, as the Graph sandbox enforces it: token kinds, permissions, app features.

What a token may read (developers.facebook.com/docs/pages-api/overview, "Permissions" and
"Page access tokens"; developers.facebook.com/docs/features-reference/page-public-metadata-access
and …/page-public-content-access):

- a user or system-user token with `pages_show_list` lists the pages it manages, each with
  its Page access token, at `GET /me/accounts` (developers.facebook.com/docs/graph-api/reference/user/accounts);
- a page the token manages (its own Page token, or a user/system-user token that manages it
  and has `pages_read_engagement`) is readable whole: public fields and posts;
- a page it does not manage needs the app feature *Page Public Metadata Access* for its
  public fields and *Page Public Content Access* for its posts: without them, `(#10)` with
  Meta's message naming the permission and the feature;
- `roles` needs that page's own Page access token: any other token gets `(#190)` "This
  method must be called with a Page Access Token", without a subcode. The edge lists the
  people with a task on the page, not those who manage it through Business Manager
  (`business_people` in the world: never returned);
- an unpublished page (`published: false`) is invisible to every token that does not manage
  it: `(#100)`, subcode 33, "does not exist, cannot be loaded due to missing permissions…";
- when the app requires it (App Dashboard > Settings > Advanced > "Require App Secret"),
  every call carries `appsecret_proof`, the HMAC-SHA256 of the token keyed with the app
  secret (developers.facebook.com/docs/graph-api/securing-requests): missing or wrong, `(#100)`.

Realistic mode, when `facebook.yaml` has an `app` section::

    app: {id: "1200000000000001", name: Vigie CSNO, secret: sandbox-app-secret,
          features: [page_public_metadata_access], require_appsecret_proof: true}
    tokens:
      - token: sandbox-facebook-token
        kind: system_user            # user | system_user | app (page tokens come from /me/accounts)
        permissions: [pages_show_list, pages_read_engagement, business_management, instagram_basic]
        manages: ["100000000000101"] # page ids or usernames
        expires_at: null             # ISO date, or null: never (system-user tokens)
        locale: fr_CA                # the token user's language: category names come in it

A page's `category` is answered in the language of the token's user, as Graph localises
category names (developers.facebook.com/docs/graph-api/reference/page, `category`: "The Page's
category", shown as in the Page's About section; `?locale=` overrides it): `CATEGORY_NAMES`
holds the French names of the categories the worlds use.

Without `app` (the demo world and the older tests), every valid token is a system-user token
with every permission, the app has both features and requires no proof, and the token manages
the pages that declare `roles` when it is one of `role_tokens` (default: `valid_tokens`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from vigie_sandbox.graph_fields import GraphFailure

PPMA = "page_public_metadata_access"
PPCA = "page_public_content_access"
ALL_PERMISSIONS = frozenset(
    {"pages_show_list", "pages_read_engagement", "business_management", "instagram_basic"}
)
_REFER = (
    " Refer to https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages and "
    "https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS for details."
)


@dataclass(frozen=True)
class TokenInfo:
    token: str
    kind: str  # user | system_user | page | app
    permissions: frozenset[str] = frozenset()
    manages: frozenset[str] = frozenset()  # page ids
    page_id: str | None = None  # for a page token: its page
    expires_at: str | None = None
    app_id: str = ""
    locale: str = "en_US"


@dataclass
class Access:
    facebook: dict[str, Any]
    pages_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for page in self.facebook.get("pages") or []:
            self.pages_by_key[str(page.get("id"))] = page
            if page.get("username"):
                self.pages_by_key[str(page["username"]).lower()] = page
        self.realistic = "app" in self.facebook
        self.app = dict(self.facebook.get("app") or {})
        features = self.app.get("features") if self.realistic else [PPMA, PPCA]
        self.features = frozenset(features or [])
        self.tokens: dict[str, TokenInfo] = {}
        for info in self._declared_tokens():
            self.tokens[info.token] = info
            for page_id in sorted(info.manages):
                page_token = derive_page_token(info.token, page_id)
                self.tokens[page_token] = TokenInfo(
                    page_token,
                    "page",
                    info.permissions,
                    frozenset({page_id}),
                    page_id,
                    None,
                    info.app_id,
                    info.locale,
                )

    def _declared_tokens(self) -> list[TokenInfo]:
        app_id = str(self.app.get("id", "1200000000000001"))
        if self.realistic:
            infos = []
            for entry in self.facebook.get("tokens") or []:
                manages = {self._page_id(m) for m in entry.get("manages") or []} - {None}
                infos.append(
                    TokenInfo(
                        str(entry["token"]),
                        str(entry.get("kind", "system_user")),
                        frozenset(entry.get("permissions") or []),
                        frozenset(str(m) for m in manages),
                        None,
                        entry.get("expires_at"),
                        app_id,
                        str(entry.get("locale", "en_US")),
                    )
                )
            return infos
        valid = [str(t) for t in self.facebook.get("valid_tokens", ["sandbox-facebook-token"])]
        role_tokens = {str(t) for t in self.facebook.get("role_tokens", valid)}
        with_roles = frozenset(str(p["id"]) for p in self.facebook.get("pages") or [] if "roles" in p)
        return [
            TokenInfo(
                t,
                "system_user",
                ALL_PERMISSIONS,
                with_roles if t in role_tokens else frozenset(),
                app_id=app_id,
            )
            for t in valid
        ]

    def _page_id(self, key: Any) -> str | None:
        page = self.pages_by_key.get(str(key)) or self.pages_by_key.get(str(key).lower())
        return str(page["id"]) if page else None

    # -------------------------------------------------------- rules

    def token(self, token: str) -> TokenInfo | None:
        return self.tokens.get(token)

    def check_proof(self, info: TokenInfo, proof: str | None) -> None:
        if not (self.realistic and self.app.get("require_appsecret_proof")) or info.kind == "app":
            return
        if not proof:
            raise GraphFailure(
                100,
                "API calls from the server require an appsecret_proof argument",
                kind="GraphMethodException",
            )
        expected = appsecret_proof(info.token, str(self.app.get("secret", "")))
        if not hmac.compare_digest(proof, expected):
            raise GraphFailure(
                100, "Invalid appsecret_proof provided in the API argument", kind="GraphMethodException"
            )

    def manages(self, info: TokenInfo, page: dict[str, Any]) -> bool:
        page_id = str(page.get("id"))
        if info.kind == "page":
            return info.page_id == page_id
        return page_id in info.manages and "pages_read_engagement" in info.permissions

    def check_page(self, info: TokenInfo, page: dict[str, Any], alias: str) -> None:
        """May this token see this page at all (public fields)?"""
        if self.manages(info, page):
            return
        if page.get("published") is False:
            raise hidden_page(alias)
        if PPMA not in self.features:
            # the body recorded in python-facebook's testdata/base/error_data.json (Apache-2.0)
            raise GraphFailure(
                100,
                "(#100) Object does not exist, cannot be loaded due to missing permission or reviewable "
                "feature, or does not support this operation. This endpoint requires the "
                "'pages_read_engagement' permission or the 'Page Public Content Access' feature or the "
                "'Page Public Metadata Access' feature. Refer to "
                "https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages, "
                "https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS and "
                "https://developers.facebook.com/docs/apps/review/feature#page-public-metadata-access "
                "for details.",
            )

    def check_posts(self, info: TokenInfo, page: dict[str, Any]) -> None:
        if self.manages(info, page) or PPCA in self.features:
            return
        raise GraphFailure(
            10,
            "(#10) This endpoint requires the 'pages_read_engagement' permission or the "
            "'Page Public Content Access' feature." + _REFER,
        )

    def check_roles(self, info: TokenInfo, page: dict[str, Any], legacy_role_tokens: list[str]) -> None:
        if info.kind == "page" and info.page_id == str(page.get("id")):
            return
        if not self.realistic and info.token in legacy_role_tokens:
            return  # the older model: a role token reads roles in a batch
        if not self.realistic:
            raise GraphFailure(210, "(#210) A page access token is required to request this resource.")
        raise GraphFailure(190, "This method must be called with a Page Access Token")

    def accounts(self, info: TokenInfo) -> list[dict[str, Any]]:
        """`/me/accounts` for this token: the pages it manages, with their Page tokens."""
        if info.kind == "page":
            raise GraphFailure(100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)")
        if info.kind == "app":
            raise GraphFailure(
                2500, "An active access token must be used to query information about the current user."
            )
        if "pages_show_list" not in info.permissions:
            raise GraphFailure(10, "(#10) This endpoint requires the 'pages_show_list' permission." + _REFER)
        listed = []
        for page_id in sorted(info.manages):
            page = self.pages_by_key.get(page_id) or {}
            listed.append(
                {
                    "id": page_id,
                    "name": page.get("name"),
                    "username": page.get("username"),
                    "category": page.get("category"),
                    "access_token": derive_page_token(info.token, page_id),
                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                }
            )
        return listed

    def debug(self, info: TokenInfo) -> dict[str, Any]:
        """`/debug_token`'s `data` for this token (developers.facebook.com/docs/graph-api/reference/debug_token)."""
        data: dict[str, Any] = {
            "app_id": info.app_id,
            "application": str(self.app.get("name", "Vigie CSNO")),
            "type": {"system_user": "SYSTEM_USER", "user": "USER", "page": "PAGE", "app": "APP"}[info.kind],
            "is_valid": True,
            "expires_at": 0 if not info.expires_at else info.expires_at,
            "scopes": sorted(info.permissions),
        }
        if info.page_id:
            data["profile_id"] = info.page_id
        return data


CATEGORY_NAMES = {
    "fr": {
        "School": "École",
        "Education": "Éducation",
        "Community": "Communauté",
        "Public Figure": "Personnalité publique",
        "Blogger": "Blogueur",
        "Personal Blog": "Blog personnel",
        "Artist": "Artiste",
        "Sports Team": "Équipe sportive",
        "Library": "Bibliothèque",
    }
}


def localised_category(category: str, locale: str) -> str:
    """The category name as Graph gives it to a user of this locale (`fr_CA` -> French)."""
    return CATEGORY_NAMES.get(locale.split("_")[0], {}).get(category, category)


def derive_page_token(user_token: str, page_id: str) -> str:
    return "EAAP" + hashlib.sha256(f"{user_token}|{page_id}".encode()).hexdigest()[:40]


def appsecret_proof(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def hidden_page(alias: str) -> GraphFailure:
    return GraphFailure(
        100,
        f"Unsupported get request. Object with ID '{alias}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        error_subcode=33,
        kind="GraphMethodException",
    )
