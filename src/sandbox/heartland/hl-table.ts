/** An id-keyed, insertion-ordered table of records, with Heartland-style integer ids from 100001. */
export class HlTable<T extends { id: number }> {
  readonly rows = new Map<number, T>();
  private nextId: number;

  constructor(firstId = 100001) {
    this.nextId = firstId;
  }

  allocateId(): number {
    return this.nextId++;
  }

  insert(make: (id: number) => T): T {
    const row = make(this.allocateId());
    this.rows.set(row.id, row);
    return row;
  }

  get(id: number): T | undefined {
    return this.rows.get(id);
  }

  delete(id: number): boolean {
    return this.rows.delete(id);
  }

  all(): T[] {
    return Array.from(this.rows.values());
  }

  where(pred: (row: T) => boolean): T[] {
    const out: T[] = [];
    for (const row of this.rows.values()) if (pred(row)) out.push(row);
    return out;
  }

  get size(): number {
    return this.rows.size;
  }
}
