import { randomUUID } from 'node:crypto';
import { ErrorCode, type ErrorCodeNumber } from '../protocol/error-codes.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinResult {
  errorCode: ErrorCodeNumber;
  generationId: number;
  protocol: string;
  leaderId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: ErrorCodeNumber;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  lastHeartbeat: number;
  pendingJoin: ((result: JoinResult) => void) | undefined;
  pendingSync: ((result: SyncResult) => void) | undefined;
}

export interface CommittedOffset {
  offset: bigint;
  metadata: string | null;
}

const EMPTY = Buffer.alloc(0);

/**
 * One consumer group and its rebalance protocol, as Kafka's GroupCoordinator runs it:
 *
 *  Empty/Stable --join--> PreparingRebalance --all known members rejoined, or the rebalance
 *  timeout removed the rest--> CompletingRebalance (new generation; the leader alone receives the
 *  member list) --leader's SyncGroup carries the assignment--> Stable.
 *
 * Members already in the group learn of a rebalance from their next Heartbeat
 * (REBALANCE_IN_PROGRESS) and rejoin; a member that stops heartbeating for its session timeout is
 * removed, which starts a rebalance that hands its partitions to the others.
 */
export class ConsumerGroup {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leaderId: string | null = null;
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  private readonly members = new Map<string, Member>();
  private readonly pendingMemberIds = new Set<string>();
  private rebalanceTimer: NodeJS.Timeout | undefined;

  constructor(readonly groupId: string) {}

