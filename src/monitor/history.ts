/** A bounded history of one process: the newest `capacity` points, oldest first. */
import type { HistoryPoint } from './types.js';

export class History {
  #points: HistoryPoint[] = [];
  #start = 0;
  constructor(readonly capacity: number) {}

  push(p: HistoryPoint): void {
    if (this.capacity <= 0) return;
    if (this.#points.length < this.capacity) {
      this.#points.push(p);
      return;
    }
    // A ring: overwrite the oldest, no array shifting per sample.
    this.#points[this.#start] = p;
    this.#start = (this.#start + 1) % this.capacity;
  }

  toArray(): HistoryPoint[] {
    return [...this.#points.slice(this.#start), ...this.#points.slice(0, this.#start)];
  }
}
