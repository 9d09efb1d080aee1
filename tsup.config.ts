import { defineConfig, type Options } from 'tsup';

// Instrumented libraries and the OpenTelemetry SDK are never bundled: patching works on the
// modules the app loads, and the app must share one @opentelemetry/api with us.
const external = [/^@langchain\//, /^@opentelemetry\//, /^langchain/, 'import-in-the-middle'];

// `npm run demo` builds through scripts/build-if-stale.mjs, which sets this: the demo needs
// the JavaScript only, so the type declarations (most of the build time) are left out.
const jsOnly = process.env.LORECHAT_BUILD_JS_ONLY === '1';

const common: Options = {
  clean: false,
  target: 'node22',
  external,
  // `import.meta.url` in the CJS output becomes the file's URL instead of an empty object
  // (and esbuild's "import.meta is not available" warning goes away).
  shims: true,
};

export default defineConfig([
  // --- the published library: root API, ./register, ./semconv (ESM and CJS, with types) ---
  // No source maps: the package ships readable, unminified JavaScript.
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      register: 'src/register.ts',
      semconv: 'src/semconv-entry.ts',
    },
    format: ['esm', 'cjs'],
    dts: !jsOnly,
    sourcemap: false,
    outDir: 'dist',
  },
  // --- the `lorechat-otel` command (bin): ESM only, nothing imports it ---
  {
    ...common,
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: false,
    outDir: 'dist',
  },
  // --- the LoreChat reference app (owned by the demo work); no telemetry code in it ---
  // Built under dist/demo, which the package's `files` leave out.
  {
    ...common,
    entry: {
      server: 'demo/server.ts',
      chat: 'demo/chat-cli.ts',
      load: 'demo/load.ts',
      'scripted-demo': 'demo/scripted-demo.ts',
    },
    format: ['esm', 'cjs'],
    dts: false,
    sourcemap: true,
    outDir: 'dist/demo',
  },
]);
