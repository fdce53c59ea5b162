"""A registry of N accounts with everything a real one holds, for the workbook round trip and its benchmark.

`write_registry(n, folder)` writes `folder/registry.yaml` and `folder/logos/` (copied from
`config/logos/`). Seeded and varied: 20 accounts per school, 0 to 3 admins, plans complete or
not, free-text calendars, permissions whole, partial or absent, derogations with end dates,
numeric handles, acronym lists, the optional technician, and names that start with `=`, `+`,
`-` or `@` (which a spreadsheet must keep as text, never as a formula).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOGOS = ROOT / "config" / "logos"
PER_SCHOOL = 20
NETWORKS = ("facebook", "facebook_group", "instagram", "x", "youtube")
ROLES = ("enseignant", "direction", "personnel")
CALENDARS = ("quotidien", "hebdomadaire", "mensuel", "ponctuel", "deux fois par semaine", "au besoin")
CHECKS = ("name.acronym", "name.suffix", "admins.count", "plan.complete", "logo.board", "links.board")
TRICKY = ("=SOMME(A1:A3)", "+1 780 555-0101", "-Club-", "@élèves", "« Théâtre » d’Héritage")


def registry_data(n_accounts: int, seed: int = 142) -> dict:
    rng = random.Random(seed)
    n_schools = max(1, -(-n_accounts // PER_SCHOOL))
    schools = [_school(number, rng) for number in range(1, n_schools + 1)]
    accounts = [_account(i, schools[i // PER_SCHOOL], rng) for i in range(n_accounts)]
    board = {
        "name": "Conseil scolaire du Nord-Ouest",
        "suffix": "CSNO",
        "website": "https://www.csno.ab.ca",
        "email_domains": ["csno.ab.ca", "eleves.csno.ab.ca"],
        "logo": "logos/csno.png",
        "coordinator": {"name": "Isabelle Gagnon", "email": "communications@csno.ab.ca"},
        "direction_generale": {"name": "Marc-André Lavoie", "email": "dg@csno.ab.ca"},
        "technician": {"name": "Karine Dubé", "email": "technicienne@csno.ab.ca"},
    }
    return {"board": board, "schools": schools, "accounts": accounts}


def write_registry(n_accounts: int, folder: Path, seed: int = 142) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "logos").exists():
        shutil.copytree(LOGOS, folder / "logos")
    path = folder / "registry.yaml"
    text = yaml.safe_dump(registry_data(n_accounts, seed), allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _school(number: int, rng: random.Random) -> dict:
    school = {
        "id": f"e{number:03d}",
        "name": f"École numéro {number}",
        "website": f"https://e{number:03d}.csno.ab.ca",
        "email": f"e{number:03d}@csno.ab.ca",
        "logo": rng.choice(["logos/eqv.png", "logos/eh.png", "logos/enf.png"]),
        "principal": {"name": f"Direction {number}", "email": f"direction.e{number:03d}@csno.ab.ca"},
    }
    acronyms = [f"É{number}", f"EN{number}"][: rng.randrange(3)]
    if acronyms:
        school["acronyms"] = acronyms
    return school


def _account(index: int, school: dict, rng: random.Random) -> dict:
    network = NETWORKS[index % len(NETWORKS)]
    handle = str(100000000000 + index) if network == "facebook" and index % 3 == 0 else f"compte_{index}"
    account: dict = {
        "id": f"{school['id']}-{network}-{index}",
        "school": school["id"],
        "network": network,
        "handle": f"@{handle}" if network == "youtube" else handle,
        "official": index % PER_SCHOOL < len(NETWORKS),
        "name": rng.choice(TRICKY) if index % 97 == 0 else f"{school['name']} {index}_CSNO",
    }
    if rng.random() < 0.3:
        account["email"] = school["email"]
    account["admins"] = [_admin(index, k, rng) for k in range(rng.choice((0, 1, 2, 2, 2, 3)))]
    plan = {
        "objectif": "Informer les familles",
        "public": "Parents; élèves",
        "nature": "Annonces, photos",
        "calendrier": rng.choice(CALENDARS),
    }
    account["plan"] = {k: v for k, v in plan.items() if rng.random() < 0.9}
    roll = rng.random()
    if roll < 0.7:
        account["permission"] = {"approved_by": school["principal"]["name"], "date": _day(rng)}
    elif roll < 0.8:
        account["permission"] = {"approved_by": school["principal"]["name"]}
    if rng.random() < 0.1:
        account["exceptions"] = [
            {
                "check": rng.choice(CHECKS),
                "reason": "Accordée par la coordonnatrice"
                + rng.choice(("\n", "\r\n"))
                + "jusqu’à la refonte",
                "until": _day(rng) + dt.timedelta(days=900),
            }
        ]
    return account


def _admin(index: int, k: int, rng: random.Random) -> dict:
    domain = "csno.ab.ca" if rng.random() < 0.95 else "gmail.com"
    return {"name": f"Personne {index}-{k}", "email": f"p{index}.{k}@{domain}", "role": rng.choice(ROLES)}


def _day(rng: random.Random) -> dt.date:
    return dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2500))
