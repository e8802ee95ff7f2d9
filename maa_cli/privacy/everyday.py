"""Everyday English words, and when a name that is also one is read as the word.

Many names are also words: Will, May, Hope, Summer, Rose; Day, Child, Young, Brown, Wood.
Masking every "day" and "child" in a narrative for a child called Kai Day or Ellis Child
wrecks it ("The [name] was seen the same [name]"), so a name part that is an everyday
word is masked only where it stands as a name (the rule is in :mod:`maa_cli.privacy.masking`).

:data:`EVERYDAY_WORDS` holds about 3,400 words written for maa (no outside word list): the
common words of written English and the words of safeguarding records, with their plurals.
It holds only words *common enough that masking them in lower case would wreck ordinary
text*. A name that is a rarer word (Marsh, Pike, Cole, Heather, Holly) or a popular first
name that is seldom a word in a record (Grace, Jack, Poppy, Ruby) is left out on purpose:
it is masked in any case, because a rare word masked costs less than a name typed in lower
case ("spoke to grace") left in.
"""

from __future__ import annotations

import re

from .folding import BREAK

_WORDS = """
a ability able about above abroad absence absent absolute absolutely abuse abused abusive academic academy
accept acceptable accepted access accident accidental accommodation accompanied according account accurate
accused achieve achieved achievement acknowledge acknowledged across act acted acting action actions active
actively activities activity actual actually add added addiction addition additional address addressed adequate
adequately adolescent adopted adoption adult adults advance advantage adverse advice advise advised advocate
affect affected afford afraid after afternoon afterwards again against age aged agencies agency agenda
aggression aggressive ago agree agreed agreement ahead aid aim air alarm alcohol alert alive all allegation
allegations alleged allocated allow allowance allowed almost alone along alongside already alright also
alternative although always am amber ambition ambulance among amongst amount an analysis and anger angry animal
animals anniversary annoyed annual another answer answered anxiety anxious any anybody anyone anything anyway
anywhere apart apartment apology apparent apparently appeal appear appeared appears application applied apply
appointment appointments appreciate apprentice apprenticeship approach appropriate approved april are area areas
argue argued argument arm arms around arrange arranged arrangement arrangements arrest arrested arrival arrive
arrived art article as ash ask asked asking asleep aspect aspects assault assaulted assess assessed assessment
assessments assist assistance associated assume at attached attachment attack attempt attempted attend
attendance attended attending attention attitude august aunt authority autumn available average avoid avoidance
avoided awake award aware awareness away awful babies baby back backed background bad badly bag bail balance
ball ban band bank banks bar base based basic basis bath bathroom battery be beach bear beat beaten beautiful
became because become becomes bed bedroom beds bedtime been beer before began begin beginning behalf behave
behaved behaviour behaviours behind being belief believe believed bell belong below belt beneath benefit
benefits beside besides best better between beyond big bigger biggest bike bill bills bin bird birds birth
birthday bit bite bitten black blame blamed blank blanket bleed bleeding blessed blew blind block blocked blood
blow blue board boat body boiler bold bond bone bones book booked booking books bored boring born borrow boss
both bottle bottom bought bound boundaries boundary bowl box boy boyfriend boys brain brave breach bread break
breakdown breakfast breaking breaks breast breath breathe breathing brick bridge brief briefing briefly bright
brilliant bring bringing broad broadly broke broken brother brothers brought brown bruise bruised bruises
bruising brush bucket budget buggy build building built bullet bullied bullying bump bunk burden burglary burn
burned burns burnt bus bush business busy but butter button buy buying by cabinet cafe cake calendar call called
calling calls calm came camera camp campaign can cancel cancelled cancer candidate cannot cap capable capacity
capital car caravan card cards care cared career careful carefully careless carer carers caring carpet carried
carrier carry cartoon case cases cash cast casual cat catch category caught cause caused causing caution
cautioned cautious ceased ceiling celebrate celebration cell central centre century ceremony certain certainly
chain chair chaired challenge challenges challenging champion chance change changed changes changing channel
chaotic chapter character charge charged charity chart chase chased chasing chat cheap check checked checking
checks cheek cheerful cheese chest chicken chief child childcare childhood childminder childminding children
chips choice choir choose chose chosen christmas chronology church circle circumstances citizen city civil claim
claimed claims class classes classroom clause clean cleaned cleaner clear clearance clearly clever client
climate climb clinic clinical clock close closed closely closure cloth clothes clothing cloud club clue coach
coast coat code coffee cohort coin cold colds collapse colleague colleagues collect collected college colour
column combined come comes comfort comfortable coming command comment comments commit commitment committed
committee common communal communicate communication community company compare compared competition complain
complained complaint complete completed completely complex compliance concept concern concerned concerning
concerns concert concluded conclusion condition conditions conduct conference confidence confident confidential
confirm confirmed conflict confused connect connected connection conscious consent consequence consequences
consider considerable considered consistent consistently constable consultant consultation contact contacted
contacts contain content context continue continued continuing contract contribute contribution control
controlled controlling conversation convicted conviction cook cooked cooker cooking cool cooperate coordinator
cope coping copy core corner corporate correct corridor cost costs cot cough could council counselling
counsellor count counter country county couple courage course courses court cousin cousins cover covered crash
crazy cream create created creative credit crew cried crime criminal crisis criteria critical crop cross crossed
crowd crown cruel cry crying cuddle cuddles cultural culture cup cupboard curfew current currently curriculum
curtain custody customer cut cuts cutting cycle dad daily damage damaged damp dance dancing danger dangerous
dark data date daughter daughters dawn day days dead deadline deadlines deaf deal dealing dear death debt debts
decent decide decided decision decisions declined deep deeply default defend defined definitely degree delay
delayed delays delighted deliver delivered demand demanding dementia denial denied dental dentist deny
department depend dependency dependent depressed depression deputy describe described description designated
desk desperate despite destroyed detail detailed details detective determined devastated develop developed
development device diabetes diagnosed diagnosis diary did die died diet difference different difficult
difficulties difficulty digital dinner direct directly director dirt dirty disabilities disability disabled
disagree disappointed discharge discharged discipline disclose disclosed disclosure disclosures discover
discovered discuss discussed discussion discussions disease dish dismissed disorder display disrupted disruptive
distance distant distraction distress distressed district disturbed divided divorce do doctor doctors document
documents does dog dogs doing doll domestic done door doors dose double doubt down dozen drama draw drawer
drawing drawn dream dress dressed dressing drew drink drinking drinks drive driven driver driving drop dropped
drove drug drugs drunk dry due dummy during dust duty each eager ear earlier early earn ears earth easily east
easy eat eaten eating economic edge education educational effect effective effectively effort egg eggs eight
eighteen eighty either elder elderly eldest electric electricity element eleven else email emergency emotional
emotionally emotions employed employer employment empty encounter encourage encouraged end ended ending enemy
energy engage engaged engagement enjoy enjoyed enormous enough enquiries enquiry ensure ensured enter entered
entire entirely entitled entry environment episode episodes equal equally equipment errand escalate escalated
escalation escape especially essay essential estate ethnic ethnicity even evening event events eventually ever
every everybody everyday everyone everything everywhere evidence evident exact exactly exam examination examined
example excellent except exchange excited exciting excluded exclusion excuse exercise exhausted exist expect
expected expensive experience experienced expert explain explained explanation exploitation exploited explore
exposed exposure express extend extended extent extra extreme extremely eye eyes fabric face facebook faced
facial facility fact factor factors facts faded fail failed failing failure faint fair fairly faith fake fall
fallen falling false fame familiar families family fan fancy far farm farther fashion fast faster fat father
fathers fault favour favourite fear feared feature features february fed fee feed feedback feeding feel feeling
feelings feet fell felt female fence festival fever few fiction field fields fierce fifteen fifth fifty fight
fighting figure figures file files fill filled final finally finance finances financial find finding findings
fine finger fingers finish finished fire fired firm first fish fit fitness five fix fixed flag flagged flash
flat flats flight flood floor flower flowers flu fly focus folder folk follow followed following font food foot
football for force forced foreign forest forget forgot forgotten form formal former forms formula fortnight
fortnightly forty forward foster fostering found four fourteen fourth fragile frame frank free freedom frequent
frequently fresh friday fridge friend friendly friends friendship frightened frightening from front frozen fruit
frustrated frustration fuel full fully fun fund funding funds funeral funny furniture further fuss future gain
game games gaming gang gap garage garden gardens gas gate gates gather gathered gave gear gender general
generally generous gentle get gets getting ghost giant gift girl girlfriend girls give given gives giving glad
glass glasses global gloves go goal god goes going gold golden gone good goods gossip got government gp grab
grade graded grades gradually graduate grain gran grandad grandchild grandchildren granddaughter grandfather
grandma grandmother grandparent grandparents grandson granny grant grass grateful grave great greatly green
greet grew grey grief grip grocery gross ground grounds group groups grow growing grown growth guard guardian
guess guest guidance guide guilt guilty gun guy gym habit had hair hairdresser half hall hallway hand handbag
handed handle hands handwriting hang happen happened happening happens happily happy harassment harbour hard
hardly harm harmed harmful harsh has hat hate have having hazard he head headache headlines headteacher heal
healing health healthy hear heard hearing heart heat heating heavily heavy hedge heel height held hello helmet
help helped helpful helping her here hero herself hesitant hid hidden hide high highlight highly him himself
hire his historic history hit hobby hold holder holding hole holiday holidays holy home homeless homes homework
honest honour hope hoped hopefully hopes horror horse hospital host hostel hot hotel hour hours house household
houses housework housing how however huge human hundred hungry hurry hurt hurting husband hygiene i ice icon
idea ideal ideas identified identify identity if ignore ignored ill illegal illness image imagine immediate
immediately immune immunisation immunisations impact impacted important impossible impression improve improved
improvement improvements improving in incidence incident incidents include included including inclusion income
inconsistent increase increased incredible indeed independence independent index indicate indicated individual
indoor indoors infant infants infection inflation influence inform informal information informed initial
initially injection injured injuries injury inner innocent input inside insight inspection inspector instance
instead institution insurance intense intention interact interaction interest interested interests interim
internal internet interpreter interrupted interval intervention interventions interview intimate intimidated
into introduced investigation invitation invited involved involvement iron is isolated isolation issue issues it
item items its itself jacket jail jam jaw jealous jelly jewellery job jobs join joined joint joke journal
journey joy judge judgement juice july jump jumper june junior just justice keen keep keeping kept key keys kick
kicked kid kids kill killed kind kindly king kinship kiss kit kitchen kitten knee knees knew knife knives knock
knocked know knowing knowledge known label labour lack ladder lady laid lake lamp land landlord language laptop
large largely last late lately later laugh laughed laughing laundry law lawyer lay layer lazy lead leader
leading leaflet leak lean learn learned learning least leave leaver leaving led left leg legal legs leisure lend
length lenient less lesson lessons let letter letterbox letters level levels liaison library licence lie lied
life lifestyle lift light lights like liked likely likes limbs limit limited line lines link linked lip lips
liquid list listen listened listening literacy litter little live lived lives living load loan local lock locked
lodge lonely long longer look looked looking loose lose losing loss lost lot lots loud lounge love loved lovely
low lower loyal luck lucky lunch lung machine mad made magazine magic magistrate main mainly maintain
maintenance major majority make maker makes makeup making male man manage managed management manager managers
manner many map march mark marked market marks marriage married mash mask massive match mate material maternity
matter matters mattress maximum may maybe me meal meals mean meaning means meant meanwhile measure media medical
medication medicine medium meet meeting meetings member members memories memory men mental mention mentioned
mentor menu mere merit mess message messages met metal method middle midnight midwife might mild mile miles
milestone milestones military milk mind mine minimum minor minute minutes mirror misery miss missed missing
mistake misuse mix mixed mobile model modern mom moment monday money monitor monitored monitoring monster month
monthly months mood moody moral more morning most mostly mother mothers mould mouth move moved movement movie
moving much mud multi mum mums murder muscle museum music must mutual my myself nail naked name named names nan
nana nanny nappy narrative narrow nasty national native natural nature navy near nearby nearly neat necessary
neck need needed needing needle needs neglect neglected neglectful neighbour neighbours neither nephew nervous
nest net network never new newborn news next nice niece night nightmare nightmares nine nineteen ninety no
nobody nod noise noisy none nonsense noon norm normal normally north nose not note notebook noted notes nothing
notice noticed novel now nowhere number numbers numerous nurse nursery nurses nurture nutrition oath obese
obesity object objective obligation observation observations observed obstacle obtain obvious obviously occasion
occasionally occupation occur occurred october odd of off offence offender offer offered office officer officers
official officially often oh ok okay old older oldest on once one ones ongoing online only onto onwards open
opened opening openly operation opinion opponent opportunity opposite option options or oral orange order orders
ordinary organisation organise organised origin orphan other others otherwise our ours ourselves out outcome
outcomes outdoor outfit outline output outside outstanding oven over overall overcrowded overdose overnight
overseas overweight owe owed own owner pace pack package paediatric paediatrician page paid pain painful paint
painting pair palace pale pan panel panic pants paper papers parcel parent parental parenting parents parish
park parking part partly partner partners partnership parts party pass passage passed passenger passion passport
past pasta patch path patience patient pattern pause pay paying payment peace peaceful peer peers pen pencil
penny pension people per perfect performance perhaps period permanent permission persistent person personal
personality perspective pet petrol pets phase phone photo photos phrase physical physically physio piano pick
picked picnic picture pie piece pig pile pill pills pink pipe pitch pity pizza place placed placement placements
places plain plan planet planned planning plans plant plastic plate platform play played playing pleasant please
pleased pleasure plenty plus pocket poem poet point points poison pole police policy polite pool poor poorly pop
popular portion portrait pose position positive possession possible possibly post pot potato potential pound
pounds poverty powder power powers practical practice practitioner practitioners praise praised pram pray prayer
precise preference pregnancy pregnant premises prepare prepared prescribed prescription presence present
presented pressure pretty prevent prevented previous previously price pride primary principal principle print
prior priority prison privacy private prize probably problem problems procedure procedures process produce
professional professionals profile programme progress promise promised prompt proof proper properly property
prospect protect protected protection protective protest proud prove provide provided provider provision
psychiatrist psychologist pub public pull pulled punch punish punished punishment pupil pupils puppy purchase
purple purpose purse push pushed put putting puzzle qualification qualified quality quantity quarter queen
question questioned questions queue quick quickly quiet quietly quit quite quote rabbit race racist radio rage
railway rain rainy raise raised ran rang range rank rapid rare rarely rat rate rated rather rating raw reach
reached react reaction read reader reading ready real realise realised realistic reality really rear reason
reasonable reasons reassure reassured recall receipt receive received recent recently recognise recognised
recommend recommendation recommendations record recorded recording records recover recovery red reduce reduced
refer reference referral referrals referred reflect reflected reflection reform refuge refusal refused regard
regarding region register registered regret regular regularly rehab reject rejected relation relationship
relationships relative relatives relax relaxed release released relevant reliable relief relieved religion
religious reluctant rely remain remained remark remember remembered remind remote removal remove removed rent
repair repeat repeated repeatedly replace replaced replied reply report reported reporting reports represent
reputation request requested require required requires rescue research resentment reside resident residential
resilience resilient resolve resolved resource resources respect respected respite respond responded response
responsibility responsible rest restraint restricted result results retire retired return returned returning
reveal revealed review reviewed reviewing reviews reward rice rich rid ride right ring ripped rise risk risks
rival river road rob rock role roof room rooms root rope rose rotten rough round route routine routines rubbish
rude rule rules rumour run running rural rush sack sad sadly safe safeguarding safely safer safety said salary
sale salt same sand sandwich sat saturday save saw say saying says scale scan scar scared scars scene scheme
school schools score scream screamed screen script sea search seaside season seat second secondary secret
secretary section secure security see seeing seek seem seemed seems seen seizure self sell send sending senior
sense sensible sensitive sent sentence sentenced separate separated separation september sequence series serious
seriously servant service services session sessions set setting settings settled seven seventeen seventy several
severe sex sexual shake shaking shall shame shape share shared sharing sharp she sheet shelf shell shelter shift
shirt shock shocked shoe shoes shook shoot shop shopping shore short shortage shortly should shoulder shoulders
shout shouted shouting show showed shower shown shut shy sibling siblings sick sickness side sight sign signal
signed significant significantly signs silence silent silly silver similar simple simply since sing single sink
sir sister sisters sit site sitting situation six sixteen sixty size skill skills skin skip sky slap slapped
sleep sleeping sleepover slept slightly slip slow slowly smack smacked small smart smell smile smiled smiling
smoke smoking snack snow so soap sober social society sock socks sofa soft software soil sold soldier solicitor
solid solution some somebody someone something sometimes somewhere son song sons soon sorry sort sought soul
sound soup source south space spare speak speaking special specific speech speed spell spend spent spider spirit
split spoilt spoke spoken spoon sport sports spot spring stable staff stage stairs stamp stand standard standing
star start started starting state stated statement station status statutory stay stayed staying steady steal
step stepdad stepfather stepmother stepmum steps stick sticker still stitches stock stole stolen stomach stone
stop stopped storage store stories storm story stove straight strain strange stranger strangers strap strategy
stream street strength stress stressed strict strike stroke strong strongly structure struggle struggled
struggling student students study stuff stupid style subject substance succeed success successful such sudden
suddenly suffer suffered sugar suggest suggested suicide suit suitable suitcase sum summary summer sun sunday
sunny sunshine supermarket supervised supervision supper supply support supported supporting suppose sure
surface surgery surname surprise surprised surround survey survive survivor suspect suspected suspicious swap
swear sweep sweet swift swim switch sympathy symptom symptoms system table tablet tag tail take taken takes
taking talent talk talked talking tall tank tap target task taste taught tax taxi tea teach teacher teachers
teaching team teams tear tears teen teenage teenager teenagers teeth telephone tell telling temper temperature
temporary ten tenancy tend tension tent term terms terrible terror test tested text texts than thank thankful
thanks that the theft their theirs them theme themes themselves then therapy there therefore these they thick
thin thing things think thinking third thirteen thirty this those though thought thoughts thousand thread threat
threatened threats three threshold threw throat through throughout throw thrown thumb thursday thus ticket tidy
tie tight till time timely times tin tiny tip tired tissue to toast today toddler toddlers toe together toilet
told tolerance tomorrow tone tonight too took tool tooth toothbrush top topic torch torn total totally touch
tough tour towards towel tower town toy toys track trade tradition traffic trafficking train trained trainer
trainers training tramp transfer transferred transition transport trap trauma traumatic travel tray treat
treated treatment tree trees trend trial trick trip trolley trouble trousers truck true trust truth try trying
tuesday tune tunnel turn turned twelve twenty twice twin twins two type typical ugly umbrella unable unaware
uncertain uncle unclear uncomfortable unconscious under understand understanding understood unemployed unhappy
uniform union unique unit unity universal university unknown unless unlikely unpaid unpredictable unsafe
unstable unsure untidy until unusual unwell up upbringing update updated upon upper upset upstairs urgent urine
us use used useful using usual usually vacancy vaccination vaccinations vague valid valuable value van variety
various vast vegetable vegetables vehicle verbal version very via victim victims video view views village
violence violent visible vision visit visited visiting visitor visits visual vital vitamin voice voices volume
volunteer vomiting vote vulnerable wage waist wait waited waiting wake walk walked walking wall wallet walls
wander want wanted wanting wants war ward warm warmth warned warning wary was wash washed washing wasted watch
watched watchful watching water way ways we weak weakness wealth weapon wear wearing weather website wednesday
weed week weekend weekly weeks weight welcome welfare well wellbeing went were west wet what whatever wheel
wheelchair when whenever where whereabouts whether which while whilst whisper white who whole whom whose why
wide wider widow wife wild will willing win window windows wing winter wipe wire wise wish wishes with within
without witness woke woman women won wonder wonderful wood wooden woods wool word words wore work worked worker
workers working works world worried worries worry worse worship worst worth would wound wrap wrist write writing
written wrong wrote yard year yearly years yell yelled yellow yes yesterday yet you young younger youngest
youngster youngsters your yours yourself youth zero zone
"""

