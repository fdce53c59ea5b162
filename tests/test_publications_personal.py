"""content.personal-info: what is and is not a student's personal information."""

from __future__ import annotations

import pytest
from corpus.publications import labelled

from scanner.publications.person_names import student_names
from scanner.publications.personal_info import find_personal_info, normalise_number


@pytest.fixture(scope="module")
def tools():
    return labelled.tools()


def families(text, tools):
    found = find_personal_info(text, tools.allowed_numbers, tools.board_domains)
    found += student_names(text, tools.nlp, tools.staff, tools.places)
    return sorted((f.family, f.span.text) for f in found)


def test_the_schools_and_boards_numbers_are_not_personal(tools):
    assert normalise_number("(780) 555-0100") == "+17805550100"
    assert families("Appelez l'école au 780-555-0100 ou le conseil au 1 780 555 0000.", tools) == []
    assert families("Appelez Julie au 780 555 0142.", tools) == [("phone", "780 555 0142")]


def test_dates_and_amounts_are_not_phone_numbers(tools):
    text = "Le 12 mars 2025, de 9 h à 15 h, nous avons amassé 1 250 $ (reçu no 2025-0412)."
    assert families(text, tools) == []


def test_board_addresses_are_not_personal_but_free_mail_is(tools):
    assert families("Écrivez à direction.eqv@csno.ab.ca ou à info@eqv.csno.ab.ca.", tools) == []
    assert families("Écrivez à maman.de.leo@gmail.com.", tools) == [("email", "maman.de.leo@gmail.com")]


def test_a_venue_address_is_not_a_home(tools):
    assert families("Le spectacle aura lieu au 10012 101e Avenue, au Centre culturel.", tools) == []
    assert families("La fête aura lieu chez Léo, au 4417 rue des Érables.", tools) == [
        ("address", "4417 rue des Érables")
    ]


def test_titles_greetings_and_staff_are_not_student_names(tools):
    assert families("Joyeux anniversaire à Mme Dubé qui fête ses 50 ans!", tools) == []
    assert families("Bravo à M. Olivier Fortin, enseignant de 6e année!", tools) == []
    assert families("Joyeux anniversaire Julie Côté, notre enseignante de 2e année!", tools) == []  # staff
    assert families("Merci aux élèves de 6e année pour leur aide.", tools) == []


def test_a_full_name_with_a_student_context_is_personal(tools):
    assert families("Joyeux anniversaire à Mia Lavoie qui a 9 ans aujourd'hui!", tools) == [
        ("student-name", "Mia Lavoie")
    ]
    assert families("Mia Lavoie a gagné le concours.", tools) == []  # no student context: not flagged
    assert families("Bienvenue à Noah, élève de maternelle!", tools) == []  # a first name alone
    assert families("Noé, né le 14 février 2016, est notre valentin.", tools) == [
        ("birthdate", "né le 14 février 2016")
    ]
