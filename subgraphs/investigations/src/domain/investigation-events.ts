/** The events of an investigation's stream (aggregate type `investigation`). */
export type InvestigationEvent =
  | {
      readonly eventType: 'InvestigationCreated';
      readonly data: { tenantId: string; title: string; description: string; createdBy: string; at: string };
    }
  | {
      readonly eventType: 'EntityAdded';
      readonly data: { tenantId: string; entityId: string; addedBy: string; at: string };
    }
  | {
      readonly eventType: 'InvestigationClosed';
      readonly data: { tenantId: string; closedBy: string; at: string };
    };

export const INVESTIGATION_AGGREGATE = 'investigation';

/** The aggregate state a command decides on, folded from the events. */
export interface InvestigationState {
  readonly exists: boolean;
  readonly status: 'OPEN' | 'CLOSED';
  readonly entityIds: ReadonlySet<string>;
}

export const EMPTY_STATE: InvestigationState = { exists: false, status: 'OPEN', entityIds: new Set() };

/** Pure fold: state + event → state. Unknown event types are ignored (forward compatible). */
export function applyEvent(
  state: InvestigationState,
  event: { eventType: string; data: unknown },
): InvestigationState {
  switch (event.eventType) {
    case 'InvestigationCreated':
      return { exists: true, status: 'OPEN', entityIds: new Set() };
    case 'EntityAdded':
      return {
        ...state,
        entityIds: new Set([...state.entityIds, (event.data as { entityId: string }).entityId]),
      };
    case 'InvestigationClosed':
      return { ...state, status: 'CLOSED' };
    default:
      return state;
  }
}