def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: First names that are also words, but far more often a child's name than a word in a record:
#: kept out of :data:`EVERYDAY_WORDS` so that they are masked in lower case too.
NAMES_NOT_WORDS = _set("""
    angel ben blessing bob brook carol cole crystal daisy dean destiny don dot dove eve fern ford fox gene grace
    harmony harry hart hazel heather holly honey hunter iris ivy jack jade jasmine liberty lily marsh mason max
    melody nick olive pat pearl pike poppy precious prince raven ray reed robin ruby rusty sage sam sandy sue
    taylor tom trinity violet willow wolf wren
""")


def _with_plurals(words: set[str]) -> frozenset[str]:
    plurals = {w + ("es" if w.endswith(("s", "sh", "ch", "x", "z")) else "s") for w in words}
    return frozenset((words | plurals) - NAMES_NOT_WORDS)


#: Everyday words and their plurals, lower case (see the module's notes for what is left out).
EVERYDAY_WORDS = _with_plurals(set(_set(_WORDS)))


def is_everyday(word: str) -> bool:
    """True if ``word`` (folded) is everyday English: every piece of "Rose-May" or "O'Day" counts."""
    pieces = [p for p in re.split(r"[^\w]+|_", word.casefold().replace(BREAK, "")) if p]
    return bool(pieces) and all(p in EVERYDAY_WORDS for p in pieces)


