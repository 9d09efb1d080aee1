/**
 * The fixed conversations every variant replays, in the same order: simple and compound
 * questions (compound ones fan out into parallel subqueries), each with follow-ups in the
 * same thread, so checkpoints and message history are part of what is measured.
 */
export const CONVERSATIONS: readonly (readonly string[])[] = [
  [
    'Who founded Emberfall?',
    'What is the Hollow Crown?',
    'Who rules Emberfall today and what guards the Keening Pass?',
  ],
  [
    'How did the War of Cinders end?',
    'Tell me about the Battle of the Nine Bridges',
    'What is the Pact of Embers and what happens if the Hearth flame goes out?',
  ],
  [
    'Where do the river folk live and what are the river songs?',
    'What do tidewrights need for their magic?',
    'What are the mistcallers?',
  ],
  [
    'What happened to the Drowned Library?',
    'What is the Ledger of Names and who saved its index?',
    'Who was Tamsin Reed?',
  ],
  [
    'What is starsteel and who can forge it?',
    'Who is the Thornmother and what did she foretell?',
    'What grows in the Ashfields?',
  ],
];

/** Turns per conversation (every conversation has the same length). */
export const CONVERSATION_LENGTH = 3;
