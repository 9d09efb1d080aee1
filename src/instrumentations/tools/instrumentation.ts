/**
 * LangChain tool instrumentation: one `execute_tool {tool}` span per tool execution (GenAI
 * semantic conventions, "Execute tool span"), active while the tool runs so that what the
 * tool does (model calls, retrievals, HTTP) nests under it, and the
 * `gen_ai.execute_tool.duration` histogram.
 *
 * Patch point: `StructuredTool.prototype.call` (public, in `@langchain/core/tools`). Every
 * tool goes through it: `invoke` calls it, `Tool`/`DynamicTool`/`DynamicStructuredTool`
 * (and so `tool(...)`) reach it through `super.call`, and `ToolNode` and the prebuilt agents
 * run tools with `invoke`. Subclasses implement `_call`, which runs inside it.
 *
 * A tool that throws is an error here even though `ToolNode` catches the exception and
 * turns it into an error `ToolMessage` (the node, and so the turn, succeed): the exception
 * passes through this wrapper first. A tool that returns an error `ToolMessage` itself is an
 * error too (`error.type` `tool_error`).
 */
import { type Attributes, SpanKind } from '@opentelemetry/api';

import * as s from '../../semconv.js';
import { captureContent, safeStringify } from '../../telemetry/content.js';
import type { Histogram } from '@opentelemetry/api';
import { isGraphControlFlow } from '../../telemetry/errors.js';
import { createHistogramFromCatalogue } from '../../telemetry/instruments.js';
import {
  elapsedSeconds,
  type Operation,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../telemetry/operation.js';
import { getAgentRun, getTurn, markNested, nestedOwner } from '../../telemetry/turn-context.js';
import { boundedName, LoreChatMethodInstrumentation, type PatchedMethod } from '../base.js';
import { PACKAGE_VERSION } from '../version.js';
import type { ToolCallFn, ToolLike } from './internal-types.js';
import type { LangChainToolInstrumentationConfig } from './types.js';
import {
  isErrorToolMessage,
  toolArguments,
  toolCallId,
  toolDescription,
  toolResultContent,
} from './utils.js';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

export const TOOL_INSTRUMENTATION_NAME = 'lorechat-otel/instrumentation-langchain-tools';

/** `error.type` of a tool that reported its failure in an error `ToolMessage`. */
export const TOOL_ERROR_TYPE = 'tool_error' as const;

export class LangChainToolInstrumentation extends LoreChatMethodInstrumentation<LangChainToolInstrumentationConfig> {
  declare private _duration: Histogram;

  constructor(config: LangChainToolInstrumentationConfig = {}) {
    super(TOOL_INSTRUMENTATION_NAME, PACKAGE_VERSION, config);
  }

  protected override _updateMetricInstruments(): void {
    super._updateMetricInstruments();
    this._duration = createHistogramFromCatalogue(
      this.meter,
      s.METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
    );
  }

  protected patchedMethod(): PatchedMethod {
    return { path: 'dist/tools/index', exportName: 'StructuredTool', method: 'call' };
  }

  protected traced(self: object, original: AnyMethod, args: unknown[]): Promise<unknown> {
    return this.tracedCall(
      self as ToolLike,
      original as ToolCallFn,
      args as Parameters<ToolCallFn>,
    );
  }

  private tracedCall(
    tool: ToolLike,
    original: ToolCallFn,
    args: Parameters<ToolCallFn>,
  ): Promise<unknown> {
    // `DynamicTool.call` -> `super.call`: the outer call of the same tool is the execution.
    if (!this.isEnabled() || nestedOwner('tool') === tool) return original.apply(tool, args);
    const [arg, config] = args;
    const name = boundedName(tool.name, 'tool');
    const agent = getAgentRun();
    if (agent) agent.toolCalls += 1;
    return traceOperation(
      this.tracer,
      () => {
        const turn = getTurn();
        const attributes: Attributes = {
          [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_EXECUTE_TOOL,
          [s.ATTR_GEN_AI_TOOL_NAME]: name,
          [s.ATTR_GEN_AI_TOOL_TYPE]: s.GEN_AI_TOOL_TYPE_FUNCTION,
        };
        const id = toolCallId(arg, config);
        if (id !== undefined) attributes[s.ATTR_GEN_AI_TOOL_CALL_ID] = id;
        const description = toolDescription(tool.description);
        if (description !== undefined) attributes[s.ATTR_GEN_AI_TOOL_DESCRIPTION] = description;
        if (turn?.threadId !== undefined) attributes[s.ATTR_GEN_AI_CONVERSATION_ID] = turn.threadId;
        if (turn) attributes[s.ATTR_LORECHAT_REQUEST_ID] = turn.requestId;
        const captured = captureContent(this._shared, toolArguments(arg));
        if (captured !== undefined) attributes[s.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = captured;
        return { name: `${s.SPAN_EXECUTE_TOOL} ${name}`, kind: SpanKind.INTERNAL, attributes };
      },
      () => original.apply(tool, args),
      (op, outcome) => this.finish(op, outcome, name),
      { what: 'tool', context: (ctx) => markNested(ctx, 'tool', tool) },
    );
  }

  private finish(op: Operation, outcome: Outcome, name: string): void {
    let type: string | undefined;
    // `interrupt()` inside a tool (a human approval) stops the run by throwing LangGraph's
    // control-flow error: the tool is paused, not failed.
    if (outcome.kind === 'error' && !isGraphControlFlow(outcome.error))
      type = recordFailure(op.span, outcome.error);
    else if (outcome.kind === 'done' && isErrorToolMessage(outcome.result)) {
      type = TOOL_ERROR_TYPE;
      recordFailure(op.span, {
        name: TOOL_ERROR_TYPE,
        message: safeStringify(toolResultContent(outcome.result)),
      });
    } else if (outcome.kind === 'done') {
      const captured = captureContent(this._shared, toolResultContent(outcome.result));
      if (captured !== undefined) op.span.setAttribute(s.ATTR_GEN_AI_TOOL_CALL_RESULT, captured);
    }
    const attrs: Attributes = {
      [s.ATTR_GEN_AI_OPERATION_NAME]: s.GEN_AI_OPERATION_EXECUTE_TOOL,
      [s.ATTR_GEN_AI_TOOL_NAME]: name,
    };
    if (type !== undefined) attrs[s.ATTR_ERROR_TYPE] = type;
    this._duration.record(elapsedSeconds(op), attrs);
    this.countOperation('tool', type);
  }
}
