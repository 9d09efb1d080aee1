/**
 * The OpenTelemetry pipeline every instrumented comparison variant shares with ours: the
 * NodeSDK configured from the same `OTEL_*` variables the harness sets (batch span and log
 * record processors, periodic metric reader, OTLP http/protobuf to the harness's receiver).
 * The SDK is shut down (flushing everything) when the event loop empties, as `register` does
 * for ours.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';

export function startPipeline(instrumentations: Instrumentation[]): NodeSDK {
  const sdk = new NodeSDK({ instrumentations });
  sdk.start();
  process.once('beforeExit', () => {
    sdk.shutdown().catch((error: unknown) => {
      process.stderr.write(`bench pipeline: shutdown failed: ${String(error)}\n`);
    });
  });
  return sdk;
}
