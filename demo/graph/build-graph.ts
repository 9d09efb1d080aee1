import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { END, START, StateGraph } from '@langchain/langgraph';
import {
  createNodes,
  NODE_COMBINE,
  NODE_DECOMPOSE,
  NODE_PROCESS,
  NODE_RESPOND,
  type NodeDeps,
} from './nodes.js';
import { LoreChatState, type ProcessInput } from './state.js';

export const GRAPH_NAME = 'lorechat';

export interface BuildGraphOptions extends NodeDeps {
  checkpointer: BaseCheckpointSaver;
}

/** decompose -> process (one parallel branch per subquery) -> combine -> respond. */
export function buildLoreChatGraph(options: BuildGraphOptions) {
  const nodes = createNodes(options);
  return new StateGraph(LoreChatState)
    .addNode(NODE_DECOMPOSE, nodes.decompose)
    .addNode<typeof NODE_PROCESS, ProcessInput>(NODE_PROCESS, nodes.processSubquery)
    .addNode(NODE_COMBINE, nodes.combine)
    .addNode(NODE_RESPOND, nodes.respond)
    .addEdge(START, NODE_DECOMPOSE)
    .addConditionalEdges(NODE_DECOMPOSE, nodes.fanOut, [NODE_PROCESS])
    .addEdge(NODE_PROCESS, NODE_COMBINE)
    .addEdge(NODE_COMBINE, NODE_RESPOND)
    .addEdge(NODE_RESPOND, END)
    .compile({ checkpointer: options.checkpointer, name: GRAPH_NAME });
}

export type LoreChatGraph = ReturnType<typeof buildLoreChatGraph>;
