/**
 * The sample lore of the Vale of Orrun, written for this project: a small fantasy world whose
 * places, people, history and magic refer to each other, so questions can span documents.
 */
export interface LoreDocument {
  id: string;
  title: string;
  text: string;
  metadata?: Record<string, string | number | boolean>;
}

type Category = 'place' | 'person' | 'history' | 'magic' | 'creature' | 'culture';

function doc(id: string, title: string, category: Category, text: string): LoreDocument {
  return { id, title, text, metadata: { category, source: 'lorechat-sample-corpus' } };
}

export const LORE_CORPUS: readonly LoreDocument[] = [
  // --- places ---
  doc(
    'emberfall',
    'Emberfall',
    'place',
    'Emberfall is the capital of the Vale of Orrun, built in terraces on the flank of a dormant volcano. ' +
      'Queen Ysolde the Kindler founded the city in the year 212 of the Reckoning. ' +
      "Warm vents beneath the streets heat its houses and feed the great forges of the Smiths' Quarter.",
  ),
  doc(
    'saltmarrow',
    'Saltmarrow',
    'place',
    'Saltmarrow is the port city at the mouth of the River Orrun, surrounded by white salt flats. ' +
      'It is home to the Guild of Tidewrights and to the largest market in the Vale. ' +
      'The Treaty of Saltmarrow that ended the War of Cinders was signed in its harbour hall.',
  ),
  doc(
    'greyspine-mountains',
    'The Greyspine Mountains',
    'place',
    'The Greyspine Mountains ring the Vale of Orrun on three sides and shelter it from the northern storms. ' +
      'The only road through them is the Keening Pass, named for the wind that howls there and closed by snow every winter. ' +
      'Wyverns nest on the highest cliffs.',
  ),
  doc(
    'thornwood',
    'Thornwood',
    'place',
    'Thornwood is an ancient forest north of Lake Veil whose trees grow bark as hard as iron. ' +
      'Its paths are said to move at night, and travellers who stray from the marked ways are rarely seen again. ' +
      'The Thornwardens guard it on behalf of the Thornmother.',
  ),
  doc(
    'river-orrun',
    'The River Orrun',
    'place',
    'The River Orrun flows from Lake Veil through Emberfall and down to Saltmarrow and the sea. ' +
      'The river folk, who call themselves the Orrunhai, live on painted houseboats along its whole length. ' +
      'Nine stone bridges cross the river below Emberfall.',
  ),
  doc(
    'lake-veil',
    'Lake Veil',
    'place',
    'Lake Veil is a cold mountain lake at the head of the River Orrun, wrapped in mist for most of the year. ' +
      'Beneath its waters lies the Drowned Library. ' +
      'Fishermen avoid the eastern shore, where the mistcallers sing.',
  ),
  doc(
    'drowned-library',
    'The Drowned Library',
    'place',
    'The Drowned Library was the greatest archive of the Vale until the Great Flood of the year 540 sank it beneath Lake Veil. ' +
      'Scholars still dive to its halls inside bells of enchanted glass to recover books. ' +
      'The Ledger of Names is believed to rest in its deepest vault.',
  ),
  doc(
    'kestrel-keep',
    'Kestrel Keep',
    'place',
    'Kestrel Keep is a grey fortress guarding the Keening Pass in the Greyspine Mountains. ' +
      'It is the seat of the Order of the Grey Lantern, founded there by Brother Oswin in the year 388. ' +
      'Its walls have never been taken.',
  ),
  doc(
    'ashfields',
    'The Ashfields',
    'place',
    'The Ashfields are the plains south of Emberfall that were burned during the War of Cinders. ' +
      'The soil turned black, and today the farmers there grow blackwheat, a bitter grain that thrives in ash. ' +
      'Old arrowheads still surface after every rain.',
  ),

  // --- people ---
  doc(
    'ysolde',
    'Queen Ysolde the Kindler',
    'person',
    'Queen Ysolde the Kindler was the founder of Emberfall and its first ruler. ' +
      'She made the Pact of Embers with the fire spirit Carrax and was the first to wear the Hollow Crown. ' +
      'She ruled for forty-one years and was buried beneath the Hearth Temple.',
  ),
  doc(
    'maelis-varr',
    'Maelis Varr',
    'person',
    'Maelis Varr was the last Archivist of the Drowned Library. ' +
      'When the dam above Lake Veil broke in the year 540 she escaped with the index of the Ledger of Names, the only part of it ever recovered. ' +
      'She spent her last years teaching in Saltmarrow.',
  ),
  doc(
    'corwen-ashgrave',
    'Corwen Ashgrave',
    'person',
    'Corwen Ashgrave was a warlord from the southern plains who began the War of Cinders in the year 611. ' +
      'He claimed the Hollow Crown as his birthright and burned the fields of anyone who refused him. ' +
      'He was defeated at the Battle of the Nine Bridges and died in exile.',
  ),
  doc(
    'tamsin-reed',
    'Tamsin Reed',
    'person',
    'Tamsin Reed was an Orrunhai river captain who smuggled refugees downriver during the War of Cinders. ' +
      "Her fleet of houseboats broke Corwen Ashgrave's army at the Battle of the Nine Bridges. " +
      'After the war she became the first Speaker of the River Council.',
  ),
  doc(
    'brother-oswin',
    'Brother Oswin',
    'person',
    'Brother Oswin was a wandering monk who founded the Order of the Grey Lantern at Kestrel Keep in the year 388. ' +
      'He taught that every illusion casts a shadow in ghostfire. ' +
      'His lantern still hangs above the gate of the keep.',
  ),
  doc(
    'thornmother',
    'The Thornmother',
    'person',
    'The Thornmother is the ancient dryad who dwells at the heart of Thornwood. ' +
      'She speaks only once in each generation, and her words are kept as prophecy by the Thornwardens. ' +
      'Her last prophecy foretold that the Hearth flame would gutter in a time of three kings.',
  ),
  doc(
    'aldric-ii',
    'King Aldric II',
    'person',
    'King Aldric II is the present ruler of Emberfall, crowned in the year 702 of the Reckoning. ' +
      'He is young and cautious, and much of his power rests with the Ember Council of guild masters. ' +
      'He has never worn the Hollow Crown.',
  ),
  doc(
    'carrax',
    'Carrax the Fire Spirit',
    'creature',
    'Carrax is a fire spirit who sleeps in the volcano beneath Emberfall. ' +
      'Bound by the Pact of Embers, it keeps the city warm and its forges hot. ' +
      'Those who wear the Hollow Crown can call on its fire.',
  ),

  // --- history ---
  doc(
    'the-reckoning',
    'The Reckoning',
    'history',
    'The Reckoning is the calendar of the Vale of Orrun. ' +
      'Its year 0 is the Sundering, when a rain of sky-fire destroyed the old empire of Vael. ' +
      'Fragments of the sky-fire became the starsteel that only the forges of Emberfall can work.',
  ),
  doc(
    'pact-of-embers',
    'The Pact of Embers',
    'history',
    'The Pact of Embers was sealed between Queen Ysolde and the fire spirit Carrax when Emberfall was founded. ' +
      'Carrax promised to keep the city warm forever, and in return a single flame must always burn in the Hearth Temple. ' +
      'If the Hearth flame ever goes out, the pact is broken.',
  ),
  doc(
    'war-of-cinders',
    'The War of Cinders',
    'history',
    'The War of Cinders lasted from the year 611 to 619 of the Reckoning. ' +
      'Corwen Ashgrave fought the crown of Emberfall and the river folk for the Hollow Crown, burning the plains that became the Ashfields. ' +
      'It ended with the Treaty of Saltmarrow.',
  ),
  doc(
    'battle-of-nine-bridges',
    'The Battle of the Nine Bridges',
    'history',
    'The Battle of the Nine Bridges was fought on the River Orrun below Emberfall in the year 618. ' +
      "Tamsin Reed's houseboats cut the bridges while the knights of the Grey Lantern held the far bank. " +
      "Corwen Ashgrave's army was trapped and surrendered at dawn.",
  ),
  doc(
    'treaty-of-saltmarrow',
    'The Treaty of Saltmarrow',
    'history',
    'The Treaty of Saltmarrow ended the War of Cinders in the year 619. ' +
      'It created the River Council, granted the Orrunhai free passage on every water of the Vale, ' +
      'and placed the Hollow Crown in the Hearth Temple, to be worn only in times of great need.',
  ),
  doc(
    'great-flood',
    'The Great Flood',
    'history',
    'The Great Flood of the year 540 came when the old dam above Lake Veil broke after a winter of heavy snow. ' +
      'The waters drowned the library and three villages on the shore. ' +
      'Some still whisper that the dam was sabotaged by a thief who wanted the Ledger of Names lost.',
  ),

  // --- magic ---
  doc(
    'hollow-crown',
    'The Hollow Crown',
    'magic',
    'The Hollow Crown is a circlet of blackened silver with an empty centre where a living flame can float. ' +
      'Whoever wears it can command the fire of Carrax, but it burns those it judges unworthy. ' +
      'Since the Treaty of Saltmarrow it has rested in the Hearth Temple of Emberfall.',
  ),
  doc(
    'tidewright-magic',
    'Tidewright Magic',
    'magic',
    'Tidewrights are the water-shapers of Saltmarrow who can calm waves, read currents and raise fog. ' +
      'Their magic needs salt, so every tidewright carries a pouch of it from the flats. ' +
      'The Guild of Tidewrights trains apprentices for seven years.',
  ),
  doc(
    'ember-craft',
    'Ember-craft',
    'magic',
    'Ember-craft is the fire magic of the smiths of Emberfall, who draw heat from the volcanic vents through runes. ' +
      'It is the only craft that can work starsteel. ' +
      'Master smiths swear an oath at the Hearth Temple before they may teach it.',
  ),
  doc(
    'river-songs',
    'The River Songs',
    'magic',
    'The river songs are the memory-magic of the Orrunhai. ' +
      'Each song remembers a stretch of the River Orrun, its shoals and turns, so a singer can steer blind through the thickest mist. ' +
      'Children of the river folk learn a new verse every year.',
  ),
  doc(
    'ledger-of-names',
    'The Ledger of Names',
    'magic',
    'The Ledger of Names is a book that records the true name of every creature born in the Vale of Orrun. ' +
      'Anyone who knows a true name can bind its bearer to a single command. ' +
      'It was lost in the Great Flood, and only its index, saved by Maelis Varr, survives.',
  ),
  doc(
    'ghostfire',
    'Ghostfire and the Grey Lanterns',
    'magic',
    'Ghostfire is a pale, cold flame kept by the Order of the Grey Lantern. ' +
      'Seen by its light, every illusion casts a shadow and every disguise falls away. ' +
      'The knights of the order carry grey lanterns on their patrols of the Keening Pass.',
  ),
  doc(
    'starsteel',
    'Starsteel',
    'magic',
    'Starsteel is the metal of the sky-fire that fell at the Sundering. ' +
      'It never rusts and holds an edge for centuries, but only ember-craft can melt it. ' +
      'A starsteel blade is the traditional gift to a new Speaker of the River Council.',
  ),

  // --- creatures ---
  doc(
    'greyspine-wyverns',
    'The Greyspine Wyverns',
    'creature',
    'Wyverns nest on the highest cliffs of the Greyspine Mountains and hunt mountain goats in the passes. ' +
      'The riders of Kestrel Keep raise wyverns from the egg, and a bonded wyvern will carry only one rider in its life. ' +
      'Wild wyverns avoid ghostfire.',
  ),
  doc(
    'mistcallers',
    'The Mistcallers',
    'creature',
    'Mistcallers are pale spirits of Lake Veil who sing from the mist on the eastern shore. ' +
      'Their songs lure divers away from the Drowned Library into the deep water. ' +
      'Orrunhai river songs are said to drown out their call.',
  ),
  doc(
    'thornwardens',
    'The Thornwardens',
    'creature',
    'The Thornwardens are druids sworn to the Thornmother who guard the marked paths of Thornwood. ' +
      'They wear armour of living bark and speak with the trees. ' +
      'They guide travellers for the price of a story never told before.',
  ),

  // --- culture ---
  doc(
    'river-council',
    'The River Council',
    'culture',
    'The River Council was created by the Treaty of Saltmarrow to govern trade and passage on the River Orrun. ' +
      'It has nine seats, one for each of the Nine Bridges, and is led by an elected Speaker. ' +
      'Tamsin Reed was its first Speaker.',
  ),
  doc(
    'festival-of-first-flame',
    'The Festival of First Flame',
    'culture',
    'The Festival of First Flame is held in Emberfall every year on the longest night of winter. ' +
      'Every household puts out its lamps and relights them from the Hearth Temple flame, renewing the Pact of Embers. ' +
      'Children carry the flame through the streets in clay lanterns.',
  ),
  doc(
    'hearth-temple',
    'The Hearth Temple',
    'place',
    'The Hearth Temple stands at the summit of Emberfall, above the sleeping fire spirit Carrax. ' +
      'Its priests keep the Hearth flame burning day and night, as the Pact of Embers requires. ' +
      'The Hollow Crown rests on its altar.',
  ),
];
