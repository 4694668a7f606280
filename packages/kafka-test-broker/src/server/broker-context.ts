import type { BrokerFaults } from '../faults.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { TopicStore } from '../log/topic-store.js';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';
import type { TransactionCoordinator } from '../txn/transaction-coordinator.js';

/** The broker's state and settings, shared by every request handler. */
export interface BrokerContext {
  readonly nodeId: number;
  readonly host: string;
  port: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly maxFetchWaitMs: number;
  readonly topics: TopicStore;
  readonly groups: GroupCoordinator;
  readonly transactions: TransactionCoordinator;
  readonly faults: BrokerFaults;
  /** Aborted when the broker stops, so long-polling fetches answer at once. */
  readonly stopSignal: AbortSignal;
}

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface RequestContext {
  readonly header: RequestHeader;
  /** Positioned at the request body. */
  readonly body: Reader;
  readonly broker: BrokerContext;
  readonly clientHost: string;
}

/** Returns the response body, or null when the protocol sends none (Produce with acks=0). */
export type Handler = (request: RequestContext) => Writer | null | Promise<Writer | null>;
