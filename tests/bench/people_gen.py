"""A deterministic generator of realistic, dirty records of UK children, and of the searches
a call handler makes for them (issue 13). Pure Python, no database: the benchmark
(tests/bench/test_bench_search.py) loads what it makes.

What it makes, from one seed:

- children of households: siblings share a family name, a phone and a postcode; 2 % of
  births are twins (same date of birth); names of eleven origins in UK proportions (White
  British, Irish, Polish, Romanian, South Asian, Somali, Arabic, Nigerian, Vietnamese,
  Chinese, and hyphenated or double-barrelled British names), each list in order of
  frequency and drawn with a Zipf law, so the common names are very common;
- dates of birth over twelve years (about 230 children a day at 1,000,000 records);
- records: one per child, 3 % of them mistyped; 9 % of children have one to three further
  records made by other agencies, with typos, nicknames (Tom for Thomas, Liv for Olivia),
  a changed or hyphenated family name, the names swapped, a date of birth with day and
  month swapped, a year off, a digit off or a day or two off, no date of birth (an
  estimated age instead), no phone or another phone;
- queries as a call handler types them: first name and surname, surname only with the
  date of birth, surname first ("Smith Jayden"), surname first with the date of birth, a
  misspelt given name, a nickname, a phone number; and children who are not in the data
  (drawn the same way, never loaded).

The nickname table here is the generator's own, written separately from the package's
variant file, so that the benchmark does not only test what the search already knows.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate


def _names(text: str) -> list[str]:
    """Names separated by spaces; an underscore stands for a space inside one name."""
    return [name.replace("_", " ") for name in text.split()]


# (share of children, boys' names, girls' names, family names), each list most common first.
ORIGINS: dict[str, tuple[float, list[str], list[str], list[str]]] = {
    "white_british": (
        0.58,
        _names(
            "Oliver George Harry Noah Jack Leo Arthur Oscar Charlie Freddie Alfie Thomas Archie "
            "Henry Jacob Theo William Joshua James Isaac Lucas Ethan Max Samuel Teddy Finley "
            "Reggie Tommy Harrison Jayden Riley Dylan Kai Mason Logan Tyler Callum Lewis Kyle "
            "Bradley Connor Liam Ryan Jake Nathan Ben Daniel Luke Matthew Joseph Alexander "
            "Benjamin Edward Frederick Jenson Ronnie Stanley Albie Louie Harley Tyrese"
        ),
        _names(
            "Olivia Amelia Isla Ava Lily Ivy Freya Florence Isabella Mia Willow Rosie Sophia "
            "Evie Grace Poppy Ella Sienna Daisy Phoebe Millie Ruby Emily Chloe Jessica Sophie "
            "Lucy Ellie Holly Megan Lauren Amy Abigail Charlotte Eleanor Elizabeth Katie "
            "Bethany Paige Courtney Shannon Jade Kayleigh Leah Maisie Scarlett Matilda Harper "
            "Alice Lilly Lacey Summer Darcey Tilly Imogen Georgia Hannah"
        ),
        _names(
            "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
            "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke "
            "Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker "
            "Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
            "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
            "Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson "
            "Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews "
            "Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens "
            "Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard "
            "Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West "
            "Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose "
            "Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman "
            "Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry "
            "Stone Reid Holland Hawkins Harding Porter Robertson Newton Oakes Frihouse Sutcliffe "
            "Ainsworth Blenkinsop Cartwright Entwistle Gledhill Hargreaves Illingworth "
            "Pickersgill Ramsbottom Sowerby Threlfall Uttley Wainwright Whitworth"
        ),
    ),
    "irish": (
        0.03,
        _names(
            "Jack James Noah Conor Daniel Sean Cian Oisin Darragh Patrick Liam Tadhg Cillian "
            "Fionn Ronan Eoin Ciaran Padraig Colm Niall"
        ),
        _names(
            "Emily Grace Fiadh Sophie Ella Aoife Caoimhe Saoirse Niamh Siobhan Orla Roisin "
            "Aisling Ciara Sinead Clodagh Eimear Grainne Mairead Ailbhe"
        ),
        _names(
            "Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill O'Reilly Doyle "
            "McCarthy Gallagher Doherty Kennedy Lynch Murray Quinn Moore McLoughlin Carroll "
            "Connolly Daly Connell Fitzgerald Brennan McGrath Nolan Dunne Ni_Fhlannagain "
            "Mac_Giolla_Phadraig"
        ),
    ),
    "polish": (
        0.04,
        _names(
            "Jakub Antoni Jan Szymon Aleksander Franciszek Filip Wojciech Kacper Mikolaj "
            "Piotr Krzysztof Tomasz Pawel Michal Marcin Lukasz Bartosz Dawid Mateusz"
        ),
        _names(
            "Zofia Zuzanna Hanna Julia Maja Laura Oliwia Alicja Lena Pola Agnieszka Katarzyna "
            "Malgorzata Magdalena Joanna Aleksandra Natalia Wiktoria Karolina Weronika"
        ),
        _names(
            "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski "
            "Szymanski Wozniak Dabrowski Kozlowski Jankowski Mazur Kwiatkowski Krawczyk "
            "Piotrowski Grabowski Nowakowski Pawlowski Michalski Nowicki Adamczyk Dudek "
            "Zajac Wieczorek Jablonski Krol Majewski Olszewski Brzezinski Szczepanski"
        ),
    ),
    "romanian": (
        0.03,
        _names(
            "Andrei David Alexandru Gabriel Ionut Stefan Mihai Darius Luca Matei Cristian "
            "Florin Marius Adrian Vlad Bogdan Razvan Sorin Catalin Dragos"
        ),
        _names(
            "Maria Elena Ioana Andreea Alexandra Sofia Daria Bianca Ana Gabriela Mihaela "
            "Alina Cristina Larisa Roxana Denisa Raluca Madalina Teodora Irina"
        ),
        _names(
            "Popa Popescu Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Constantin "
            "Rusu Munteanu Ionescu Florea Mihai Dinu Lungu Ungureanu Moldovan Tudor Barbu "
            "Nistor Enache Iordache Diaconu Cristea Sandu"
        ),
    ),
    "south_asian": (
        0.12,
        _names(
            "Muhammad Mohammed Ayaan Ibrahim Yusuf Ali Zayn Hamza Adam Ahmed Aryan Arjun Rayan "
            "Harjot Gurpreet Rohan Aarav Vihaan Ishaan Kabir Hassan Bilal Imran Usman Zain "
            "Abdullah Haris Rehan Arham Ehsan"
        ),
        _names(
            "Aisha Maryam Fatima Zainab Hafsa Inaya Amira Anaya Aaliyah Zara Hania Khadija "
            "Sana Ayesha Priya Simran Harleen Navneet Jasmin Kiran Anika Riya Aleena Mehreen "
            "Iqra Hira Noor Laiba Mahnoor Rabia"
        ),
        _names(
            "Khan Ahmed Ali Hussain Begum Patel Singh Kaur Shah Akhtar Iqbal Mahmood Rahman "
            "Islam Bibi Malik Aslam Butt Sharma Mistry Chowdhury Uddin Miah Hossain Bashir "
            "Rashid Siddiqui Qureshi Sandhu Sidhu Gill Dhillon Bains Parmar Chauhan Choudhury "
            "Anwar Javed Mirza Raza"
        ),
    ),
    "somali": (
        0.02,
        _names(
            "Mohamed Abdirahman Abdullahi Ahmed Hassan Abdi Ali Yusuf Ibrahim Omar Mustafe "
            "Abdikarim Liban Guled Hamse"
        ),
        _names(
            "Fadumo Hodan Sagal Amina Ayan Hibo Nimco Ubah Ifrah Sahra Ikran Hawa Deeqa "
            "Maryan Anisa"
        ),
        _names(
            "Mohamed Ahmed Abdi Hassan Ali Farah Omar Warsame Jama Hussein Aden Osman Nur "
            "Yusuf Abdullahi Elmi Duale Egal Gure Samatar Hirsi Dirie"
        ),
    ),
    "arabic": (
        0.03,
        _names(
            "Mohammed Ahmad Omar Yusuf Ali Khalid Hamza Ibrahim Karim Tariq Zaid Samir Bilal "
            "Mustafa Adel Rami Faisal Nasser Walid Yazan"
        ),
        _names(
            "Fatima Maryam Layla Noor Amira Sara Yasmin Hana Rania Salma Leila Huda Dalia "
            "Nadia Reem Lina Aya Jana Malak Zeina"
        ),
        _names(
            "Al-Sayed Hassan Hussein Ibrahim Abdullah Mahmoud Saleh Haddad Khalil Nasser "
            "Mansour Aziz Hamdan Qasim Al-Masri Darwish Karam Suleiman Farouk Othman "
            "El-Amin Al-Rashid Youssef Shahin"
        ),
    ),
    "nigerian": (
        0.04,
        _names(
            "David Daniel Samuel Joshua Emmanuel Michael Favour Chidi Chinedu Oluwaseun "
            "Tobi Ayodele Femi Tunde Kelechi Obinna Ifeanyi Segun Kayode Uche"
        ),
        _names(
            "Blessing Grace Favour Precious Esther Chioma Ngozi Adaeze Funmilayo Temitope "
            "Oluwadamilola Yetunde Folake Adaora Nneka Chiamaka Ifeoma Bukola Titilayo "
            "Ebunoluwa"
        ),
        _names(
            "Okafor Adeyemi Okonkwo Oluwole Adebayo Eze Nwosu Okeke Balogun Ogunleye "
            "Okoro Abiodun Adeleke Olatunji Akinola Obi Nwachukwu Onyekachi Ibrahim "
            "Oyelaran Adewale Chukwu Ogunbiyi Afolabi"
        ),
    ),
    "vietnamese": (
        0.015,
        _names("Minh Anh Duc Huy Khang Bao Long Nam Quang Tuan Hoang Thanh Phuc Dat Khoa"),
        _names("Linh Anh Ngoc Mai Trang Thu Huong Lan Hoa Thao Vy Nhi Chi Hanh Yen"),
        _names("Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly"),
    ),
    "chinese": (
        0.02,
        _names("Wei Jun Hao Yi Chen Jie Ming Lei Tao Yang Kai Zhi Rui Hong Bo"),
        _names("Xin Yan Ying Hui Li Jing Mei Fang Lin Ting Xiu Yu Qing Jia Lan"),
        _names(
            "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin "
            "Luo Gao Chan Wong Cheung Lau Ng Ho Leung Tsang"
        ),
    ),
    "hyphenated": (
        0.025,  # British names with a hyphenated or double-barrelled family name
        [],
        [],
        [],
    ),
}

# The generator's own nicknames (given name -> what a caller may say instead).
NICKNAMES: dict[str, list[str]] = {
    "Thomas": ["Tom", "Tommy"],
    "Olivia": ["Liv", "Livvy", "Liv"],
    "William": ["Will", "Billy", "Liam"],
    "James": ["Jim", "Jamie", "Jimmy"],
    "Joshua": ["Josh"],
    "Samuel": ["Sam", "Sammy"],
    "Benjamin": ["Ben", "Benji"],
    "Alexander": ["Alex", "Xander"],
    "Alexandra": ["Alex", "Lexi"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Joseph": ["Joe", "Joey"],
    "Edward": ["Ed", "Eddie", "Ted"],
    "Frederick": ["Fred", "Freddie"],
    "Nathan": ["Nate"],
    "Jacob": ["Jake"],
    "Michael": ["Mike", "Mikey"],
    "Elizabeth": ["Lizzie", "Beth", "Libby"],
    "Isabella": ["Bella", "Izzy"],
    "Charlotte": ["Lottie", "Charlie"],
    "Eleanor": ["Ellie", "Nell"],
    "Abigail": ["Abbie", "Abby"],
    "Katie": ["Kate"],
    "Jessica": ["Jess"],
    "Rebecca": ["Becky"],
    "Amelia": ["Millie", "Mia"],
    "Florence": ["Flo", "Florrie"],
    "Matilda": ["Tilly"],
    "Sophia": ["Sophie"],
    "Gabriela": ["Gabi"],
    "Aleksandra": ["Ola"],
    "Katarzyna": ["Kasia"],
    "Malgorzata": ["Gosia"],
    "Wojciech": ["Wojtek"],
    "Tomasz": ["Tomek"],
    "Krzysztof": ["Krzys"],
    "Muhammad": ["Mohammed", "Mohamed", "Mo"],
    "Mohammed": ["Muhammad", "Mohamed", "Mo"],
    "Mohamed": ["Mohammed", "Muhammad"],
    "Abdirahman": ["Abdi"],
    "Oluwaseun": ["Seun"],
    "Oluwadamilola": ["Dami", "Damilola"],
    "Temitope": ["Temi", "Tope"],
    "Funmilayo": ["Funmi"],
    "Ebunoluwa": ["Ebun"],
    "Ibrahim": ["Ibby"],
    "Yusuf": ["Yousef", "Joseph"],
    "Fatima": ["Fatimah"],
    "Aisha": ["Ayesha", "Aysha"],
    "Maryam": ["Mariam"],
    "Siobhan": ["Shiv"],
    "Padraig": ["Paddy"],
    "Patrick": ["Paddy", "Pat"],
}

# The long tail: most UK family names are rare. Built from parts, drawn uniformly.
_TAIL_FIRST = _names(
    "Ash Black Brad Brook Craw Dal Fair Haw Hol Kirk Lang Mar Mid Nor Oak Pen Ram Red Shel "
    "Stan Thorn Wad Wes Whit Win Wool Bram Cal Dun Elm Fen Gar Hart Lid Mel Sut Ack Bur "
    "Chad Dew Eg Fris Gil Hep Ing Kel Lum Mob Ned Ot Pick Rud Sow Tad Ul Ver Wig Yat"
)
_TAIL_SECOND = _names(
    "worth ford ley ton field by wood well ham bridge stone dale croft hurst shaw combe "
    "more wick den thorpe house cliffe gate holme low son"
)
_POLISH_STEMS = _names(
    "Kowal Nowa Wisni Mazur Sobie Lis Grab Krawc Pietr Bart Ciesl Gors Jasin Mich Zawad "
    "Sadow Walcz Dudz Gaj Jurk Kalin Lesn Marci Orl Pawl Rog Sikor Tomasz Urban Zdun"
)
_POLISH_ENDS = _names("ski czyk ewicz iak ek owski ak")

# Spellings that sound the same (Jayden, Jaiden, Jaydon): the given-name tail.
_RESPELL = (
    ("ay", "ai"),
    ("ai", "ay"),
    ("ie", "y"),
    ("y", "ie"),
    ("ee", "i"),
    ("c", "k"),
    ("ph", "f"),
    ("en", "on"),
    ("an", "en"),
    ("ll", "l"),
    ("l", "ll"),
    ("ah", "a"),
    ("a", "ah"),
)

POSTCODE_AREAS = _names(
    "B BS CV DY HR LE NG S SY TF WR WS WV M L LS BD HD HX OL BL WN WA CH ST DE NN MK OX "
    "GL BA TA EX PL TQ CF NP SA LL SW SE E N NW W EC WC CR BR DA RM IG EN HA UB TW KT SM"
)


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


class _Picker:
    """Draws from a list with a Zipf law (the first very common), fast."""

    def __init__(self, items: list[str], s: float = 1.05) -> None:
        self.items = items
        self.cum = list(accumulate(_zipf_weights(len(items), s)))

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]


@dataclass
class Child:
    """Who the child really is (what the caller knows, more or less)."""

    child_id: int
    origin: str
    sex: str
    given: str
    middle: str
    family: str
    dob: date
    phone: str  # "" when the household has none on record
    postcode: str


@dataclass
class Record:
    """One record of a child as an agency entered it."""

    child_id: int
    given: str
    family: str
    dob: date | None
    estimated_age: int | None
    sex: str
    phone: str
    postcode: str
    aliases: list[str] = field(default_factory=list)
    noise: tuple[str, ...] = ()


@dataclass
class Query:
    kind: str
    child_id: int | None  # None: a child who is not in the data
    origin: str
    name: str = ""
    date_of_birth: date | None = None
    phone: str = ""


QUERY_KINDS = (
    # (kind, weight)
    ("first_surname", 16),
    ("first_surname_dob", 14),
    ("surname_dob", 12),
    ("surname_first", 10),
    ("surname_first_dob", 10),
    ("misspelt_given", 10),
    ("nickname", 8),
    ("phone", 8),
    ("unseen", 12),
)

TODAY = date(2026, 12, 1)
DOB_START = date(2009, 1, 1)
DOB_DAYS = 12 * 365


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.origins = list(ORIGINS)
        self.origin_cum = list(accumulate(ORIGINS[o][0] for o in self.origins))
        # Zipf exponents giving UK-like shares: Smith about 1.3 % of children, the
        # commonest given name about 2 % of its sex.
        self.boys = {o: _Picker(v[1], 0.6) for o, v in ORIGINS.items() if v[1]}
        self.girls = {o: _Picker(v[2], 0.6) for o, v in ORIGINS.items() if v[2]}
        self.families = {o: _Picker(v[3], 0.5) for o, v in ORIGINS.items() if v[3]}
        self.next_child = 0
        self.phones_used: set[str] = set()

    # --- children ---------------------------------------------------------------------------

    def _origin(self) -> str:
        r = self.rng.random() * self.origin_cum[-1]
        return self.origins[bisect.bisect_left(self.origin_cum, r)]

    def _family_name(self, origin: str) -> str:
        rng = self.rng
        if origin == "hyphenated":
            a = self.families["white_british"](rng)
            b = self.families["white_british"](rng)
            while b == a:
                b = self.families["white_british"](rng)
            return f"{a}-{b}" if rng.random() < 0.75 else f"{a} {b}"
        if origin in ("white_british", "irish") and rng.random() < 0.35:
            return rng.choice(_TAIL_FIRST) + rng.choice(_TAIL_SECOND)
        if origin == "polish" and rng.random() < 0.3:
            return rng.choice(_POLISH_STEMS) + rng.choice(_POLISH_ENDS)
        return self.families[origin](rng)

    def respell(self, name: str) -> str:
        """A spelling that sounds the same, where one applies."""
        rules = [(a, b) for a, b in _RESPELL if a in name[1:]]
        if not rules:
            return name
        a, b = self.rng.choice(rules)
        i = name.index(a, 1)
        return name[:i] + b + name[i + len(a) :]

    def _given(self, origin: str, sex: str) -> str:
        base = "white_british" if origin == "hyphenated" else origin
        name = (self.boys if sex == "male" else self.girls)[base](self.rng)
        if self.rng.random() < 0.12:
            name = self.respell(name)
        return name

    def _phone(self) -> str:
        while True:
            number = f"07{self.rng.randrange(100000000, 999999999)}"
            if number not in self.phones_used:
                self.phones_used.add(number)
                return number

    def _postcode(self) -> str:
        rng = self.rng
        area = rng.choice(POSTCODE_AREAS)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
        return f"{area}{rng.randrange(1, 30)} {inward}"

    def household(self) -> list[Child]:
        """One to four children sharing a family name, a phone and a postcode."""
        rng = self.rng
        origin = self._origin()
        family = self._family_name(origin)
        phone = self._phone() if rng.random() < 0.75 else ""
        postcode = self._postcode()
        size = rng.choices((1, 2, 3, 4), (50, 32, 13, 5))[0]
        first = DOB_START + timedelta(days=rng.randrange(DOB_DAYS))
        children = []
        dob = first
        for i in range(size):
            if i:
                if rng.random() < 0.04:  # twins
                    pass
                else:
                    dob = dob + timedelta(days=rng.randrange(330, 1600))
                    if dob >= DOB_START + timedelta(days=DOB_DAYS):
                        break
            sex = rng.choice(("male", "female"))
            given = self._given(origin, sex)
            while any(c.given == given for c in children):
                given = self._given(origin, sex)
            middle = self._given(origin, sex) if rng.random() < 0.15 else ""
            if middle == given:
                middle = ""
            children.append(
                Child(
                    child_id=self.next_child,
                    origin=origin,
                    sex=sex,
                    given=given,
                    middle=middle,
                    family=family,
                    dob=dob,
                    phone=phone,
                    postcode=postcode,
                )
            )
            self.next_child += 1
        return children

    def children(self, n: int) -> list[Child]:
        out: list[Child] = []
        while len(out) < n:
            out.extend(self.household())
        return out[:n]

    # --- noise ------------------------------------------------------------------------------

    def typo(self, word: str) -> str:
        """One keyboard or hearing slip: a letter dropped, doubled, swapped or replaced."""
        rng = self.rng
        if len(word) < 3:
            return word + rng.choice("aeiy")
        i = rng.randrange(1, len(word))
        op = rng.randrange(4)
        if op == 0:
            return word[:i] + word[i + 1 :]
        if op == 1:
            return word[:i] + word[i] + word[i:]
        if op == 2 and i < len(word) - 1:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        near = {
            "a": "e",
            "e": "a",
            "i": "y",
            "y": "i",
            "o": "u",
            "u": "o",
            "c": "k",
            "k": "c",
            "s": "z",
            "z": "s",
            "h": "j",
            "j": "h",
            "m": "n",
            "n": "m",
            "t": "d",
            "d": "t",
            "f": "v",
            "v": "f",
        }
        ch = word[i].lower()
        return word[:i] + near.get(ch, rng.choice("aeiou")) + word[i + 1 :]

    def nickname(self, given: str) -> str | None:
        options = NICKNAMES.get(given)
        return self.rng.choice(options) if options else None

    def dob_error(self, dob: date) -> tuple[date, str]:
        rng = self.rng
        for _ in range(10):
            kind = rng.choice(("swap", "year", "digit", "days"))
            try:
                if kind == "swap" and dob.day <= 12 and dob.day != dob.month:
                    return date(dob.year, dob.day, dob.month), "dob_swapped"
                if kind == "year":
                    return dob.replace(year=dob.year + rng.choice((-1, 1))), "dob_year"
                if kind == "digit":
                    text = dob.strftime("%Y%m%d")
                    i = rng.choice((3, 4, 5, 6, 7))
                    digit = str((int(text[i]) + rng.choice((1, -1, 2))) % 10)
                    new = text[:i] + digit + text[i + 1 :]
                    return date(int(new[:4]), int(new[4:6]), int(new[6:])), "dob_digit"
                if kind == "days":
                    return dob + timedelta(days=rng.choice((-2, -1, 1, 2))), "dob_days"
            except ValueError:
                continue
        return dob, ""

    def _age(self, dob: date) -> int:
        return TODAY.year - dob.year - ((TODAY.month, TODAY.day) < (dob.month, dob.day))

    def record(self, child: Child, *, duplicate: bool) -> Record:
        rng = self.rng
        given = f"{child.given} {child.middle}".strip() if rng.random() < 0.6 else child.given
        rec = Record(
            child_id=child.child_id,
            given=given,
            family=child.family,
            dob=child.dob,
            estimated_age=None,
            sex=child.sex,
            phone=child.phone,
            postcode=child.postcode,
        )
        noise: list[str] = []
        n_errors = (rng.choices((1, 2, 3), (55, 35, 10))[0]) if duplicate else 0
        if not duplicate and rng.random() < 0.03:
            n_errors = 1
        options = [
            "typo_given",
            "typo_family",
            "nickname",
            "surname_change",
            "names_swapped",
            "dob",
            "dob",
            "no_dob",
            "no_phone",
            "other_phone",
            "alias",
        ]
        for op in rng.sample(options, n_errors):
            if op == "typo_given":
                rec.given = self.typo(rec.given.split()[0]) + (
                    " " + " ".join(rec.given.split()[1:]) if " " in rec.given else ""
                )
            elif op == "typo_family":
                rec.family = self.typo(rec.family)
            elif op == "nickname":
                nick = self.nickname(child.given)
                if nick:
                    rec.given = nick
            elif op == "surname_change":
                if rng.random() < 0.4 and "-" not in rec.family:
                    origin = "white_british" if child.origin == "hyphenated" else child.origin
                    rec.family = f"{rec.family}-{self._family_name(origin)}"
                else:
                    rec.family = self._family_name(child.origin)
            elif op == "names_swapped":
                rec.given, rec.family = rec.family, rec.given
            elif op == "dob" and rec.dob is not None:
                rec.dob, what = self.dob_error(child.dob)
                op = what or op
            elif op == "no_dob":
                rec.dob = None
                rec.estimated_age = self._age(child.dob) + rng.choice((-1, 0, 0, 1))
            elif op == "no_phone":
                rec.phone = ""
            elif op == "other_phone":
                rec.phone = self._phone()
            elif op == "alias":
                nick = self.nickname(child.given)
                rec.aliases.append(f"{nick or self.typo(child.given)} {child.family}")
            noise.append(op)
        if rec.dob is None and rec.estimated_age is None:
            rec.estimated_age = self._age(child.dob)
        rec.noise = tuple(noise)
        return rec

    def records(self, children: list[Child], total: int) -> list[Record]:
        """One record for each child, then duplicates of 9 % of them until ``total``."""
        rng = self.rng
        out = [self.record(c, duplicate=False) for c in children]
        while len(out) < total:
            child = children[rng.randrange(len(children))]
            for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0]):
                out.append(self.record(child, duplicate=True))
        del out[total:]
        rng.shuffle(out)
        return out

    # --- queries ----------------------------------------------------------------------------

    def _format_phone(self, phone: str) -> str:
        style = self.rng.randrange(3)
        if style == 0:
            return phone
        if style == 1:
            return f"{phone[:5]} {phone[5:]}"
        return f"+44 {phone[1:5]} {phone[5:]}"

    def _spoken_dob(self, dob: date) -> date:
        """The date the caller gives: right nine times in ten."""
        if self.rng.random() < 0.1:
            return self.dob_error(dob)[0]
        return dob

    def query(self, child: Child, kind: str, child_id: int | None) -> Query:
        rng = self.rng
        given, family = child.given, child.family
        q = Query(kind=kind, child_id=child_id, origin=child.origin)
        if kind == "first_surname":
            q.name = f"{given} {family}"
        elif kind == "first_surname_dob":
            q.name = f"{given} {family}"
            q.date_of_birth = self._spoken_dob(child.dob)
        elif kind == "surname_dob":
            q.name = family
            q.date_of_birth = self._spoken_dob(child.dob)
        elif kind == "surname_first":
            q.name = f"{family} {given}"
        elif kind == "surname_first_dob":
            q.name = f"{family} {given}"
            q.date_of_birth = self._spoken_dob(child.dob)
        elif kind == "misspelt_given":
            q.name = f"{self.typo(given)} {family}"
            if rng.random() < 0.5:
                q.date_of_birth = self._spoken_dob(child.dob)
        elif kind == "nickname":
            nick = self.nickname(given) or self.typo(given)
            q.name = f"{nick} {family}"
            if rng.random() < 0.5:
                q.date_of_birth = self._spoken_dob(child.dob)
        elif kind == "phone":
            q.phone = self._format_phone(child.phone)
        return q

    def queries(self, children: list[Child], unseen: list[Child], n: int) -> list[Query]:
        rng = self.rng
        kinds = [k for k, _ in QUERY_KINDS]
        weights = [w for _, w in QUERY_KINDS]
        out: list[Query] = []
        unseen_iter = iter(unseen)
        while len(out) < n:
            kind = rng.choices(kinds, weights)[0]
            if kind == "unseen":
                child = next(unseen_iter)
                inner = rng.choice(
                    ["first_surname", "first_surname_dob", "surname_dob", "surname_first_dob"]
                )
                q = self.query(child, inner, None)
                q.kind = "unseen"
                out.append(q)
                continue
            child = children[rng.randrange(len(children))]
            if kind == "phone" and not child.phone:
                continue
            if kind == "nickname" and child.given not in NICKNAMES:
                continue
            out.append(self.query(child, kind, child.child_id))
        return out


def dataset(
    records: int, queries: int, seed: int = 20261207
) -> tuple[list[Record], list[Query], list[Child]]:
    """``records`` records (about 91 % distinct children) and ``queries`` searches."""
    recs, qs, children, _ = dataset_with_origins(records, queries, 0, seed)
    return recs, qs, children


def dataset_with_origins(
    records: int, queries: int, per_origin: int, seed: int = 20261207
) -> tuple[list[Record], list[Query], list[Child], dict[str, list[Query]]]:
    """As ``dataset`` (the same records and queries for a seed), and ``per_origin``
    further searches for each name origin, drawn after the others: the same kinds in the
    same proportions, for a child of that origin (an unseen one: a child of that origin
    who is not in the data), so that each origin's false-match rate is measured on enough
    searches to tell it from another's."""
    gen = Generator(seed)
    children = gen.children(int(records / 1.1))
    recs = gen.records(children, records)
    unseen = gen.children(queries)  # drawn the same way, never loaded
    qs = gen.queries(children, unseen, queries)
    by_origin: dict[str, list[Query]] = {}
    if per_origin:
        for origin in ORIGINS:
            mine = [c for c in children if c.origin == origin]
            strangers: list[Child] = []
            while len(strangers) < per_origin:
                strangers.extend(c for c in gen.children(2000) if c.origin == origin)
            by_origin[origin] = gen.queries(mine, strangers, per_origin)
    return recs, qs, children, by_origin
