/**
 * Interactive LoreChat in the terminal, in-process (no server needed).
 * Commands: /persona <id>, /thread <id>, /new, /agent <message>, /approve, /deny, /help, /quit.
 */
import { createInterface } from 'node:readline';
import { stdin, stdout } from 'node:process';
import type { AgentTurnResult } from './agent/lore-agent.js';
import { createLoreChatApp } from './app.js';
import { DEFAULT_PERSONA, isPersonaId, PERSONA_IDS, PERSONAS, type PersonaId } from './personas.js';

const HELP = `Commands:
  /persona <${PERSONA_IDS.join('|')}>   switch voice
  /thread <id>                        switch conversation (history is per thread)
  /new                                start a new conversation
  /agent <message>                    ask the tool-using agent (lore lookup, omens, archive copies)
  /approve, /deny                     answer the agent's approval question in this conversation
  /help                               this text
  /quit                               leave`;

async function agentReply(run: () => Promise<AgentTurnResult>): Promise<void> {
  try {
    const result = await run();
    const tools = result.tools.map((t) => `${t.name} ${t.status === 'error' ? '✗' : '✓'}`);
    if (tools.length > 0) stdout.write(`  tools: ${tools.join(', ')}\n`);
    if (result.status === 'awaiting_approval')
      stdout.write(`agent asks> ${result.question}\n  (answer with /approve or /deny)\n`);
    else stdout.write(`agent> ${result.answer}\n`);
  } catch (error) {
    stdout.write(`agent error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

async function main(): Promise<void> {
  const app = await createLoreChatApp();
  const rl = createInterface({ input: stdin, output: stdout });
  let persona: PersonaId = DEFAULT_PERSONA;
  let threadId = newThreadId();
  stdout.write(
    `LoreChat — ask about the Vale of Orrun (${app.store.size} documents, provider ${app.config.provider}).\n${HELP}\n`,
  );
  const prompt = () => stdout.write(`\n[${threadId} · ${PERSONAS[persona].label}] you> `);
  prompt();
  // The line iterator buffers input, so piped scripts work as well as a terminal.
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') {
      prompt();
      continue;
    }
    if (line.startsWith('/')) {
      const [command, ...args] = line.slice(1).split(/\s+/);
      const arg = args.join(' ');
      if (command === 'quit' || command === 'exit') break;
      else if (command === 'help') stdout.write(`${HELP}\n`);
      else if (command === 'new') {
        threadId = newThreadId();
        stdout.write(`new conversation ${threadId}\n`);
      } else if (command === 'thread' && /^[A-Za-z0-9._:-]{1,128}$/.test(arg)) {
        threadId = arg;
        stdout.write(`now in conversation ${threadId}\n`);
      } else if (command === 'agent' && arg !== '') {
        await agentReply(() => app.agentChat({ threadId, message: arg }));
      } else if (command === 'approve' || command === 'deny') {
        await agentReply(() => app.resumeAgent({ threadId, decision: command }));
      } else if (command === 'persona' && isPersonaId(arg)) {
        persona = arg;
        stdout.write(`persona: ${PERSONAS[persona].label}\n`);
      } else stdout.write(`unknown or incomplete command: ${line}\n${HELP}\n`);
      prompt();
      continue;
    }
    stdout.write('lorechat> ');
    try {
      for await (const event of app.chatStream({ threadId, message: line, persona })) {
        if (event.type === 'token') stdout.write(event.text);
        else if (event.sources.length > 0) {
          stdout.write(`\n  sources: ${event.sources.map((s) => s.title).join('; ')}`);
        }
      }
      stdout.write('\n');
    } catch (error) {
      stdout.write(`\n(error: ${error instanceof Error ? error.message : String(error)})\n`);
    }
    prompt();
  }
  rl.close();
}

function newThreadId(): string {
  return `cli-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`chat failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