#: Small words that belong to a surname ("van der Berg", "al-Sayed", "de Souza"), not to a person:
#: never masked on their own unless the name starts or ends with them ("Anh Do", "Thi Le").
PARTICLES = _set("""
    a ap abu al bat bin bint da das de degli dei del della der des di do dos du el ibn la le lo mac mc st
    ten ter van von y
""")

# -- where a capitalised everyday word is read as the word ------------------------------------------

#: Fixed phrases of services and the calendar in which a name-word is the word: "Child Protection
#: Plan", "Day Nursery", "Summer Term". Each holds a word that no one is called, so "Summer" in
#: "Summer holidays" is the season, while "Summer school" (which could be Summer's school) is not here.
PHRASES = (
    "child protection", "child in need", "children in need", "child sexual exploitation", "child criminal exploitation",
    "child death", "child arrangements", "child maintenance", "child benefit", "child care", "child minder",
    "child minding", "child and family", "child and adolescent", "child development", "child health", "child poverty",
    "child safeguarding", "child abuse", "child neglect", "child exploitation", "child in care", "child friendly",
    "child centred", "child centered", "child focused", "child led", "looked after child", "only child", "unborn child",
    "day to day", "day by day", "day one", "day nursery", "day care", "day centre",
    "day center", "day unit", "day trip", "day release", "christmas day", "boxing day", "new year's day", "sports day",
    "inset day", "training day", "open day", "fun day", "results day", "mother's day", "father's day", "bank holiday",
    "summer term", "summer holiday", "summer holidays", "summer half term", "spring term", "autumn term",
    "winter term", "summer time", "young carer", "young carers", "young person", "young people", "young offender",
    "young offenders", "young adult", "young adults", "young parent", "young parents", "young mum", "young dad",
    "early help", "early years", "early intervention", "hope for children", "long term", "short term", "short break",
    "short breaks", "will power", "green light", "red flag", "red flags", "white paper", "black eye", "black eyes",
)
MONTHS = _set("january february march april may june july august september october november december")
SEASONS = _set("spring summer autumn winter")
#: Counted things: "Day 3", "Page 2", "Stage 4" are never a child.
COUNTED = _set("day page stage step level term week year class room section part phase unit")
_GAP = r"[ \t\-\x00]+"
_YEAR_AFTER = re.compile(rf"{_GAP}(?:\d{{4}}|'\d\d)(?!\d)")
# After a month, a day needs its ordinal or a year ("May 3rd", "May 3, 2024"): "May 3" could be May, aged 3.
_DAY_AFTER = re.compile(rf"{_GAP}\d{{1,2}}(?:\x00?(?:st|nd|rd|th)(?![^\W_])|,?{_GAP}\d{{4}}(?!\d))", re.IGNORECASE)
_BEFORE_MONTH = re.compile(rf"(?:\d{{1,2}}(?:\x00?(?:st|nd|rd|th))?(?:{_GAP}of)?|\b(?:mid|early|last|next|during|"
                           rf"end of|start of|beginning of|middle of)){_GAP}$", re.IGNORECASE)
