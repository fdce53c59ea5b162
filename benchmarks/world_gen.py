"""A configuration and a sandbox world of N accounts, for the scale benchmark and its tests.

`generate(n, folder)` writes `folder/registry.yaml`, `folder/settings.yaml` and
`folder/logos/` (copied from `config/logos/`), and returns the matching sandbox `World`:

- 20 accounts per school: 8 Facebook pages, 4 Instagram, 6 X and 2 YouTube accounts
  (40 / 20 / 30 / 10 %), the first of each network the school's official account;
- every account has its own avatar and banner URLs on the platforms' sandbox CDNs
  (`web.accounts`, served by `vigie_sandbox.web`), made from its school's logo (the
  banner from the board's): URLs differ per account, the bytes are shared by the accounts
  of one school on one network, as when a school uploads its logo everywhere;
- Meta's access model as production meets it (`vigie_sandbox.graph_access`): the board's
  system-user token manages each school's official Facebook page only (read with its page
  token), the app has Page Public Metadata and Content Access and requires `appsecret_proof`;
  Facebook and Instagram pictures are signed and rotate daily (`vigie_sandbox.signing`), every
  CDN answers `Cache-Control: max-age=86400`, each platform on its own CDN host;
- every school's website links the school's accounts and the board's site;
- mostly compliant: about `sprinkle` of the accounts (seeded) carry one planted
  non-conformity (stale, look-alike suffix, wrong logo, dead link, one admin, no permission).

DA 142 wants class, team and project accounts on Facebook to be groups: the 7 non-official
Facebook pages of each school come out `facebook.page-kind` non-conforming, as they should.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from scanner.plumbing.secrets import Secret, Secrets
from vigie_sandbox.demo import DEMO_TOKENS
from vigie_sandbox.world import World

ROOT = Path(__file__).resolve().parents[1]
LOGOS = ROOT / "config" / "logos"
PER_SCHOOL = 20
# Position in a school's 20 accounts -> network: 8 + 4 + 6 + 2.
LAYOUT = ["facebook"] * 8 + ["instagram"] * 4 + ["x"] * 6 + ["youtube"] * 2
SUFFIX = "CSNO"
IG_BUSINESS_ID = "17841400000000000"
TOKENS = {"facebook": "sandbox-facebook-token", "x": "sandbox-x-token", "youtube": "sandbox-youtube-key"}
APP_SECRET = "sandbox-app-secret"
APP_SECRET_ENV = "VIGIE_FACEBOOK_APP_SECRET"


def secrets() -> Secrets:
    """The generated world's credentials (the demo's tokens, and the Meta app's secret)."""
    return replace(DEMO_TOKENS, facebook_app_secret=Secret(APP_SECRET))


CORPUS = ROOT / "tests" / "corpus" / "publications"
WINDOW_DAYS = 14  # content.first_night_days
POST_HOSTS = {
    "facebook": "scontent.sandbox.fbcdn.net",
    "instagram": "scontent.sandbox.cdninstagram.com",
    "x": "pbs.sandbox.twimg.com",
}
PLANTS = ("stale", "lookalike", "wrong_logo", "dead_link", "one_admin", "no_permission")
TOPICS = ["Bibliothèque", "Sports", "Musique", "Théâtre", "Sciences", "Parents", "Robotique", "Plein air"]


@dataclass
class Generated:
    folder: Path
    world: World
    per_network: dict[str, int] = field(default_factory=dict)
    managed_pages: int = 0  # Facebook pages the board's token manages (one call each)
    plants: dict[str, str] = field(default_factory=dict)  # account id -> plant


def generate(
    n_accounts: int,
    folder: Path,
    *,
    seed: int = 142,
    sprinkle: float = 0.03,
    posts: int = 0,
    pictures_per_post: int = 2,
) -> Generated:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logos").mkdir(exist_ok=True)
    for logo in LOGOS.glob("*.png"):
        shutil.copyfile(logo, folder / "logos" / logo.name)
    school_logos = sorted(p.name for p in LOGOS.glob("*.png") if p.stem != "csno")
    rng = random.Random(seed)
    builder = _Builder(folder, school_logos)
    for index in range(n_accounts):
        number, position = divmod(index, PER_SCHOOL)
        school = builder.school(number)
        plant = rng.choice(PLANTS) if rng.random() < sprinkle else None
        builder.account(school, position, plant)
    if posts:
        add_posts(builder, posts, pictures_per_post, rng)
    builder.write()
    world = World(
        facebook=builder.facebook,
        instagram=builder.instagram,
        x=builder.x,
        youtube=builder.youtube,
        web=builder.web,
        assets=folder,
    )
    managed = len(builder.facebook["tokens"][0]["manages"])
    return Generated(folder, world, builder.per_network, managed, builder.plants)


