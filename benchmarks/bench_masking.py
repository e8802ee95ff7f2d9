"""How long masking takes on a county-sized audit: 200 children (names and dates of birth) and
30,000 narrative paragraphs, about what 1,500 returns of twenty answers each hold.

Times building the masker, masking every paragraph and a few hostile answers (long runs of
spaces after a name); when the masker offers ``review``
(the officer's list of masked words to check), that is timed too. The names mix plain,
hyphenated, apostrophe, accented and everyday-word names; about one sentence in five names
a child, one in twenty gives a date.
Run:  python benchmarks/bench_masking.py [CHILDREN] [PARAGRAPHS]
Figures go in the issue notes, not in a timed unit test.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from maa_cli.privacy.masking import Masker

FIRST = ["Ellie-Mae", "Zo\u00eb", "Jayden", "Amelia", "Noah", "Kai", "Grace", "Will", "Summer", "Tyler", "Aoife",
         "Si\u00e2n", "Mohammed", "Fatima", "Oliver", "Isla", "Harry", "Ruby", "Leo", "Hope", "Ellis", "Ava", "Jo",
         "Bo\u017eena", "Kacper", "Chidi", "Precious", "Rose-May", "Lily", "Archie", "Freddie", "Poppy", "River"]
LAST = ["Marsh", "O'Brien", "Cole", "Novak", "Adeyemi", "Day", "Child", "Smith", "Young", "Wood", "Featherstonehaugh",
        "Quigglesworth", "McDonald", "Nowak", "Kowalski", "Okafor", "Brown", "Hill", "Begum", "Khan", "Patel",
        "Evans-Jones", "Stone", "Walker", "Price", "D'Souza", "Nguyen", "Murphy", "Green", "Long", "Little"]
SENTENCES = [
    "Home visit completed; the house was warm and there was food in the fridge.",
    "Mum said she had been struggling since the baby was born and agreed to a referral to Early Help.",
    "School reported attendance of 84% this term, with lateness on Mondays.",
    "The child was seen alone and said she felt safe at home.",
    "A strategy discussion was held on 3 March with police and health; no further action was agreed.",
    "The health visitor noted that the 2-year check had been missed twice.",
    "Police attended a domestic incident at the address on the same day; no arrests were made.",
    "The Child Protection Plan was ended at the review conference in June.",
    "Will the new worker be able to visit before the end of the month? Nobody was sure.",
    "Dad did not engage with the assessment and did not attend the core group.",
    "There was a long delay before the referral was passed to the MASH.",
    "Information was shared with the GP, who had not been told about the earlier concerns.",
    "The voice of the child is not clear from the records; there are few direct quotes.",
    "Management oversight was recorded every month but did not change the plan.",
]
NAMED = ["{first} said she liked her new school.", "{first} {last} was seen at home by the social worker.",
         "{last}'s mother did not answer the door.", "The {last}s moved to a new flat in the spring.",
         "{first}'s little brother was at nursery.", "File saved as {first}{last}.docx by the school.",
         "Police know the {last} family well.", "{FIRST} {LAST} WAS NOT AT SCHOOL."]
DATED = ["Born {d:%d/%m/%Y}.", "DOB {d:%Y-%m-%d} on the referral.", "Seen on {d:%d %B %Y} at clinic.",
         "A letter dated {d:%d.%m.%y} was on file."]


def children(n: int, rng: random.Random) -> list[tuple[str, dt.date]]:
    out = []
    for _ in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        born = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(16 * 365))
        out.append((name, born))
    return out


def paragraphs(kids: list[tuple[str, dt.date]], n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(2, 6)):
            roll = rng.random()
            name, born = rng.choice(kids)
            first, last = name.split(" ", 1)
            if roll < 0.2:
                sentences.append(rng.choice(NAMED).format(first=first, last=last, FIRST=first.upper(), LAST=last.upper()))
            elif roll < 0.25:
                sentences.append(rng.choice(DATED).format(d=born))
            else:
                sentences.append(rng.choice(SENTENCES))
        out.append(" ".join(sentences))
    return out


def main(n_children: int = 200, n_paragraphs: int = 30_000) -> None:
    rng = random.Random(2027)
    kids = children(n_children, rng)
    texts = paragraphs(kids, n_paragraphs, rng)
    t = time.perf_counter()
    masker = Masker.for_names([k[0] for k in kids], [k[1] for k in kids])
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    masked = [masker.text(p) for p in texts]
    mask_s = time.perf_counter() - t
    changed = sum(1 for a, b in zip(texts, masked, strict=True) if a != b)
    print(f"{n_children} children, {n_paragraphs} paragraphs ({sum(map(len, texts)) / 1e6:.1f} M characters)")
    print(f"  build masker      {build_s:7.2f} s")
    print(f"  mask every text   {mask_s:7.2f} s   ({changed} paragraphs changed)")
    # Hostile answers: long runs of spaces or underscores (a pasted form line) after a name, and a
    # 40,000-character answer. Each should take milliseconds; a regex that backtracks takes minutes.
    hostile = [kids[0][0].split()[-1] + " " * 20_000 + "x", kids[0][0].split()[0] + "_" * 20_000, "A" * 40_000,
               "14 " * 10_000]
    t = time.perf_counter()
    for text in hostile:
        masker.text(text)
    print(f"  hostile answers   {time.perf_counter() - t:7.2f} s   ({len(hostile)} answers of 20-40,000 characters)")
    if hasattr(masker, "review"):
        t = time.perf_counter()
        checks = sum(len(masker.review(p)) for p in texts)
        print(f"  review every text {time.perf_counter() - t:7.2f} s   ({checks} words to check)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
