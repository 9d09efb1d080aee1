/**
 * `--import` set-up for the Langfuse LangChain callback handler: Langfuse v5 creates its
 * observations as OpenTelemetry spans on the global tracer provider, which this registers
 * (with the shared pipeline instead of `LangfuseSpanProcessor`, whose only difference is the
 * Langfuse endpoint). The handler itself is passed on each invocation by the workload
 * (`--callbacks langfuse`), as Langfuse documents.
 */
import { startPipeline } from './pipeline.js';

startPipeline([]);
