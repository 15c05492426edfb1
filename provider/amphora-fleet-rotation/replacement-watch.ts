import type { Amphora } from "../octavia/client";
import type { GateWitness } from "./gate-witness";
import type { PollClock } from "./poll";

/**
 * Watches a failing-over load balancer's amphorae until a list proves its replacement complete (gate-witness.ts).
 * Then its gate is decided before Octavia marks it ACTIVE (no list is left to wait for after the end), and its end
 * can be expected from there: after the replacement only the flow's last tasks remain (configuring the new
 * amphorae), whose time varies far less than the whole failover's, so the polls gather there (poll.ts); while the
 * watch runs, a failover that ends ACTIVE cannot have ended, so the load balancer is polled only every
 * `pollSeconds` (for an ERROR). An amphora list costs Octavia less than half of a load balancer read (17 against
 * 41 ms on the local one).
 *
 * One list as soon as Octavia accepted the failover (the witness's "before"), then, from `firstMs` after it (and
 * once `begin` resolves), one every `everyMs`, `max` at most, until one proves it or `stop`. A failed list ends the
 * watch: the gate is then left to the list after the end, as before.
 */
export class ReplacementWatch {
  #provenAt: number | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  #watching = true;
  readonly #wakes = new Set<() => void>();
  readonly #stop = new AbortController();

  constructor(
    private readonly list: () => Promise<Amphora[]>,
    private readonly witness: GateWitness,
    private readonly clock: PollClock,
    private readonly pace: { firstMs: number; everyMs: number; max: number; begin: Promise<void> },
  ) {
    void this.#run().finally(() => {
      this.#watching = false;
      for (const wake of this.#wakes) wake();
    });
  }

  /** Lists may still prove the replacement complete (the watch has not ended). */
  watching(): boolean {
    return this.#watching;
  }

  /** Clock time the list that proved the replacement complete was answered. */
  provenAt(): number | undefined {
    return this.#provenAt;
  }

  /** Calls `wake` when the watch ends (the replacement proven complete, or not); returns the way to stop waiting. */
  onEnd(wake: () => void): () => void {
    this.#wakes.add(wake);
    return () => void this.#wakes.delete(wake);
  }

  /** No list starts from now on. */
  stop(): void {
    this.#stopped = true;
    this.#stop.abort();
  }

  /** Whether the gate is proven, once the list in flight (if any) is answered. */
  async proven(): Promise<boolean> {
    await this.#inFlight;
    return this.#provenAt !== undefined;
  }

  async #listed(): Promise<Amphora[] | undefined> {
    const answer = this.list().then(
      (amphorae) => amphorae,
      () => undefined,
    );
    this.#inFlight = answer.then(() => undefined);
    return answer;
  }

  async #run(): Promise<void> {
    if (!this.witness.possible) return;
    const before = await this.#listed();
    if (before === undefined) return;
    this.witness.accepted(before);
    const stopped = new Promise<void>((resolve) => this.#stop.signal.addEventListener("abort", () => resolve()));
    await Promise.race([this.pace.begin, stopped]);
    let delay = this.pace.firstMs;
    for (let n = 0; n < this.pace.max && !this.#stopped; n++) {
      try {
        await this.clock.sleep(delay, this.#stop.signal);
      } catch {
        return;
      }
      if (this.#stopped) return;
      const amphorae = await this.#listed();
      if (amphorae === undefined) return;
      if (this.witness.proves(amphorae)) {
        this.#provenAt = this.clock.now();
        return;
      }
      delay = this.pace.everyMs;
    }
  }
}
