"""Narrative as practitioners write it, masked exactly as a shareable report shows it.

Each paragraph is what a social worker, health visitor, police officer, teacher or GP might type
into an audit return about a family (made up for these tests), with the text the shareable
reports must show. The children include names that are everyday words (Kai Day, Ellis Child,
Hope, Will Young, May): "the same day" and "the child" stay; the names do not.
"""

from __future__ import annotations

import datetime as dt

import pytest

from maa_cli.privacy.masking import Masker

CHILDREN = {
    "Kai Day": dt.date(2015, 2, 14),
    "Ellis Child": dt.date(2022, 11, 22),
    "Ellie-Mae Marsh": dt.date(2019, 9, 3),
    "Zo\u00eb O'Brien": dt.date(2021, 8, 1),
    "Tyler Quigglesworth": dt.date(2010, 6, 30),
    "Hope Featherstonehaugh": dt.date(2016, 5, 5),
    "Will Young": dt.date(2018, 10, 7),
    "May Nguyen": dt.date(2018, 4, 9),
}
# Parents and partners, as audit.yaml's names_to_mask lists them.
OTHERS = ["Kayleigh Day", "Sharon Child", "Darren Pike", "Bogdan Nowak"]

CORPUS = [
    (  # social worker, home visit
        "Home visit to Kai Day and his mother Kayleigh on 3 March. Kai's bedroom had no bedding; Ms Day said the "
        "washing machine had been broken for a week. Kai was seen alone and said he was hungry most of the day. "
        "The Days have moved three times in two years.",
        "Home visit to [name] and his mother [name] on 3 March. [name]'s bedroom had no bedding; Ms [name] said the "
        "washing machine had been broken for a week. [name] was seen alone and said he was hungry most of the day. "
        "The [name] have moved three times in two years.",
    ),
    (  # health visitor
        "HV contact: Ellis Child (DOB 22.11.22) not brought to the 2-year review twice. Mum Sharon Child said the "
        "child had a cold. The child's weight was below the 2nd centile. Child Protection Plan ended in May 2024; "
        "the family remained open to Early Help.",
        "HV contact: [name] (DOB [date of birth]) not brought to the 2-year review twice. Mum [name] said the "
        "child had a cold. The child's weight was below the 2nd centile. Child Protection Plan ended in May 2024; "
        "the family remained open to Early Help.",
    ),
    (  # police, incident log style
        "Police attended the Days' address after a 999 call. DAY, Kayleigh (mother) was arrested. Children present: "
        "DAY Kai (DOB 14th Feb '15) and a baby. Officers noted the same day that K. Day had a bruise to his cheek.",
        "Police attended the [name]' address after a 999 call. [name] (mother) was arrested. Children present: "
        "[name] (DOB [date of birth]) and a baby. Officers noted the same day that [name] had a bruise to his cheek.",
    ),
    (  # teacher, attendance
        "Ellie-Mae's attendance this term is 81%. EM Marsh (Year 1) arrives late most Mondays; E.M. told her teacher "
        "that mum sleeps in. Ellie Mae was collected by Darren Pike, who is not on the contact list. Saved as "
        "EllieMaeMarsh_attendance.xlsx.",
        "[name]'s attendance this term is 81%. [name] (Year 1) arrives late most Mondays; [name] told her teacher "
        "that mum sleeps in. [name] was collected by [name], who is not on the contact list. Saved as "
        "[name]_attendance.xlsx.",
    ),
    (  # social worker, written without accents or apostrophes
        "Zoe OBrien (born 01/08/21) lives with her mother and Mr Nowak. The O'Briens' flat was cold and damp. "
        "Zo\u00eb\u2019s nursery reported that she has not been in since 1 Aug. Strategy discussion held; OBRIEN, Zoe "
        "to be seen within 24 hours.",
        "[name] (born [date of birth]) lives with her mother and Mr [name]. The [name]' flat was cold and damp. "
        "[name]\u2019s nursery reported that she has not been in since 1 Aug. Strategy discussion held; [name] "
        "to be seen within 24 hours.",
    ),
    (  # early help worker: a first name that is a word, a surname as plural and possessive without apostrophes
        "Hope said she was frightened when her stepfather shouted. We hope to see Hope again next week. The "
        "Featherstonehaughs declined the referral; Featherstonehaughs neighbour raised the concern. Hope's DOB "
        "05-05-2016 was wrong on the referral.",
        "[name] said she was frightened when her stepfather shouted. We hope to see [name] again next week. The "
        "[name] declined the referral; [name] neighbour raised the concern. [name]'s DOB "
        "[date of birth] was wrong on the referral.",
    ),
    (  # school nurse: a name made only of everyday words
        "Will Young (7) was seen at school. Will said he will tell his teacher if he is scared. His young sister was "
        "at the Day Nursery. Young people's services will be asked to help. WILL YOUNG's file: willyoung.docx.",
        "[name] (7) was seen at school. [name] said he will tell his teacher if he is scared. His young sister was "
        "at the Day Nursery. Young people's services will be asked to help. [name]'s file: [name].docx.",
    ),
    (  # youth offending worker: plural in lower case, initial and surname, a date that is not the birthday
        "the quigglesworths were not at home. T Quigglesworth's school said Tyler had been absent since 30/06. "
        "Mr and Mrs Quigglesworth's car was outside. Tyler's DOB is 30th June 2010, not 2010-06-03.",
        "the [name] were not at home. [name]'s school said [name] had been absent since 30/06. "
        "Mr and Mrs [name]'s car was outside. [name]'s DOB is [date of birth], not 2010-06-03.",
    ),
    (  # GP
        "GP letter dated 2023-11-22 (not the DOB). Ellis's DOB on the GP record is 22/11/2022, and on the nursery "
        "form Nov 22nd 2022. Seen with mum; child well.",
        "GP letter dated 2023-11-22 (not the DOB). [name]'s DOB on the GP record is [date of birth], and on the nursery "
        "form [date of birth]. Seen with mum; child well.",
    ),
    (  # nursery manager: service and calendar phrases
        "Ellis attends a Day Nursery three days a week. Since the Child in Need plan started, the child has been "
        "seen every day. Kai Day and Ellis Child are not related. Sports Day went well.",
        "[name] attends a Day Nursery three days a week. Since the Child in Need plan started, the child has been "
        "seen every day. [name] and [name] are not related. Sports Day went well.",
    ),
    (  # minutes of a core group: initials
        "Present: HV, SW, DS Khan. Discussed KD and EC. K.D. has missed 4 dental appointments. E. Child's nursery "
        "place is funded until Sept 2025.",
        "Present: HV, SW, DS Khan. Discussed KD and EC. [name] has missed 4 dental appointments. [name]'s nursery "
        "place is funded until Sept 2025.",
    ),
    (  # teacher: a heading in capitals, a charity's name
        "SUMMER TERM REVIEW: Hope has settled. In the summer holidays Hope Featherstonehaugh stayed with her gran. "
        "Hope for Children (a charity) gave the family vouchers.",
        "SUMMER TERM REVIEW: [name] has settled. In the summer holidays [name] stayed with her gran. "
        "Hope for Children (a charity) gave the family vouchers.",
    ),
    (  # police: file names quoted in the narrative, a crime reference that looks like a date
        "Attached: police/OBrien_Zoe_010821.pdf and 'day kai 14-02-2015.docx'. Crime ref 14022015/77 is not a date "
        "of birth.",
        "Attached: police/[name]_[date of birth].pdf and '[name] [date of birth].docx'. Crime ref 14022015/77 is not a date "
        "of birth.",
    ),
    (  # social worker: a child called May
        "May told staff that her dad hits her. In May 2023 and again on 3rd May, May Nguyen was seen with a black "
        "eye. The Nguyens may move to Leeds in early May.",
        "[name] told staff that her dad hits her. In May 2023 and again on 3rd May, [name] was seen with a black "
        "eye. The [name] may move to Leeds in early May.",
    ),
    (  # telegraphic notes: the price of the rule, masked and listed for the officer to check
        "Child seen alone in her room. Day 2 of the placement went well.",
        "[name] seen alone in her room. Day 2 of the placement went well.",
    ),
]


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker.for_names([*CHILDREN, *OTHERS], list(CHILDREN.values()))


@pytest.mark.parametrize(("typed", "shared"), CORPUS, ids=[f"paragraph {i + 1}" for i in range(len(CORPUS))])
def test_a_practitioner_s_narrative_is_masked_as_the_shareable_report_shows_it(masker, typed, shared):
    """Names in every spelling and dates of birth are masked; everything else, everyday words included, is kept."""
    assert masker.text(typed) == shared


def test_the_officer_is_told_which_masked_words_to_check_in_the_corpus(masker):
    """The officer is shown the everyday-word names and initials masked alone, and the name-words left in phrases and dates."""
    checks = [(c.word, c.masked) for typed, _ in CORPUS for c in masker.review(typed)]
    masked = sorted({w for w, m in checks if m})
    left = sorted({w for w, m in checks if not m})
    assert masked == ["Child", "Day", "Days", "E.M.", "Hope", "K.D.", "May", "Will"]
    assert left == ["Child", "Day", "Hope", "May", "Young"]
