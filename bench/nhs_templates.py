"""Templates and fictional values for the NHS-style development set (see make_nhs_dataset.py).

Every person here is fictional. Slots: {P1} full name, {P1F} first name, {P1S} surname,
{p1f} first name in lower case, likewise P2/P3; identifiers {EMAIL} {PHONE} {NHSNO} {NINO}
{POSTCODE} {OUTWARD} {ADDRESS} {EMPID} {DOB} {HANDLE} {URL} {GMC} {NMC}; workplaces {WARD}
{HOSP} {PRACTICE}; keep-list slots {NAT} {REL} {LANG} {ETH} {DIS} {AGE} {RELTIME} {COUNTRY}.
Each template lists its gold themes.
"""

# Names: about half appear in the redactor's lexicon, half deliberately do not (held out),
# so the bench also measures names the lexicon has never seen.
FIRST = (
    "Sarah Aisha Priya Grace Olumide Chidinma Maricel Siobhan Tomasz Agnieszka Rhys Bethan "
    "Kwame Fatima Joseph Hannah Declan Nkechi Ravi Mei Ayodele Lakshmi Gareth Yetunde "
    "Oyinkansola Teodora Wairimu Ngozi Ikechukwu Rosalind Anneliese Ksenia Thandiwe Eirlys "
    "Marisol Jovelyn Solveig Tendai Ebere Hamish Idunnu Zsofia Bronagh Keziah Oluwafemi "
    "Dympna Faisal Perpetua Kofi Rutendo Ciaran Hyacinth Jericho Anwen Dalvinder"
).split()
SURNAMES = (
    "Okafor Patel Nowak Fitzgerald Mensah Begum Reyes Kowalczyk Hughes Chaudhry Adeyemi "
    "Kaur Thompson Osei Ferreira Lindqvist Mbatha Oyelowo Abernethy Quartey Villaflor "
    "Hollingworth Szymanska Nakamura Achterberg Ogundipe Pemberton Dimitriou Rajapaksa "
    "Tremayne Okwuosa Castellanos Fairweather Mwangi Bhattacharya Llewellyn Dunleavy "
    "Haverstock Oduya Ekwueme"
).split()
NICKNAMES = ["Jenny", "Sue", "Annie", "Bob", "Mary", "Tom"]
TITLES = ["Dr", "Mr", "Mrs", "Ms", "Sister", "Matron", "Nurse", "Prof", "Dr.", "Mr."]
WARDS = [
    "Rowan Ward",
    "Kestrel Ward",
    "Ward 23",
    "Ward 7B",
    "Bluebell Unit",
    "Larkspur Ward",
    "Heron Ward",
    "Ash Ward",
    "Foxglove Unit",
    "Maple Ward",
]
HOSPITALS = [
    "St Aldhelm's Hospital",
    "Northbridge General Hospital",
    "Harrowfield Infirmary",
    "Castlemere Community Hospital",
    "Queen Adela Hospital",
    "Saint Brannoc's Hospital",
]
PRACTICES = ["Elmtree Medical Practice", "Brookside Surgery", "Millbrook Health Centre", "Tanners Lane Medical Centre"]
STREETS = [
    "Fernhill Road",
    "Cedar Close",
    "Holloway Street",
    "Meadow View",
    "Kingsley Avenue",
    "Orchard Lane",
    "Victoria Terrace",
    "Beech Grove",
    "Station Road",
    "Mill Crescent",
]
TOWNS = ["Leeds", "Bradford", "Wakefield", "Sheffield", "Halifax", "Huddersfield"]
OUTWARDS = ["LS6", "BD7", "WF1", "S11", "HX3", "M13", "B15", "NE4"]
NAT = [
    "Nigerian",
    "Filipino",
    "Indian",
    "Polish",
    "Ghanaian",
    "Zimbabwean",
    "Pakistani",
    "Irish",
    "Romanian",
    "Jamaican",
    "Kenyan",
    "Nepali",
    "Portuguese",
    "Welsh",
    "Scottish",
    "Bangladeshi",
    "Somali",
    "Chinese",
    "Sri Lankan",
]
COUNTRY = [
    "Nigeria",
    "the Philippines",
    "India",
    "Poland",
    "Ghana",
    "Zimbabwe",
    "Pakistan",
    "Kenya",
    "Nepal",
    "Jamaica",
    "Romania",
    "Bangladesh",
    "Somalia",
    "Portugal",
]
REL = ["Muslim", "Sikh", "Hindu", "Jewish", "Christian", "Catholic", "Buddhist"]
LANG = [
    "Tagalog",
    "Urdu",
    "Polish",
    "Yoruba",
    "Punjabi",
    "Twi",
    "Malayalam",
    "Arabic",
    "Shona",
    "Romanian",
    "Welsh",
    "Bengali",
    "Somali",
    "Portuguese",
]
ETH = ["Black", "Asian", "mixed race", "Black African", "Black Caribbean", "Gypsy", "white"]
DIS = ["dyslexia", "a hearing aid", "ADHD", "a wheelchair", "epilepsy", "autism", "a stammer"]
AGE = ["I'm 62", "I am 58", "at 23", "aged 61", "I'm 34"]
RELTIME = [
    "Last March",
    "On nights last week",
    "Yesterday",
    "Two weeks ago",
    "Last Tuesday",
    "Over Christmas",
    "During handover on Friday",
    "Last summer",
    "This morning",
]

