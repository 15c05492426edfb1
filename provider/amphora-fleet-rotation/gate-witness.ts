import type { Amphora } from "../octavia/client";

/**
 * Whether an amphora list taken while a failover still runs already proves its gate (every serving amphora on
 * the target image), so that no list is left to wait for once Octavia marks the load balancer ACTIVE.
 *
 * A list taken before ACTIVE shows the amphorae mid-flow and on its own proves nothing. Octavia's failover
 * (get_failover_LB_flow) marks an amphora PENDING_DELETE, builds its replacement from the image the tag names
 * then, allocates it to the load balancer, and does the same for the next one; marking the load balancer ACTIVE is
 * its last task, after every change of its amphorae. So a list proves the gate once that replacement is complete:
 * as many serving amphorae as the load balancer had, none of them one it had before the failover, each ALLOCATED
 * and on the target image. A failover that then ends ACTIVE changes its amphorae no more (extraneous amphorae it
 * deletes would have made the count differ), so the verdict is the one a list after ACTIVE gives. "Had before":
 * the amphorae of the fleet read, and of a list taken once Octavia accepted the failover (from then on no other
 * operation can change them: PENDING_UPDATE refuses it), which holds any amphora another operation made since the
 * fleet read, unless already on its way out. A list that proves nothing, a failed one, or a failover that ends in
 * ERROR leave the gate to a list after the end, as before.
 */
export class GateWitness {
  readonly #before: Set<string>;
  #ready = false;

  /** `before`: the load balancer's serving amphorae in the fleet read; `target`: the image they must all be on. */
  constructor(
    before: readonly string[],
    private readonly count: number,
    private readonly target: string | undefined,
  ) {
    this.#before = new Set(before);
  }

  /** The serving amphorae listed once Octavia accepted the failover (sent after its answer). */
  accepted(amphorae: readonly Amphora[]): void {
    for (const a of amphorae) this.#before.add(a.id);
    this.#ready = true;
  }

  /** Some list can prove the gate (there is a target image and the load balancer had amphorae). */
  get possible(): boolean {
    return this.target !== undefined && this.count > 0;
  }

  /** Lists taken from now on can prove the gate. */
  get ready(): boolean {
    return this.#ready;
  }

  /** True when `amphorae` (the serving ones of a list sent after `accepted`'s) prove the gate. */
  proves(amphorae: readonly Amphora[]): boolean {
    return (
      this.#ready &&
      this.possible &&
      amphorae.length === this.count &&
      amphorae.every((a) => !this.#before.has(a.id) && a.status === "ALLOCATED" && a.image_id === this.target)
    );
  }
}