class _Builder:
    def __init__(self, folder: Path, school_logos: list[str]):
        self.folder = folder
        self.school_logos = school_logos
        self.schools: list[dict] = []
        self.accounts: list[dict] = []
        self.per_network: dict[str, int] = {}
        self.plants: dict[str, str] = {}
        # calls_per_hour: the Graph usage header grows with calls; a large app's quota here.
        self.facebook: dict = {
            "app": {
                "id": "1200000000000001",
                "name": "Vigie CSNO",
                "secret": APP_SECRET,
                "features": ["page_public_metadata_access", "page_public_content_access"],
                "require_appsecret_proof": True,
            },
            "tokens": [
                {
                    "token": TOKENS["facebook"],
                    "kind": "system_user",
                    "permissions": [
                        "pages_show_list",
                        "pages_read_engagement",
                        "business_management",
                        "instagram_basic",
                    ],
                    "manages": [],  # each school's official page, added below
                }
            ],
            "calls_per_hour": 200_000,
            "pages": [],
        }
        self.instagram: dict = {
            "business_account": {"id": IG_BUSINESS_ID, "username": "csno_officiel"},
            "accounts": [],
        }
        self.x: dict = {"valid_tokens": [TOKENS["x"]], "users": []}
        self.youtube: dict = {"valid_keys": [TOKENS["youtube"]], "channels": []}
        board_links = [{"href": "https://www.csno.ab.ca/ecoles", "text": "Nos écoles"}]
        self.web: dict = {
            "sites": {
                "www.csno.ab.ca": {
                    "/": {"title": "Conseil scolaire du Nord-Ouest", "links": board_links},
                    "*": {"title": "Conseil scolaire du Nord-Ouest"},
                }
            },
            "accounts": {},
        }

    # ------------------------------------------------------------ schools

    def school(self, number: int) -> dict:
        if number < len(self.schools):
            return self.schools[number]
        code = f"s{number + 1:04d}"
        name = f"École des Trembles {number + 1}"
        school = {
            "id": code,
            "name": name,
            "acronyms": [f"ÉT{number + 1}"],
            "website": f"https://{code}.csno.ab.ca",
            "email": f"{code}@csno.ab.ca",
            "logo": f"logos/{self.school_logos[number % len(self.school_logos)]}",
            "principal": {"name": f"Direction {code.upper()}", "email": f"direction.{code}@csno.ab.ca"},
        }
        self.schools.append(school)
        self.web["sites"][f"{code}.csno.ab.ca"] = {
            "/": {"title": name, "links": [{"href": "https://www.csno.ab.ca/", "text": "CSNO"}]},
            "/ancien-site": {"status": 404},
            "*": {"title": name},
        }
        return school

    # ------------------------------------------------------------ accounts

    def account(self, school: dict, position: int, plant: str | None) -> None:
        network = LAYOUT[position]
        rank = position - LAYOUT.index(network)  # 0: the school's official account on this network
        code = school["id"]
        number = int(code[1:])
        account_id = f"{code}-{network}-{rank + 1}"
        official = rank == 0
        topic = TOPICS[(rank - 1) % len(TOPICS)]
        declared = (
            f"{school['name']}_{SUFFIX} (page officielle)"
            if official
            else f"{school['name']}_{topic} {rank}_{SUFFIX}"
        )
        live = declared.replace("_CSNO", "_\u0421SNO") if plant == "lookalike" else declared
        handle = _handle(network, number, rank)
        teacher = {
            "name": f"Enseignante {account_id}",
            "email": f"ens.{account_id}@csno.ab.ca",
            "role": "enseignant",
        }
        principal = {**school["principal"], "role": "direction"}
        admins = [teacher] if plant == "one_admin" else [teacher, principal]
        entry = {
            "id": account_id,
            "school": code,
            "network": network,
            "handle": handle,
            "official": official,
            "name": declared,
            "admins": admins,
            "plan": {
                "objectif": "Informer les familles de la vie de l'école",
                "public": "Parents, élèves et communauté de l'école",
                "nature": "Annonces et photos d'activités",
                "calendrier": "hebdomadaire",
            },
        }
        if plant != "no_permission":
            entry["permission"] = {"approved_by": school["principal"]["name"], "date": "2025-09-03"}
        self.accounts.append(entry)
        self.per_network[network] = self.per_network.get(network, 0) + 1
        if plant:
            self.plants[account_id] = plant
        site = school["website"] + ("/ancien-site" if plant == "dead_link" else "")
        profile = _Profile(account_id, handle, live, site, school, plant, len(self.accounts))
        getattr(self, f"_{network}")(profile, admins)
        self.web["sites"][f"{code}.csno.ab.ca"]["/"]["links"].append(_public_url(network, handle))
        logo = "logos/csno.png" if plant == "wrong_logo" else school["logo"]
        media = {"network": network, "avatar": logo}
        if network != "instagram":
            media["banner"] = "logos/csno.png"
        self.web["accounts"][account_id] = media

    def _facebook(self, p: _Profile, admins: list[dict]) -> None:
        if p.account_id.endswith("-facebook-1"):  # the school's official page: the board manages it
            self.facebook["tokens"][0]["manages"].append(f"1{p.serial:014d}")
        self.facebook["pages"].append(
            {
                "id": f"1{p.serial:014d}",
                "username": p.handle,
                "name": p.name,
                "about": p.about,
                "description": p.about,
                "website": f"{p.site} https://www.csno.ab.ca",
                "emails": [p.school["email"]],
                "category": "School",
                "fan_count": 100 + p.serial % 400,
                "followers_count": 120 + p.serial % 400,
                "picture": f"https://scontent.sandbox.fbcdn.net/{p.account_id}.jpg",
                "cover": f"https://scontent.sandbox.fbcdn.net/{p.account_id}-cover.jpg",
                "last_post_days_ago": p.last_post,
                "roles": [{"name": a["name"], "tasks": ["MANAGE", "CREATE_CONTENT"]} for a in admins],
            }
        )

    def _instagram(self, p: _Profile, admins: list[dict]) -> None:
        self.instagram["accounts"].append(
            {
                "id": f"178414{p.serial:011d}",
                "username": p.handle,
                "account_type": "business",
                "name": p.name,
                "biography": f"{p.about} https://www.csno.ab.ca",
                "website": p.site,
                "profile_picture_url": f"https://scontent.sandbox.cdninstagram.com/{p.account_id}.jpg",
                "followers_count": 80 + p.serial % 300,
                "media_count": 40,
                "last_post_days_ago": p.last_post,
            }
        )

    def _x(self, p: _Profile, admins: list[dict]) -> None:
        self.x["users"].append(
            {
                "id": f"158{p.serial:016d}",
                "username": p.handle,
                "name": p.name,
                "description": f"{p.about} {p.site} https://www.csno.ab.ca",
                "url": p.site,
                "location": "Alberta, Canada",
                "created_at": "2020-09-01T15:00:00Z",
                "profile_image_url": f"https://pbs.sandbox.twimg.com/profile_images/{p.account_id}_normal.jpg",
                "profile_banner_url": f"https://pbs.sandbox.twimg.com/profile_banners/{p.account_id}/1500x500",
                "last_tweet_days_ago": p.last_post,
            }
        )

    def _youtube(self, p: _Profile, admins: list[dict]) -> None:
        self.youtube["channels"].append(
            {
                "id": f"UC{p.serial:022d}",
                "handle": p.handle,
                "title": p.name,
                "description": f"{p.about} École : {p.site} — CSNO : https://www.csno.ab.ca",
                "published_at": "2021-09-01T12:00:00Z",
                "thumbnail": f"https://yt3.sandbox.ggpht.com/{p.account_id}",
                "banner": f"https://yt3.sandbox.ggpht.com/{p.account_id}-banner",
                "last_video_days_ago": p.last_post,
            }
        )

    # ------------------------------------------------------------ files

    def write(self) -> None:
        registry = {
            "board": {
                "name": "Conseil scolaire du Nord-Ouest",
                "suffix": SUFFIX,
                "website": "https://www.csno.ab.ca",
                "email_domains": ["csno.ab.ca"],
                "logo": "logos/csno.png",
                "coordinator": {"name": "Coordonnatrice", "email": "communications@csno.ab.ca"},
                "direction_generale": {"name": "Direction générale", "email": "dg@csno.ab.ca"},
            },
            "schools": self.schools,
            "accounts": self.accounts,
        }
        _dump(registry, self.folder / "registry.yaml")
        settings = {
            "timezone": "America/Edmonton",
            "state_dir": str(self.folder / "var"),
            "report": {"to": ["communications@csno.ab.ca"]},
            "smtp": {
                "host": "127.0.0.1",
                "port": 25,
                "security": "none",
                "sender": "Vigie DA 142 <audit@csno.ab.ca>",
            },
            "platforms": {
                "instagram": {"ig_user_id": IG_BUSINESS_ID},
                "facebook": {"app_secret_env": APP_SECRET_ENV},
            },
            # 16 requests at once per host: CDNs and platforms take it, and 10,000 avatars need it.
            "network": {"allow_private_addresses": True, "concurrency_per_host": 16},
        }
        _dump(settings, self.folder / "settings.yaml")