# (text, themes). Keep-list slots are measured for survival, PII slots for removal.
TEMPLATES = [
    (
        "{RELTIME} {P1} asked me where I'm really from. When I said {COUNTRY}, {P1F} laughed and "
        "said I don't sound {NAT}.",
        ["where_from", "jokes_banter"],
    ),
    (
        "{TITLE} {P1S} told the patient to ask for a 'proper nurse' instead of me. I am a {NAT} "
        "band 6 nurse on {WARD}.",
        ["competence_questioned", "international_staff"],
    ),
    (
        "The relative refused to let me care for her mum and wanted an English nurse. {P1} on "
        "{WARD} just moved me to another bay and nothing was done.",
        ["care_refused", "leadership_inaction"],
    ),
    (
        "My colleague {p1f} keeps mimicking my accent at handover and everyone laughs. {RELTIME} "
        "she did it in front of the consultant.",
        ["accent_language", "jokes_banter"],
    ),
    (
        "{P1} refuses to say my name and calls me '{NICK}' because my real name is 'too hard'. "
        "I have told {P1F} twice.",
        ["names"],
    ),
    (
        "I wear a hijab and {TITLE} {P1S} asked if I was hot in 'that thing'. As a {REL} woman I "
        "was embarrassed in front of students.",
        ["religious_dress_practice", "jokes_banter"],
    ),
    (
        "The {NAT} nurses are always put on the heavy side of {WARD}. {P1} said we are used to hard work back home.",
        ["international_staff", "stereotyping", "exclusion_isolation"],
    ),
    (
        "I reported it to {P1} by email ({EMAIL}) but was told to grow a thicker skin. You can reach me on {PHONE}.",
        ["leadership_inaction"],
    ),
    (
        "A patient at {HOSP} said he didn't want 'someone like you' touching him and asked for a "
        "white doctor. {TITLE} {P1S} agreed to swap.",
        ["care_refused", "leadership_inaction"],
    ),
    (
        "Since I told the team I have {DIS}, {P1F} jokes that I'm slow. My reasonable "
        "adjustments have never been put in place.",
        ["disability_access", "jokes_banter"],
    ),
    (
        "{P1} touched my hair without asking and said my braids were unprofessional. {P2F} thought it was funny.",
        ["appearance_hair", "jokes_banter"],
    ),
    (
        "They speak {LANG} in the staff room so I am left out, and when I speak {LANG2} on the "
        "phone to my mum {P1F} tells me to speak English.",
        ["exclusion_isolation", "accent_language"],
    ),
    (
        "{P1} said that {ETH} women are aggressive when I challenged a decision. {RELTIME} it "
        "happened again in the team meeting.",
        ["stereotyping"],
    ),
    (
        "I'm {NAT} and {REL}. {p1f} {p1s} said all of us are the same. My NHS number is {NHSNO} "
        "in case occupational health need it.",
        ["stereotyping"],
    ),
    (
        "The agency worker {P1} kept misgendering me and used my old name after I shared my pronouns. Contact {EMAIL}.",
        ["gender_identity"],
    ),
    (
        "After I announced I was pregnant, {P1F} stopped giving me shifts and said "
        "{TITLE} {P2S} wanted someone 'committed'.",
        ["pregnancy_caring"],
    ),
    (
        "{AGE} and {P1} keeps calling me 'grandma' on {WARD} and asking when I'm retiring. It is "
        "just banter apparently.",
        ["jokes_banter", "stereotyping"],
    ),
    (
        "My NI number {NINO} and employee number {EMPID} were read out at {PRACTICE} reception by "
        "{P1} while making a joke about my accent.",
        ["accent_language", "jokes_banter"],
    ),
    ("I live at {ADDRESS}, {POSTCODE}, and {P1} said my area is full of 'people like me'.", ["stereotyping"]),
    (
        "Nobody invites the {NAT} staff to the night out. {P1F} set up a WhatsApp group without "
        "us. Follow up with me at {HANDLE}.",
        ["exclusion_isolation", "international_staff"],
    ),
    (
        "When {TITLE} {P1S} saw my GMC number {GMC} he said he assumed I qualified 'somewhere else'.",
        ["competence_questioned", "international_staff"],
    ),
    (
        "My NMC PIN is {NMC}. {P1} asked whether my training in {COUNTRY} was 'real' nursing training.",
        ["competence_questioned", "international_staff"],
    ),
    (
        "{P1} posted a meme about my {REL} faith on {URL} and the manager said leave it.",
        ["religious_dress_practice", "leadership_inaction", "jokes_banter"],
    ),
    (
        "On nights at {HOSP}, {P1F} and {P2F} talked over me in every huddle and then said I am "
        "too quiet for a charge nurse.",
        ["exclusion_isolation", "competence_questioned"],
    ),
    ("My date of birth is {DOB} and {P1} from HR told me I was too old to start a degree.", ["stereotyping"]),
    (
        "Patients near {OUTWARD} keep asking if I am the cleaner. {RELTIME} a visitor asked "
        "{P1F} to 'speak to a real nurse'.",
        ["competence_questioned"],
    ),
    (
        "I'm {ETH} and {p1f} keeps asking where my parents are from. Ring me on {PHONE} if you need more detail.",
        ["where_from"],
    ),
    (
        "I asked {P1} for a prayer space during Ramadan and was told it is not a priority. {P2} agreed.",
        ["religious_dress_practice", "leadership_inaction"],
    ),
    (
        "{TITLE} {P1S}'s comments about 'overseas nurses taking jobs' were reported by me and "
        "{P2F} but nothing happened.",
        ["international_staff", "leadership_inaction"],
    ),
    (
        "I have {DIS} and {P1F} said I should not be on a busy ward like {WARD}. My manager agreed.",
        ["disability_access", "leadership_inaction"],
    ),
    ("{RELTIME} I was the only {ETH} nurse on the shift and no one sat with me at break.", ["exclusion_isolation"]),
    (
        "A {REL} colleague was mocked for fasting. {P1F}, {P2F} and {P3F} all laughed.",
        ["religious_dress_practice", "jokes_banter"],
    ),
]
