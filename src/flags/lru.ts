/**
 * A map bounded to `max` entries that drops the least recently used one (a JS Map iterates in
 * insertion order, so re-inserting on read keeps the oldest first). The API key cache keeps valid
 * and unknown keys in separate instances, so a flood of bad keys cannot push the good ones out.
 */
export class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  /** The value without counting it as a use (it keeps its place; `set` moves it to the end). */
  peek(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max)
      this.#map.delete(this.#map.keys().next().value!);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}
