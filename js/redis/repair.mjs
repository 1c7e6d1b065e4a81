// Anti-entropy: copies every record and tombstone of every reachable server to the other
// replicas of its shard, in SCAN batches (bounded memory, incremental), "unless the copy there
// wins" (see the sync script), so a tombstone is never overwritten and an older copy never
// replaces a newer one.
import { READ_FIELDS } from './lua.mjs';
import { parseRead } from './records.mjs';

/** Repairs `store` once; resolves with counts {servers, scanned, copied}. */
export async function repairAll(store, { batch = 200 } = {}) {
  const stats = { servers: 0, scanned: 0, copied: 0 };
  const keyStart = store.prefix.length + 2; // `<prefix>s:`
  for (const node of store.nodes.values()) {
    if (!node.client.isReady) continue;
    stats.servers++;
    let cursor = '0';
    do {
      const [next, keys] = await node.send(['SCAN', cursor, 'MATCH', `${store.prefix}s:*`, 'COUNT', String(batch)]);
      cursor = String(next);
      const rows = await Promise.all(keys.map((k) => Promise.all([
        node.send(['HMGET', k, ...READ_FIELDS]),
        node.send(['TTL', k]),
      ])));
      const jobs = [];
      keys.forEach((k, i) => {
        const [vals, ttl] = rows[i];
        let copy;
        try {
          copy = parseRead(vals);
        } catch {
          return; // a corrupt record is left for reads to report
        }
        if (copy.kind === 'absent' || !copy.f.sh || !store.nodes.has(copy.f.sh)) return;
        const shard = store.shard(copy.f.sh);
        const id = k.slice(keyStart);
        for (const target of shard.nodes) {
          if (target === node) continue;
          jobs.push(shard.sync(target, id, copy, Number(ttl)).then((r) => {
            if (r === 'copied' || r === 'merged') stats.copied++;
          }));
        }
      });
      await Promise.allSettled(jobs);
      stats.scanned += keys.length;
    } while (cursor !== '0');
  }
  return stats;
}
