/**
 * Tables of the stored shard map, in a metadata database of their own (`SHARD_MAP_URL`), as
 * numbered migrations applied once each under an advisory lock. Only additive changes go here.
 *
 * - `topology`: one row, the map's version (bumped by every change, under the row's lock, so
 *   changes are serialised) and the ring's inputs (strategy, virtual nodes).
 * - `shards`: every shard with its primary and replicas, its state and the order it was added in.
 * - `placements`: tenants that do not (or not yet) live where the ring puts them: pins and moves.
 * - `changes`: the history, one row per version.
 * - `instances`: each service instance following the map, and the version it has applied (a
 *   move waits for every live instance before it deletes what it moved).
 * - `footprint`: the sharded tables each service registered at start (what a move copies).
 * - `moves`: progress of tenant moves, so a crashed move resumes where it stopped.
 */
export const SHARD_MAP_SCHEMA = 'intelgraph_shard_map';

export function shardMapMigrations(schema: string): readonly string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.topology (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       version bigint NOT NULL,
       strategy text NOT NULL CHECK (strategy IN ('hash')),
       virtual_nodes integer NOT NULL CHECK (virtual_nodes > 0),
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.shards (
       id text PRIMARY KEY,
       name text,
       primary_url text NOT NULL,
       replica_urls text[] NOT NULL DEFAULT '{}',
       region text,
       state text NOT NULL CHECK (state IN ('active', 'pending', 'draining')),
       position integer NOT NULL,
       added_version bigint NOT NULL
     );
     CREATE TABLE ${s}.placements (
       tenant text PRIMARY KEY,
       shard_id text NOT NULL REFERENCES ${s}.shards (id),
       state text NOT NULL CHECK (state IN ('pinned', 'moving', 'fenced')),
       target_shard_id text REFERENCES ${s}.shards (id),
       move_id text,
       updated_version bigint NOT NULL
     );
     CREATE TABLE ${s}.changes (
       version bigint PRIMARY KEY,
       description text NOT NULL,
       detail jsonb NOT NULL DEFAULT '{}'::jsonb,
       changed_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.instances (
       instance_id text PRIMARY KEY,
       service text NOT NULL,
       applied_version bigint NOT NULL,
       started_at timestamptz NOT NULL DEFAULT now(),
       seen_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE ${s}.footprint (
       service text NOT NULL,
       table_name text NOT NULL,
       kind text NOT NULL CHECK (kind IN ('rows', 'events', 'streams', 'snapshots', 'outbox')),
       key_column text NOT NULL,
       primary_key text[] NOT NULL,
       registered_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (service, table_name)
     );
     CREATE TABLE ${s}.moves (
       id text PRIMARY KEY,
       tenant text NOT NULL,
       source_shard_id text NOT NULL,
       target_shard_id text NOT NULL,
       phase text NOT NULL,
       copied_rows bigint NOT NULL DEFAULT 0,
       detail jsonb NOT NULL DEFAULT '{}'::jsonb,
       error text,
       started_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       finished_at timestamptz
     );
     CREATE UNIQUE INDEX moves_one_open_per_tenant ON ${s}.moves (tenant) WHERE finished_at IS NULL;`,
  ];
}
