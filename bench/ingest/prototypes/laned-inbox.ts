/**
 * PROTOTYPE (bench only) — several group-commit lanes instead of one.
 *
 * The shipped inbox commits one batch at a time: batch N+1 cannot start before batch N is durable. Here
 * an event goes to lane `hash(entityKey) % lanes`; each lane is the shipped serial inbox (createInbox),
 * lanes run side by side. Events of one entity always share a lane, so their order is kept (DESIGN §4
 * "order per entity"); duplicates of one event share its entity, hence its lane.
 * - PostgreSQL: lanes commit on different pool connections at the same time (the server fsyncs them
 *   together);
 * - SQLite with the async-fsync writer: lane B commits while lane A waits for its fdatasync, and one
 *   fdatasync covers both (pipelining). With the shipped synchronous writer lanes change nothing.
 */
import { createInbox, type Inbox, type InboxOptions } from '../../../src/engine/inbox.js';

export function createLanedInbox(options: InboxOptions & { lanes: number }): Inbox {
  const lanes = Array.from({ length: Math.max(1, options.lanes) }, () => createInbox(options));
  const laneOf = (key: string): Inbox => {
    let h = 2166136261;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
    return lanes[(h >>> 0) % lanes.length] as Inbox;
  };
  return {
    ingest: (input) => laneOf(input.entityKey ?? input.dedupeKey).ingest(input),
    async flush() {
      await Promise.all(lanes.map((l) => l.flush()));
    },
  };
}