  get size(): number {
    return this.members.size;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  join(request: JoinRequest, apiVersion: number): Promise<JoinResult> {
    const failure = (errorCode: ErrorCodeNumber, memberId = request.memberId): Promise<JoinResult> =>
      Promise.resolve({ errorCode, generationId: -1, protocol: '', leaderId: '', memberId, members: [] });
    if (this.members.size > 0 && request.protocolType !== this.protocolType) {
      return failure(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const others = [...this.members.values()].filter((m) => m.memberId !== request.memberId);
    if (
      others.length > 0 &&
      this.commonProtocols([...others, { protocols: request.protocols }]).length === 0
    ) {
      return failure(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (request.memberId === '') {
      const memberId = `${request.clientId}-${randomUUID()}`;
      if (apiVersion >= 4) {
        // KIP-394: hand out the id first; the member joins for real with it.
        this.pendingMemberIds.add(memberId);
        return failure(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      request = { ...request, memberId };
    } else if (!this.members.has(request.memberId) && !this.pendingMemberIds.delete(request.memberId)) {
      return failure(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    return new Promise((resolve) => {
      const existing = this.members.get(request.memberId);
      existing?.pendingJoin?.({ ...emptyJoin(request.memberId), errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
      this.members.set(request.memberId, {
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        clientId: request.clientId,
        clientHost: request.clientHost,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        assignment: existing?.assignment ?? EMPTY,
        lastHeartbeat: Date.now(),
        pendingJoin: resolve,
        pendingSync: undefined,
      });
      this.protocolType = request.protocolType;
      if (this.state !== 'PreparingRebalance') this.prepareRebalance();
      else this.tryCompleteJoin();
    });
  }

  sync(memberId: string, generationId: number, assignments: Map<string, Buffer>): Promise<SyncResult> {
    const member = this.members.get(memberId);
    if (!member) return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (generationId !== this.generationId) {
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    }
    if (this.state === 'PreparingRebalance') {
      return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    member.lastHeartbeat = Date.now();
    if (this.state === 'Stable')
      return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    return new Promise((resolve) => {
      member.pendingSync = resolve;
      if (memberId !== this.leaderId) return;
      for (const m of this.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
      this.state = 'Stable';
      for (const m of this.members.values()) {
        const reply = m.pendingSync;
        m.pendingSync = undefined;
        m.lastHeartbeat = Date.now();
        reply?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
      }
    });
  }

  heartbeat(memberId: string, generationId: number): ErrorCodeNumber {
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    member.lastHeartbeat = Date.now();
    return this.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(memberId: string): ErrorCodeNumber {
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.remove(member);
    return ErrorCode.NONE;
  }

  /** Removes members whose session expired (members waiting on a join or sync are alive). */
  expireMembers(now: number): void {
    for (const member of [...this.members.values()]) {
      if (member.pendingJoin || member.pendingSync) continue;
      if (now - member.lastHeartbeat > member.sessionTimeoutMs) this.remove(member);
    }
  }

  /** Whether an offset commit from this member/generation may be applied now. */
  canCommit(memberId: string, generationId: number): ErrorCodeNumber {
    if (generationId < 0 && memberId === '') {
      return this.members.size === 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    if (!this.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  commit(topic: string, partition: number, committed: CommittedOffset): void {
    let partitions = this.offsets.get(topic);
    if (!partitions) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    partitions.set(partition, committed);
  }

  describe(): {
    state: GroupState;
    protocolType: string;
    protocol: string;
    members: {
      memberId: string;
      clientId: string;
      clientHost: string;
      metadata: Buffer;
      assignment: Buffer;
    }[];
  } {
    return {
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocol: this.state === 'Stable' ? (this.protocol ?? '') : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    };
  }

  /** Fails every waiting request; used when the broker stops. */
  shutdown(): void {
    clearTimeout(this.rebalanceTimer);
    for (const member of this.members.values()) {
      member.pendingJoin?.({ ...emptyJoin(member.memberId), errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
      member.pendingSync?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY });
    }
    this.members.clear();
    this.state = 'Dead';
  }

  private remove(member: Member): void {
    this.members.delete(member.memberId);
    member.pendingJoin?.({ ...emptyJoin(member.memberId), errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    member.pendingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (this.leaderId === member.memberId) this.leaderId = null;
    if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
    else if (this.members.size === 0) {
      this.generationId += 1;
      this.state = 'Empty';
      this.protocol = null;
    } else this.prepareRebalance();
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        const reply = m.pendingSync;
        m.pendingSync = undefined;
        reply?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    this.state = 'PreparingRebalance';
    const timeout = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(), timeout);
    this.rebalanceTimer.unref();
    this.tryCompleteJoin();
  }

  private onRebalanceTimeout(): void {
    if (this.state !== 'PreparingRebalance') return;
    for (const member of [...this.members.values()]) {
      if (!member.pendingJoin) this.members.delete(member.memberId);
    }
    this.completeJoin();
  }

  private tryCompleteJoin(): void {
    if ([...this.members.values()].every((m) => m.pendingJoin)) this.completeJoin();
  }

  private completeJoin(): void {
    clearTimeout(this.rebalanceTimer);
    this.generationId += 1;
    if (this.members.size === 0) {
      this.state = 'Empty';
      this.protocol = null;
      this.leaderId = null;
      return;
    }
    const members = [...this.members.values()];
    this.protocol = this.selectProtocol(members);
    if (!this.leaderId || !this.members.has(this.leaderId)) this.leaderId = (members[0] as Member).memberId;
    this.state = 'CompletingRebalance';
    const protocol = this.protocol;
    const roster = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY,
    }));
    for (const member of members) {
      const reply = member.pendingJoin;
      member.pendingJoin = undefined;
      member.lastHeartbeat = Date.now();
      reply?.({
        errorCode: ErrorCode.NONE,
        generationId: this.generationId,
        protocol,
        leaderId: this.leaderId,
        memberId: member.memberId,
        members: member.memberId === this.leaderId ? roster : [],
      });
    }
  }

  private commonProtocols(members: { protocols: { name: string }[] }[]): string[] {
    const [first, ...rest] = members;
    if (!first) return [];
    return first.protocols
      .map((p) => p.name)
      .filter((name) => rest.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** Each member votes for its most preferred protocol that all members support. */
  private selectProtocol(members: Member[]): string {
    const candidates = this.commonProtocols(members);
    const votes = new Map<string, number>();
    for (const member of members) {
      const choice = member.protocols.find((p) => candidates.includes(p.name))?.name;
      if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? candidates[0] ?? '';
  }
}

function emptyJoin(memberId: string): JoinResult {
  return { errorCode: ErrorCode.NONE, generationId: -1, protocol: '', leaderId: '', memberId, members: [] };
}
