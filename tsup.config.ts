import { defineConfig } from 'tsup';

// Instrumented libraries and the OpenTelemetry SDK are never bundled: patching works on the
// modules the app loads, and the app must share one @opentelemetry/api with us.
const external = [/^@langchain\//, /^@opentelemetry\//, /^langchain/, 'import-in-the-middle'];

export default defineConfig([
  // --- the library (owned by the instrumentation work) ---
  {
    entry: {
      index: 'src/index.ts',
      register: 'src/register.ts',
      cli: 'src/cli/main.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node22',
    outDir: 'dist',
    external,
  },
  // --- the LoreChat reference app (owned by the demo work); no telemetry code in it ---
  {
    entry: {
      server: 'demo/server.ts',
      chat: 'demo/chat-cli.ts',
      load: 'demo/load.ts',
      'scripted-demo': 'demo/scripted-demo.ts',
    },
    format: ['esm', 'cjs'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node22',
    outDir: 'dist/demo',
    external,
  },
]);
