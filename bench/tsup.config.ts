import { defineConfig } from 'tsup';

// The benchmark harness, its workload and the variant set-ups, bundled the way the demo is
// (instrumented libraries and the OpenTelemetry SDK stay external, so each variant patches
// the very modules the workload loads). `npm run bench` builds this, then runs it.
export default defineConfig({
  entry: {
    main: 'bench/main.ts',
    workload: 'bench/workload.ts',
    'variant-traceloop': 'bench/variants/traceloop.ts',
    'variant-openinference': 'bench/variants/openinference.ts',
    'variant-langfuse': 'bench/variants/langfuse.ts',
    'variant-floor': 'bench/variants/floor.ts',
    'variant-capture': 'bench/variants/capture.ts',
  },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: false,
  target: 'node22',
  outDir: 'dist/bench',
  external: [
    /^@langchain\//,
    /^@opentelemetry\//,
    /^@traceloop\//,
    /^@arizeai\//,
    /^@langfuse\//,
    /^langchain/,
    'import-in-the-middle',
    'protobufjs',
    'prettier',
    // The backends' path helpers run as a CLI when they are the entry module; bundled into
    // main.js they would think they are. Kept external: the relative import written in
    // test/helpers/stack.ts resolves from dist/bench/ to the same scripts/backends/ file.
    /scripts\/backends\/.*\.mjs$/,
  ],
});
