import { describe, expect, it } from 'vitest';
import { loadOwnById, ownReferenceResolver } from '../src/index.js';

const acme = { tenantId: 'acme', userId: 'acme:u1', scopes: ['read'] };
const rows = new Map([['acme:1', { id: 'acme:1' }]]);

function recordingLoader() {
  const loaded: string[] = [];
  return {
    loaded,
    load: async (id: string) => {
      loaded.push(id);
      return rows.get(id) ?? null;
    },
  };
}

describe('loadOwnById', () => {
  it('loads a row of the caller’s tenant', async () => {
    expect(await loadOwnById(acme, recordingLoader(), 'Note', 'acme:1')).toEqual({ id: 'acme:1' });
  });

  it('answers a missing id and another tenant’s id with the same NOT_FOUND, loading only its own', async () => {
    const loader = recordingLoader();
    const missing = await loadOwnById(acme, loader, 'Note', 'acme:2').catch((e: unknown) => e);
    const foreign = await loadOwnById(acme, loader, 'Note', 'globex:1').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'Note acme:2 not found' });
    expect(foreign).toMatchObject({ code: 'NOT_FOUND', message: 'Note globex:1 not found' });
    expect(loader.loaded).toEqual(['acme:2']);
  });

  it('answers a malformed id with BAD_USER_INPUT', async () => {
    const error = await loadOwnById(acme, recordingLoader(), 'Note', 'no-tenant').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', details: { argument: 'id' } });
  });
});

describe('ownReferenceResolver', () => {
  it('loads references of the caller’s tenant and answers others with null, without loading', async () => {
    const loader = recordingLoader();
    const resolve = ownReferenceResolver((_: { identity: typeof acme }) => loader);
    const ctx = { identity: acme };
    expect(await resolve({ id: 'acme:1' }, ctx)).toEqual({ id: 'acme:1' });
    expect(resolve({ id: 'globex:1' }, ctx)).toBeNull();
    expect(resolve({ id: 'malformed' }, ctx)).toBeNull();
    expect(loader.loaded).toEqual(['acme:1']);
  });
});
