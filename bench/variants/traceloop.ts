/**
 * `--import` set-up of the OpenLLMetry (Traceloop) LangChain instrumentation, as its README
 * shows: the instrumentation registered with the SDK; its constructor patches LangChain's
 * CallbackManager (CommonJS and ES module copies) itself. Default options (content tracing on).
 */
import { LangChainInstrumentation } from '@traceloop/instrumentation-langchain';
import { startPipeline } from './pipeline.js';

startPipeline([new LangChainInstrumentation()]);
