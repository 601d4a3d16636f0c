"""Word lists the text code consults: stop words, web boilerplate, common English words, and
the words that signal a sentence is about music.

Plain frozensets of folded (lower-case, accent-free) words; no downloads, no corpora.
"""

# English function words and contraction pieces (the tokenizer splits "don't" into don + t).
STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against ago ah all almost alone along already
    also although always am among amongst an and another any anybody anyhow anyone anything
    anyway anywhere are aren around as at away b be became because become becomes becoming been
    before beforehand behind being below beside besides best better between beyond both but by
    c came can cannot cant could couldn d did didn do does doesn doing don done down during e
    each eg either else elsewhere enough etc even ever every everybody everyone everything
    everywhere except f far few first for former formerly from further g get gets getting give
    given gives go goes going gone got h had hadn has hasn have haven having he hence her here
    hereafter hereby herein hers herself him himself his how however i ie if in inc indeed
    instead into is isn it its itself j just k l last later latter least less let like ll ltd
    m made make makes many may maybe me meanwhile might mine more moreover most mostly much
    must my myself n namely near need neither never nevertheless next no nobody none noone nor
    not nothing now nowhere o of off often oh ok okay on once one ones only onto or other
    others otherwise ought our ours ourselves out over own p per perhaps put q quite r rather
    re really s said same say says see seem seemed seeming seems seen several shall shan she
    should shouldn since so some somebody somehow someone something sometime sometimes
    somewhere still such t take taken than that the their theirs them themselves then thence
    there thereafter thereby therefore therein thereupon these they thing things this those
    though through throughout thru thus to together too toward towards u under until up upon
    us use used uses using v ve very via w was wasn way we well went were weren what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever whether
    which while whither who whoever whole whom whose why will with within without won would
    wouldn x y yeah yes yet you your yours yourself yourselves z
    zero two three four five six seven eight nine ten eleven twelve twenty thirty hundred
    thousand million billion
    dont doesnt didnt isnt wasnt arent werent cant couldnt wouldnt shouldnt wont hasnt havent
    hadnt im ive id youre youve youd hes shes theyre theyve weve thats theres whats lets
    january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    """.split()
)

# Words that belong to a web page's furniture (navigation, cookie banners, sharing, legal),
# not to what is written about music. A term containing one of them is dropped.
BOILERPLATE_WORDS = frozenset(
    """
    accept advertisement advertising account archive archives banner blog browser click
    comment comments consent contact cookie cookies copyright disclaimer email facebook feed
    footer gdpr homepage html http https instagram javascript login logout menu navigation
    newsletter page pages password permalink pinterest policy posted previous privacy read
    reddit register reserved rights rss search settings share shares sidebar sign signup site
    sitemap skip subscribe subscription terms tiktok tweet twitter updated url website www
    youtube
    """.split()
)

# Frequent English words. An artist whose name is made only of these ("Yes", "Low",
# "The Who", "Massive Attack") needs more evidence than a bare match (see mentions.py).
COMMON_WORDS = STOP_WORDS | frozenset(
    """
    able act action age air alive all america angel animal answer apple april area arm army
    art attack autumn baby back bad ball band bank bar base battle beach bear beat beautiful
    bed bell big bird birthday black blind blood blue blur board boat body bone book born
    boston boy brain bread break bright bring brother brown build burn bush business cake call
    camera candy car care case cat cause central chain chance change chicago child children
    church city class clean clear close cloud coast cold color colour come common community
    company control cool country course cover cream crowd culture cure cut dance dark daughter
    day dead deal dear death deep desert design destiny devil die dirty doctor dog door doors
    dream dreams dress drive drop dry early earth east easy eat edge eagles electric end enemy
    energy england europe evening event example eye eyes face fact fall family famous farm
    fast father fear feel field fight fine fire fish flame floor flower fly food foot force
    forest free friend friends front fruit fun future game garbage garden general gift girl
    glass god gold good grace great green ground group grow guess gun hair half hall hand
    happy hard head heart heat heaven hell help high hill history hit hold hole home hope horse
    hot hour house human hunger ice idea island jam jet journey joy junior keep key kid kids
    kill kind king kiss knife land language large late law lead leaf left level life light
    line lion list little live local long look lord lost love low luck machine madness magic
    main man mark market massive matter mean memory men metal middle mind minute mirror miss
    modern moment money moon morning mother mountain mouth move movie music name nation
    national natural nature need new news nice night noise north nothing number ocean office
    old open orange order original paper parent park part party pass past path peace people
    perfect person phoenix picture piece pink place plan planet plant play point poison police
    poor power pretty prince public pure queen question quiet race radio rain rainbow real
    reason record red rest rich right ring river road rock roll room rose round rule run sad
    safe salt sea season second secret sense service shadow shake shape ship shock short show
    side sign silence silver simple sing single sister size sky sleep slow small smile smoke
    snow social soft soldier son song sound south space special speed spirit spring square
    stand star start state stone stop story strange street strong style sugar summer sun
    sunday super sweet system table talk tea team tear test thin think thunder time tiny
    today tool top touch tower town toy trade train travel tree true truth turn union us
    valley voice wake walk wall war warm watch water wave west white wild win wind window
    wine winter wire woman women wonder wood word words work world year yellow young youth
    """.split()
)

# Words that show a sentence is about music: near one of them, a common-word name ("Low",
# "Yes") is probably the artist.
MUSIC_CUES = frozenset(
    """
    album albums artist band bands bassist cover covers debut discography drummer duo ep eps
    feat featuring festival frontman frontwoman gig gigs group guitarist headline headlined
    hit hits label live lp lps lyrics mixtape musician musicians perform performed performing
    performs played playing producer rapper record recorded records release released
    releases remix remixes setlist sing singer singers single singles song songs songwriter
    sound sounds studio supergroup tour toured touring track tracks trio vocalist vocals vs
    """.split()
)