_NUMBER_AFTER = re.compile(r"[ \t]+\d")


def _phrase_rules() -> dict[str, list[tuple[re.Pattern, re.Pattern]]]:
    rules: dict[str, list[tuple[re.Pattern, re.Pattern]]] = {}
    for phrase in PHRASES:
        words = phrase.split()
        for i, word in enumerate(words):
            before = "".join(rf"{re.escape(w)}{_GAP}" for w in words[:i]) + "$"
            after = "".join(rf"{_GAP}{re.escape(w)}" for w in words[i + 1:]) + r"(?![^\W_])"
            rules.setdefault(word, []).append((re.compile(before, re.IGNORECASE), re.compile(after, re.IGNORECASE)))
    return rules


_PHRASE_RULES = _phrase_rules()


def read_as_word(folded: str, start: int, end: int, word: str) -> bool:
    """True if the capitalised everyday word ``word`` at ``folded[start:end]`` is plainly the word, not a name.

    It is the word inside one of :data:`PHRASES` ("Child Protection Plan", "Christmas Day"), a month
    beside a day or a year ("3rd May", "May 2024", "May 3rd", "mid-May"), a season before a year
    ("Summer 2023"), or a counted thing before a number ("Day 3"). Anywhere else a capital makes it a name.
    """
    before = folded[max(0, start - 40):start]
    for rule_before, rule_after in _PHRASE_RULES.get(word, ()):
        if rule_before.search(before) and rule_after.match(folded, end):
            return True
    if word in MONTHS and (_BEFORE_MONTH.search(before) or _YEAR_AFTER.match(folded, end) or _DAY_AFTER.match(folded, end)):
        return True
    if word in SEASONS and _YEAR_AFTER.match(folded, end):
        return True
    return word in COUNTED and bool(_NUMBER_AFTER.match(folded, end))

# Capitals that practitioners write before a surname for a role or a service ("GP O'Brien", "PC Shah",
# "SW Patel", "DS Hughes"). Where a child's initials happen to spell one, they stand for the child
# only with full stops ("G.P. O'Brien") or run into the surname ("GPOBrien"), as "A", "I", "O" do.
ROLE_CAPITALS = _set("""
    cp cs dc dci di dr ds dsl ey fw gp hv iro la mp mr ms pc pcso sgt sn sw ta yot yp
""")
