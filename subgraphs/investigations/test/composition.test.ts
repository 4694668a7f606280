import { composeServices } from '@apollo/composition';
import { entitiesTypeDefs } from '@intelgraph/entities-subgraph';
import { describe, expect, it } from 'vitest';
import { investigationsTypeDefs } from '../src/index.js';
import { composeSampleSupergraph } from './supergraph.js';

describe('the three subgraphs compose (@apollo/composition)', () => {
  const result = composeSampleSupergraph();
  const sdl = result.supergraphSdl ?? '';

  it('compose without errors or hints that matter', () => {
    expect(result.errors).toBeUndefined();
    expect(sdl).toContain('join__Graph');
  });

  it('use @key on every entity type, owned where the design says', () => {
    expect(sdl).toMatch(/type User\s[^{]*@join__type\(graph: ACCOUNTS, key: "id"\)/);
    expect(sdl).toMatch(/type User\s[^{]*@join__type\(graph: ENTITIES, key: "id"\)/);
    expect(sdl).toMatch(/type User\s[^{]*@join__type\(graph: INVESTIGATIONS, key: "id", resolvable: false\)/);
    expect(sdl).toMatch(
      /type Entity\s[^{]*@join__type\(graph: ENTITIES, key: "id"\)[^{]*@join__type\(graph: INVESTIGATIONS, key: "id"\)/,
    );
    expect(sdl).toMatch(/type Investigation\s[^{]*@join__type\(graph: INVESTIGATIONS, key: "id"\)/);
  });

  it('carry @requires/@external and @shareable into the supergraph', () => {
    expect(sdl).toMatch(/entitySummary: String! @join__field\(graph: ENTITIES, requires: "name"\)/);
    expect(sdl).toMatch(
      /name: String! @join__field\(graph: ACCOUNTS\) @join__field\(graph: ENTITIES, external: true\)/,
    );
    expect(sdl).toMatch(
      /type PageInfo[^{]*@join__type\(graph: ACCOUNTS\)[^{]*@join__type\(graph: ENTITIES\)[^{]*@join__type\(graph: INVESTIGATIONS\)/,
    );
  });

  it('fails without accounts: @requires of an @external field nobody provides', () => {
    const broken = composeServices([
      { name: 'entities', typeDefs: entitiesTypeDefs, url: 'http://e.invalid' },
      { name: 'investigations', typeDefs: investigationsTypeDefs, url: 'http://i.invalid' },
    ]);
    expect(broken.errors?.length).toBeGreaterThan(0);
  });
});
