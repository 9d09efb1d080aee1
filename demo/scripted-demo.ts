/**
 * A short scripted LoreChat session, in-process and deterministic (offline model by
 * default): two conversations, a multi-part question answered by parallel branches, a
 * follow-up, a document insert and update through the vector store, and a streamed turn.
 * Run under `--import lorechat-otel/register` to see its telemetry.
 */
import type { AgentTurnResult } from './agent/lore-agent.js';
import { createLoreChatApp, type ChatResponse } from './app.js';

const out = (text = '') => process.stdout.write(`${text}\n`);

function show(label: string, question: string, reply: ChatResponse): void {
  out(`\n── ${label} [thread ${reply.threadId}, persona ${reply.persona}, ${reply.complexity}]`);
  out(`you> ${question}`);
  if (reply.subqueries.length > 1) {
    for (const sq of reply.subqueries) out(`   · subquery: ${sq.text} (${sq.status})`);
  }
  out(`lorechat> ${reply.answer}`);
  if (reply.sources.length > 0) out(`   sources: ${reply.sources.map((s) => s.title).join('; ')}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const app = await createLoreChatApp();
  out(`LoreChat scripted demo — ${app.store.size} lore documents, provider ${app.config.provider}`);

  const q1 = 'Who founded Emberfall and what is the Hollow Crown?';
  show('turn 1', q1, await app.chat({ threadId: 'demo-scholar', message: q1, persona: 'scribe' }));

  const q2 = 'How did the War of Cinders end?';
  show(
    'turn 2',
    q2,
    await app.chat({ threadId: 'demo-scholar', message: q2, persona: 'devils_advocate' }),
  );

  const inserted = await app.upsertDocuments([
    {
      id: 'glasswing-moths',
      title: 'The Glasswing Moths',
      text: 'Glasswing moths live in the caves under Kestrel Keep. Their wings glow faintly, and the knights use them to find their way when ghostfire runs low.',
      metadata: { category: 'creature', source: 'scripted-demo' },
    },
  ]);
  out(
    `\n── documents: added ${inserted.added}, updated ${inserted.updated} (${inserted.ids.join(', ')})`,
  );
  const updated = await app.upsertDocuments([
    {
      id: 'glasswing-moths',
      title: 'The Glasswing Moths',
      text: 'Glasswing moths live in the caves under Kestrel Keep. Their wings glow blue, and the knights of the Grey Lantern follow them through the Keening Pass on moonless nights.',
      metadata: { category: 'creature', source: 'scripted-demo', revision: 2 },
    },
  ]);
  out(
    `── documents: added ${updated.added}, updated ${updated.updated} (${updated.ids.join(', ')})`,
  );

  const q3 = 'Where do the glasswing moths live?';
  show(
    'turn 3',
    q3,
    await app.chat({ threadId: 'demo-traveller', message: q3, persona: 'adventurer' }),
  );

  const q4 = 'Tell me about the Battle of the Nine Bridges';
  out(`\n── turn 4 (streamed) [thread demo-traveller, persona adventurer]`);
  out(`you> ${q4}`);
  process.stdout.write('lorechat> ');
  for await (const event of app.chatStream({
    threadId: 'demo-traveller',
    message: q4,
    persona: 'adventurer',
  })) {
    if (event.type === 'token') process.stdout.write(event.text);
    else {
      out();
      if (event.sources.length > 0)
        out(`   sources: ${event.sources.map((s) => s.title).join('; ')}`);
    }
  }

  // The agent path: tools (one fails on a topic the augurs never wrote about) and a human
  // approval step, interrupted and then resumed on the same thread.
  const agentTurn = (label: string, result: AgentTurnResult): void => {
    const tools = result.tools.map((tool) => `${tool.name} ${tool.status === 'error' ? '✗' : '✓'}`);
    out(`   tools: ${tools.join(', ') || 'none'}`);
    if (result.status === 'awaiting_approval') out(`${label} asks> ${result.question}`);
    else out(`${label}> ${result.answer.replace(/\n/g, '\n          ')}`);
  };
  const q5 = 'What do the augurs say about Xelthar?';
  out(`\n── agent turn 1 [thread demo-agent]`);
  out(`you> ${q5}`);
  agentTurn('lorechat', await app.agentChat({ threadId: 'demo-agent', message: q5 }));
  const q6 = 'Make a copy of the Emberfall records';
  out(`\n── agent turn 2 [thread demo-agent]`);
  out(`you> ${q6}`);
  agentTurn('lorechat', await app.agentChat({ threadId: 'demo-agent', message: q6 }));
  out(`\n── agent turn 3: the archivist approves [thread demo-agent]`);
  agentTurn('lorechat', await app.resumeAgent({ threadId: 'demo-agent', decision: 'approve' }));
  out(`\nDone in ${((Date.now() - started) / 1000).toFixed(2)} s.`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `scripted demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
