/**
 * `--import` set-up of the OpenInference (Arize) LangChain instrumentation, as its README
 * shows: registered with the SDK, then `manuallyInstrument` on LangChain's callback manager
 * module. Default options.
 */
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { startPipeline } from './pipeline.js';

const instrumentation = new LangChainInstrumentation();
startPipeline([instrumentation]);
instrumentation.manuallyInstrument(CallbackManagerModule);
