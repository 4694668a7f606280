/** One Dockerfile instruction, continuation lines joined. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the build stage (FROM) it belongs to. */
  readonly stage: number;
}

/** Splits a Dockerfile into instructions (comments and parser directives dropped). */
export function parseDockerfile(text: string): DockerInstruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  let stage = -1;
  return logical.map((l) => {
    const space = l.search(/\s/);
    const keyword = (space === -1 ? l : l.slice(0, space)).toUpperCase();
    if (keyword === 'FROM') stage++;
    return { keyword, args: space === -1 ? '' : l.slice(space + 1).trim(), stage };
  });
}