@dataclass(frozen=True)
class _Profile:
    account_id: str
    handle: str
    name: str
    site: str
    school: dict
    plant: str | None
    serial: int

    @property
    def about(self) -> str:
        return f"Compte officiel de l'{self.school['name']}, organisme du Conseil scolaire du Nord-Ouest."

    @property
    def last_post(self) -> int:
        return 90 if self.plant == "stale" else 1 + self.serial % 5


def _handle(network: str, number: int, rank: int) -> str:
    letter = {"facebook": "F", "instagram": "I", "x": "X", "youtube": "Y"}[network]
    core = f"T{number:04d}{letter}{rank + 1}"
    if network == "instagram":
        return f"{core.lower()}_csno"
    if network == "youtube":
        return f"@{core}CSNO"
    if network == "x":
        return f"{core}_CSNO"  # 13 characters: within X's 15
    return f"{core}CSNO"


def _public_url(network: str, handle: str) -> dict:
    url = {
        "facebook": f"https://www.facebook.com/{handle}",
        "instagram": f"https://www.instagram.com/{handle}/",
        "x": f"https://x.com/{handle}",
        "youtube": f"https://www.youtube.com/{handle}",
    }[network]
    return {"href": url, "text": network}


def _dump(data: dict, path: Path) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=200)
    path.write_text(text, encoding="utf-8")


