import { randomUUID } from 'node:crypto';
import { routableId } from '@intelgraph/database-sharding';
import { IntelGraphError } from '@intelgraph/errors';
import type { NewEvent } from '@intelgraph/message-queue-enhanced';
import {
  invalidationTags,
  notFound,
  type ShardedEventStore,
  type WriteRequest,
} from '@intelgraph/subgraph-runtime';
import {
  applyEvent,
  EMPTY_STATE,
  INVESTIGATION_AGGREGATE,
  type InvestigationEvent,
  type InvestigationState,
} from './investigation-events.js';
import { project } from './projection.js';

/** Who issues a command: the request (its tenant's database, identity and loaders). */
export type Actor = WriteRequest;

/** The user a command records (`createdBy`, `addedBy`, `closedBy`). */
function userOf(actor: Actor): string {
  return actor.identity.userId ?? `${actor.db.tenantId}:system`;
}

/** Attempts of a command without expectedVersion that keeps losing races (with jittered backoff). */
const ATTEMPTS = 8;

/**
 * The investigation commands. Each folds the aggregate from its events (`replay`), decides, and
 * appends with the version it decided on; the projection row is updated in the same transaction.
 * A concurrent change makes the append fail with CONCURRENCY_CONFLICT: without an explicit
 * `expectedVersion` the command re-reads and decides again (up to 8 times, after a short jittered pause), with one it reports
 * the conflict to the caller.
 */
export class InvestigationCommands {
  readonly #events: ShardedEventStore;

  constructor(events: ShardedEventStore) {
    this.#events = events;
  }

  async create(actor: Actor, title: string, description: string): Promise<string> {
    const id = routableId(actor.db.tenantId);
    await this.#append(actor, id, 0, {
      eventType: 'InvestigationCreated',
      data: {
        tenantId: actor.db.tenantId,
        title,
        description,
        createdBy: userOf(actor),
        at: new Date().toISOString(),
      },
    });
    return id;
  }

  async addEntity(actor: Actor, id: string, entityId: string): Promise<void> {
    await this.#decide(actor, id, undefined, (state) => {
      if (state.status === 'CLOSED') throw closed(id);
      if (state.entityIds.has(entityId)) return undefined;
      return {
        eventType: 'EntityAdded',
        data: { tenantId: actor.db.tenantId, entityId, addedBy: userOf(actor), at: new Date().toISOString() },
      };
    });
  }

  async close(actor: Actor, id: string, expectedVersion: number | undefined): Promise<void> {
    await this.#decide(actor, id, expectedVersion, (state) => {
      if (state.status === 'CLOSED') throw closed(id);
      return {
        eventType: 'InvestigationClosed',
        data: { tenantId: actor.db.tenantId, closedBy: userOf(actor), at: new Date().toISOString() },
      };
    });
  }

  async #load(actor: Actor, id: string): Promise<{ state: InvestigationState; version: number }> {
    return this.#events
      .storeOf(actor.db.tenantId)
      .replay(id, applyEvent, EMPTY_STATE, { useSnapshot: false });
  }

  async #decide(
    actor: Actor,
    id: string,
    expectedVersion: number | undefined,
    decide: (state: InvestigationState) => InvestigationEvent | undefined,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const { state, version } = await this.#load(actor, id);
      if (!state.exists) throw notFound('Investigation', id);
      if (expectedVersion !== undefined && expectedVersion !== version) {
        throw new IntelGraphError(
          'CONCURRENCY_CONFLICT',
          `investigation ${id} is at version ${version}, not ${expectedVersion}`,
          {
            input: id,
            details: { aggregateId: id, expectedVersion, actualVersion: version },
          },
        );
      }
      const event = decide(state);
      if (!event) return;
      try {
        await this.#append(actor, id, version, event);
        return;
      } catch (error) {
        if (
          !IntelGraphError.is(error, 'CONCURRENCY_CONFLICT') ||
          expectedVersion !== undefined ||
          attempt >= ATTEMPTS
        )
          throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  async #append(actor: Actor, id: string, version: number, event: InvestigationEvent): Promise<void> {
    const stored: NewEvent = {
      id: randomUUID(),
      aggregateId: id,
      aggregateType: INVESTIGATION_AGGREGATE,
      eventType: event.eventType,
      version: version + 1,
      data: event.data,
    };
    await this.#events.append(
      actor,
      [stored],
      { expectedVersion: version, invalidates: invalidatedBy(actor.db.tenantId, id, event) },
      (tx, result) =>
        project(tx, {
          aggregateId: id,
          version: result.version,
          eventType: event.eventType,
          data: event.data,
        }),
    );
  }
}

/**
 * What an investigation event changes in the caches: the investigation; on creation, the
 * tenant's investigation lists; an added entity's `investigations` too.
 */
function invalidatedBy(tenant: string, id: string, event: InvestigationEvent): string[] {
  const investigation = { type: 'Investigation', id };
  switch (event.eventType) {
    case 'InvestigationCreated':
      return invalidationTags({ tenant, objects: [investigation], sets: ['Investigation'] });
    case 'EntityAdded':
      return invalidationTags({
        tenant,
        objects: [investigation, { type: 'Entity', id: event.data.entityId }],
      });
    case 'InvestigationClosed':
      return invalidationTags({ tenant, objects: [investigation] });
  }
}

function closed(id: string): IntelGraphError {
  return new IntelGraphError('INVESTIGATION_CLOSED', `investigation ${id} is closed`, {
    input: id,
    details: { investigationId: id },
  });
}
