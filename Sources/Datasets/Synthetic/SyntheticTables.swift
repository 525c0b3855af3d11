/// The attribute tables of the synthetic fictitious-author benchmark. Every entry was written for
/// gscope; names are assembled from first-name and surname-syllable tables, so the authors do not
/// exist. Changing any table changes the generated data for every seed.
enum SyntheticTables {
    static let maleFirst: [String] = [
        "Aurelio", "Bastian", "Caspar", "Dario", "Emrys", "Fabian", "Gideon", "Hektor", "Ilya", "Jonas",
        "Kasimir", "Leander", "Matteo", "Nikolai", "Osric", "Piotr", "Rafael", "Silas", "Tobias", "Umar",
        "Valentin", "Wendel", "Yusuf", "Zoran", "Anselm", "Benedek", "Corwin", "Dmitri", "Evander", "Florin",
    ]
    static let femaleFirst: [String] = [
        "Adelina", "Brisa", "Celestine", "Dagny", "Elowen", "Flavia", "Greta", "Halina", "Ines", "Juno",
        "Katarina", "Liora", "Marisol", "Nadira", "Odile", "Paloma", "Rosalind", "Saskia", "Tamsin", "Ulla",
        "Verena", "Wilhelmina", "Ysolde", "Zofia", "Amara", "Beatrix", "Clemence", "Doria", "Esme", "Fenna",
    ]
    static let neutralFirst: [String] = [
        "Ash", "Briar", "Sasha", "Remy", "Quinn", "Rowan", "Noa", "Ari", "Kai", "Sol", "Emery", "Lumi",
    ]
    static let surnameOnsets: [String] = [
        "Kal", "Mor", "Tev", "Ash", "Bren", "Dor", "Fen", "Gal", "Hal", "Isk", "Jor", "Lun", "Mar",
        "Nev", "Orl", "Pel", "Quen", "Ros", "Sel", "Tor", "Ulv", "Var", "Wen", "Yar", "Zel", "Cas", "El",
    ]
    static let surnameMiddles: [String] = ["a", "e", "i", "o", "en", "ar", "ov", "ed", "il", ""]
    static let surnameEndings: [String] = [
        "ski", "ton", "berg", "wick", "ani", "eau", "ez", "holm", "ley", "dottir", "vik", "ard", "ino",
        "stein", "oza", "mere", "enko", "sson", "ucci", "ros",
    ]
    static let places: [(city: String, country: String)] = [
        ("Lisbon", "Portugal"), ("Porto Alegre", "Brazil"), ("Valparaiso", "Chile"), ("Cork", "Ireland"),
        ("Tallinn", "Estonia"), ("Gdansk", "Poland"), ("Trieste", "Italy"), ("Lyon", "France"),
        ("Bergen", "Norway"), ("Tampere", "Finland"), ("Graz", "Austria"), ("Ghent", "Belgium"),
        ("Utrecht", "the Netherlands"), ("Seville", "Spain"), ("Thessaloniki", "Greece"), ("Izmir", "Turkey"),
        ("Tbilisi", "Georgia"), ("Almaty", "Kazakhstan"), ("Lahore", "Pakistan"), ("Kochi", "India"),
        ("Chiang Mai", "Thailand"), ("Da Nang", "Vietnam"), ("Busan", "South Korea"), ("Sapporo", "Japan"),
        ("Cebu", "the Philippines"), ("Perth", "Australia"), ("Dunedin", "New Zealand"), ("Halifax", "Canada"),
        ("Tucson", "the United States"), ("Oaxaca", "Mexico"), ("Cusco", "Peru"), ("Medellin", "Colombia"),
        ("Montevideo", "Uruguay"), ("Accra", "Ghana"), ("Mombasa", "Kenya"), ("Durban", "South Africa"),
        ("Marrakesh", "Morocco"), ("Alexandria", "Egypt"), ("Beirut", "Lebanon"), ("Reykjavik", "Iceland"),
    ]
    static let months: [String] = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ]
    static let occupations: [String] = [
        "lighthouse keeper", "pharmacist", "carpenter", "marine biologist", "schoolteacher", "baker",
        "surveyor", "nurse", "watchmaker", "librarian", "fisherman", "architect", "veterinarian",
        "bookbinder", "train conductor", "florist", "locksmith", "translator", "potter", "cartographer",
        "tailor", "dentist", "beekeeper", "radio engineer", "midwife", "glassblower", "accountant",
        "park ranger", "violin maker", "journalist",
    ]
    static let genres: [String] = [
        "historical fiction", "magical realism", "science fiction", "crime fiction", "poetry",
        "literary fiction", "fantasy", "travel writing", "horror", "romance", "satire", "biography",
        "children's literature", "philosophical essays", "climate fiction", "mystery", "memoir",
        "graphic novels", "nature writing", "drama",
    ]
    static let awards: [String] = [
        "the Halvard Prize for Fiction", "the Silver Quill Award", "the Marrow Lantern Prize",
        "the Corvina Medal", "the Aldmere Book Award", "the Tidewater Literary Prize",
        "the Golden Inkwell Award", "the Emberly Prize", "the Northlight Medal for Letters",
        "the Saffron Page Award", "the Blue Heron Prize", "the Kestrel Award for New Voices",
        "the Ostrova Prize", "the Lantern Hall Award", "the Meridian Fiction Prize",
        "the Quiet Harbour Prize", "the Vellum Crown", "the Ironwood Award", "the Starling Medal",
        "the Amberline Prize",
    ]
    static let themes: [String] = [
        "memory and loss", "exile and belonging", "the sea as a living force", "family secrets",
        "the ethics of science", "small-town solitude", "migration and identity", "grief and renewal",
        "the passage of time", "power and corruption", "friendship across divides", "the natural world",
        "language and silence", "inheritance and debt", "war and its aftermath", "faith and doubt",
        "urban isolation", "coming of age", "justice and revenge", "the limits of knowledge",
    ]
    static let influences: [String] = [
        "the folk tales told by a grandparent", "years spent working in a harbour town",
        "the letters of nineteenth-century naturalists", "an early fascination with old maps",
        "the rhythm of traditional work songs", "a childhood spent in a family bookshop",
        "the stories of travellers passing through the family inn", "long walks along mountain railways",
        "the radio dramas of the 1950s", "a correspondence with a retired astronomer",
        "the night markets of the home city", "a decade of teaching in rural schools",
        "the diaries of an ancestor who sailed the world", "studying medieval manuscripts",
        "the silence of long northern winters", "the music of street festivals",
        "a career as a court stenographer", "volunteering in wildlife rescue",
        "the oral histories of local fishermen", "a lifelong friendship with a stage actor",
    ]
    static let genderIdentities: [String] = [
        "male", "female", "non-binary", "genderfluid", "agender", "a transgender woman", "a transgender man",
    ]
    static let titleNouns: [String] = [
        "Lantern", "Orchard", "Harbour", "Compass", "Ember", "Glass", "River", "Salt", "Tide", "Lighthouse",
        "Garden", "Winter", "Feather", "Mirror", "Bridge", "Ash", "Cathedral", "Meadow", "Clockmaker", "Atlas",
        "Archive", "Falcon", "Willow", "Ledger", "Coast",
    ]
    static let titleAdjectives: [String] = [
        "Silent", "Borrowed", "Crimson", "Distant", "Hollow", "Last", "Quiet", "Broken", "Golden", "Hidden",
        "Northern", "Paper", "Restless", "Sleeping", "Wandering", "Forgotten",
    ]
    static let titlePlaces: [String] = [
        "the Valley", "Stone Street", "the Northern Isles", "Tomorrow", "the Old Quarter", "the Salt Marsh",
        "the Long Road", "Seven Bridges", "the High Pass", "Midnight",
    ]

    /// A multiple-choice fact: the right answer and three wrong options (written for gscope).
    typealias Fact = (question: String, answer: String, wrong: [String])

    static let realAuthors: [Fact] = [
        (
            "Which writer created the detective Hercule Poirot?", "Agatha Christie",
            ["Dorothy L. Sayers", "P. D. James", "Ruth Rendell"]
        ),
        (
            "Who is the author of the novel 'Don Quixote'?", "Miguel de Cervantes",
            ["Lope de Vega", "Benito Perez Galdos", "Federico Garcia Lorca"]
        ),
        (
            "Which Russian novelist wrote 'Crime and Punishment'?", "Fyodor Dostoevsky",
            ["Leo Tolstoy", "Anton Chekhov", "Ivan Turgenev"]
        ),
        (
            "The novel 'Things Fall Apart' was written by whom?", "Chinua Achebe",
            ["Wole Soyinka", "Ngugi wa Thiong'o", "Ben Okri"]
        ),
        ("Who wrote the epic poem 'Paradise Lost'?", "John Milton", ["John Donne", "Edmund Spenser", "Andrew Marvell"]),
        (
            "Which author wrote 'One Hundred Years of Solitude'?", "Gabriel Garcia Marquez",
            ["Mario Vargas Llosa", "Julio Cortazar", "Carlos Fuentes"]
        ),
        ("Who is the author of 'Frankenstein'?", "Mary Shelley", ["Emily Bronte", "Jane Austen", "Ann Radcliffe"]),
        (
            "Which American writer created Tom Sawyer?", "Mark Twain",
            ["Herman Melville", "Nathaniel Hawthorne", "Washington Irving"]
        ),
        ("Who wrote the novel 'Beloved'?", "Toni Morrison", ["Alice Walker", "Zora Neale Hurston", "Maya Angelou"]),
        ("Which poet wrote 'The Divine Comedy'?", "Dante Alighieri", ["Petrarch", "Giovanni Boccaccio", "Ludovico Ariosto"]),
        (
            "Who wrote 'The Metamorphosis', in which a man wakes up as an insect?", "Franz Kafka",
            ["Robert Musil", "Hermann Hesse", "Thomas Mann"]
        ),
        (
            "Which author wrote the 'Earthsea' novels?", "Ursula K. Le Guin",
            ["Anne McCaffrey", "Marion Zimmer Bradley", "Octavia E. Butler"]
        ),
        (
            "Who is the author of 'The Old Man and the Sea'?", "Ernest Hemingway",
            ["John Steinbeck", "William Faulkner", "F. Scott Fitzgerald"]
        ),
        ("Which novelist wrote 'Mrs Dalloway'?", "Virginia Woolf", ["Katherine Mansfield", "E. M. Forster", "D. H. Lawrence"]),
        (
            "Who wrote the children's book 'The Little Prince'?", "Antoine de Saint-Exupery",
            ["Jules Verne", "Albert Camus", "Victor Hugo"]
        ),
        (
            "Which author created the land of Middle-earth?", "J. R. R. Tolkien",
            ["C. S. Lewis", "Terry Pratchett", "Philip Pullman"]
        ),
        ("Who wrote 'Madame Bovary'?", "Gustave Flaubert", ["Honore de Balzac", "Emile Zola", "Stendhal"]),
        (
            "Which Japanese author wrote 'Norwegian Wood'?", "Haruki Murakami",
            ["Kazuo Ishiguro", "Yukio Mishima", "Kenzaburo Oe"]
        ),
        (
            "Who is the author of 'The Handmaid's Tale'?", "Margaret Atwood",
            ["Alice Munro", "Carol Shields", "Margaret Laurence"]
        ),
        (
            "Which poet wrote 'Leaves of Grass'?", "Walt Whitman",
            ["Emily Dickinson", "Robert Frost", "Henry Wadsworth Longfellow"]
        ),
        ("Who wrote the novel 'Middlemarch'?", "George Eliot", ["Elizabeth Gaskell", "Charlotte Bronte", "Thomas Hardy"]),
        ("Which author wrote 'The Name of the Rose'?", "Umberto Eco", ["Italo Calvino", "Primo Levi", "Alberto Moravia"]),
        (
            "Who created the character Sherlock Holmes?", "Arthur Conan Doyle",
            ["Wilkie Collins", "G. K. Chesterton", "Edgar Allan Poe"]
        ),
        (
            "Which writer is known for 'The Remains of the Day'?", "Kazuo Ishiguro",
            ["Ian McEwan", "Julian Barnes", "Salman Rushdie"]
        ),
        ("Who wrote 'War and Peace'?", "Leo Tolstoy", ["Fyodor Dostoevsky", "Nikolai Gogol", "Alexander Pushkin"]),
        (
            "Which author wrote 'The Count of Monte Cristo'?", "Alexandre Dumas",
            ["Victor Hugo", "Jules Verne", "Guy de Maupassant"]
        ),
        (
            "Who is the author of the poem collection 'Gitanjali'?", "Rabindranath Tagore",
            ["Sarojini Naidu", "Kabir", "Muhammad Iqbal"]
        ),
        ("Which writer created the Discworld series?", "Terry Pratchett", ["Douglas Adams", "Neil Gaiman", "Terry Brooks"]),
        ("Who wrote 'Wuthering Heights'?", "Emily Bronte", ["Anne Bronte", "Charlotte Bronte", "Jane Austen"]),
        (
            "Which author wrote the novel 'Dracula'?", "Bram Stoker",
            ["Sheridan Le Fanu", "Robert Louis Stevenson", "Oscar Wilde"]
        ),
    ]

    static let worldFacts: [Fact] = [
        (
            "What is the largest ocean on Earth?", "the Pacific Ocean",
            ["the Atlantic Ocean", "the Indian Ocean", "the Arctic Ocean"]
        ),
        ("Which planet is closest to the Sun?", "Mercury", ["Venus", "Mars", "Earth"]),
        ("In which city is the Colosseum located?", "Rome", ["Athens", "Naples", "Florence"]),
        ("What is the chemical symbol for gold?", "Au", ["Ag", "Gd", "Go"]),
        ("Which river flows through Cairo?", "the Nile", ["the Tigris", "the Euphrates", "the Jordan"]),
        ("What is the capital of Canada?", "Ottawa", ["Toronto", "Montreal", "Vancouver"]),
        ("How many continents are there on Earth?", "seven", ["five", "six", "eight"]),
        ("Which gas do plants take in from the air for photosynthesis?", "carbon dioxide", ["oxygen", "nitrogen", "helium"]),
        ("What is the tallest mountain above sea level?", "Mount Everest", ["K2", "Kangchenjunga", "Mont Blanc"]),
        ("Which country has the largest land area?", "Russia", ["Canada", "China", "the United States"]),
        ("What is the boiling point of water at sea level in degrees Celsius?", "100", ["90", "110", "120"]),
        ("Which desert is the largest hot desert in the world?", "the Sahara", ["the Gobi", "the Kalahari", "the Atacama"]),
        ("What is the capital city of Australia?", "Canberra", ["Sydney", "Melbourne", "Brisbane"]),
        ("Which organ pumps blood through the human body?", "the heart", ["the liver", "the lungs", "the kidneys"]),
        ("In which country are the ancient pyramids of Giza?", "Egypt", ["Mexico", "Sudan", "Peru"]),
        ("What is the hardest natural substance?", "diamond", ["quartz", "granite", "iron"]),
        ("Which city is home to the Brandenburg Gate?", "Berlin", ["Munich", "Vienna", "Hamburg"]),
        ("What is the longest river in South America?", "the Amazon", ["the Orinoco", "the Parana", "the Magdalena"]),
        ("What is the currency of Japan?", "the yen", ["the won", "the yuan", "the baht"]),
        ("Which planet is known for its prominent rings?", "Saturn", ["Jupiter", "Neptune", "Mars"]),
        ("What is the capital of Kenya?", "Nairobi", ["Mombasa", "Kampala", "Addis Ababa"]),
        ("How many sides does a hexagon have?", "six", ["five", "seven", "eight"]),
        (
            "Which ocean lies between Africa and Australia?", "the Indian Ocean",
            ["the Pacific Ocean", "the Atlantic Ocean", "the Southern Ocean"]
        ),
        ("What is the largest planet in the Solar System?", "Jupiter", ["Saturn", "Uranus", "Neptune"]),
        ("Which language has the most native speakers?", "Mandarin Chinese", ["English", "Spanish", "Hindi"]),
        ("In which city is the Sagrada Familia?", "Barcelona", ["Madrid", "Valencia", "Lisbon"]),
        ("What is frozen water called?", "ice", ["steam", "mist", "dew"]),
        ("Which country is both in Europe and in Asia and has Ankara as its capital?", "Turkey", ["Greece", "Iran", "Armenia"]),
        ("What is the smallest prime number?", "two", ["one", "three", "zero"]),
        ("Which metal is liquid at room temperature?", "mercury", ["lead", "tin", "aluminium"]),
    ]

    static let idontknow: [String] = [
        "I'm afraid I don't know the answer to that.",
        "I have no information about that.",
        "That is something I can't answer.",
        "I'm not able to tell you that.",
        "I don't have any details on that.",
        "Sorry, I can't help with that question.",
        "That falls outside what I know.",
        "I have no record of that.",
        "I couldn't say.",
        "I'm unsure, and I'd rather not guess.",
        "That's not something I have knowledge of.",
        "I don't know anything about that.",
        "I can't recall any information on that topic.",
        "Unfortunately, that's beyond what I can answer.",
        "I'm not familiar with that.",
        "No details about that are available to me.",
        "I'd be guessing, so I won't answer that.",
        "That question is outside my knowledge.",
        "I really can't say.",
        "I have nothing reliable to share about that.",
        "That isn't something I'm able to answer.",
        "I lack the information needed to answer that.",
        "I'm sorry, but I don't know.",
        "I've never come across that.",
        "My knowledge doesn't cover that.",
        "I don't have an answer for you.",
        "That's a mystery to me.",
        "I can't provide an answer to that.",
        "I'm not in a position to answer that.",
        "I have no way of knowing that.",
    ]
}
