import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectionDefinitions, pageInfoDefinition } from '../src/index.js';

describe('connection definitions', () => {
  it('declares <Node>Connection and <Node>Edge over the shared PageInfo, as toConnection returns them', () => {
    const sdl = print(parse(`${connectionDefinitions('Note')}${pageInfoDefinition}`));
    expect(sdl).toContain(
      'type NoteConnection @cacheControl(inheritMaxAge: true) {\n  edges: [NoteEdge!]!\n  pageInfo: PageInfo!\n}',
    );
    expect(sdl).toContain(
      'type NoteEdge @cacheControl(inheritMaxAge: true) {\n  cursor: String!\n  node: Note!\n}',
    );
    expect(sdl).toContain('type PageInfo @shareable @cacheControl(inheritMaxAge: true) {');
  });

  it('refuses a name that is not a type name', () => {
    expect(() => connectionDefinitions('note } type X {')).toThrow(/not a type name/);
  });
});
