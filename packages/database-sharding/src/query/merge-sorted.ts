type Row = Record<string, unknown>;

/**
 * k-way merge of per-shard lists that are each sorted by `compare`: a binary min-heap of list
 * heads, O(total · log k). Skips `offset` rows and stops after `limit`. Ties keep shard order
 * (the heap compares shard index last), so the result is deterministic.
 */
export function mergeSorted(
  lists: readonly Row[][],
  compare: (a: Row, b: Row) => number,
  offset = 0,
  limit = Infinity,
): Row[] {
  const heads: Array<{ list: number; index: number }> = [];
  const less = (a: { list: number; index: number }, b: { list: number; index: number }): boolean => {
    const c = compare(lists[a.list]![a.index]!, lists[b.list]![b.index]!);
    return c < 0 || (c === 0 && a.list < b.list);
  };
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heads[i]!, heads[parent]!)) return;
      [heads[i], heads[parent]] = [heads[parent]!, heads[i]!];
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heads.length && less(heads[l]!, heads[m]!)) m = l;
      if (r < heads.length && less(heads[r]!, heads[m]!)) m = r;
      if (m === i) return;
      [heads[i], heads[m]] = [heads[m]!, heads[i]!];
      i = m;
    }
  };
  lists.forEach((list, i) => {
    if (list.length > 0) {
      heads.push({ list: i, index: 0 });
      up(heads.length - 1);
    }
  });
  const out: Row[] = [];
  let skipped = 0;
  while (heads.length > 0 && out.length < limit) {
    const top = heads[0]!;
    const row = lists[top.list]![top.index]!;
    if (skipped < offset) skipped++;
    else out.push(row);
    if (top.index + 1 < lists[top.list]!.length) {
      heads[0] = { list: top.list, index: top.index + 1 };
    } else {
      heads[0] = heads[heads.length - 1]!;
      heads.pop();
    }
    if (heads.length > 0) down(0);
  }
  return out;
}