def add_posts(builder: _Builder, count: int, pictures_per_post: int, rng: random.Random) -> None:
    """`count` new posts of the last week, one per account drawn among the Facebook pages, Instagram
    and X accounts, each with `pictures_per_post` pictures of its own URL (the labelled corpus'
    pictures, faces and none, on the platform's CDN). Texts: the labelled corpus' posts, nine in
    ten of them clean (a school's real mix), the rest with the errors the corpus plants."""
    lines = [
        line.partition(" | ") for line in (CORPUS / "posts.txt").read_text(encoding="utf-8").splitlines()
    ]
    texts = [(labels.strip() == "-", text.replace("\\n", "\n")) for labels, sep, text in lines
             if sep and not labels.startswith("#")]  # fmt: skip
    clean = [t for ok, t in texts if ok]
    faulty = [t for ok, t in texts if not ok]
    sources = sorted((CORPUS / "pictures").glob("*.jpg"))
    (builder.folder / "posts").mkdir(exist_ok=True)
    for source in sources:
        shutil.copyfile(source, builder.folder / "posts" / source.name)
    entries = [("facebook", p) for p in builder.facebook["pages"]]
    entries += [("instagram", a) for a in builder.instagram["accounts"]]
    entries += [("x", u) for u in builder.x["users"]]
    media = builder.web.setdefault("media", {})
    # Every account's generated last post (its platform's « last post », for activity.calendar)
    # goes back 15 to 19 days: outside the first night's 14-day window, within the 21 days a
    # weekly calendar allows. The first night then reads exactly the `count` posts below.
    for _, entry in entries:
        for key in ("last_post_days_ago", "last_tweet_days_ago"):
            if key in entry and entry[key] < WINDOW_DAYS:
                entry[key] = WINDOW_DAYS + 1 + entry[key] % 5
    for channel in builder.youtube["channels"]:
        if channel["last_video_days_ago"] < WINDOW_DAYS:
            channel["last_video_days_ago"] = WINDOW_DAYS + 1 + channel["last_video_days_ago"] % 5
    picture = 0
    for number, (network, entry) in enumerate(rng.sample(entries, min(count, len(entries)))):
        text = rng.choice(clean if rng.random() < 0.9 or not faulty else faulty)
        urls = []
        for _ in range(pictures_per_post):
            source = sources[picture % len(sources)]
            path = f"/posts/bench-{picture}.jpg"
            media.setdefault(POST_HOSTS[network], {})[path] = {
                "source": f"posts/{source.name}", "raw": True, "content_type": "image/jpeg",
            }  # fmt: skip
            urls.append(f"https://{POST_HOSTS[network]}{path}")
            picture += 1
        age = 0.5 + number % 6  # the last week
        if network == "facebook":
            entry["posts"] = [
                {"id": f"{entry['id']}_{number}", "days_ago": age, "message": text, "pictures": urls}
            ]
        elif network == "instagram":
            kind = "CAROUSEL_ALBUM" if len(urls) > 1 else "IMAGE"
            entry["media"] = [{"id": f"179{number:014d}", "days_ago": age, "caption": text, "media_type": kind,
                               "pictures": urls}]  # fmt: skip
        else:
            entry["tweets"] = [{"id": f"197{number:016d}", "days_ago": age, "text": text,
                                "media": [{"type": "photo", "url": u} for u in urls]}]  # fmt: skip
