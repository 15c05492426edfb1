import { short } from "./plan-line";
import type { RetentionResult } from "./retention";
import type { TagMove } from "./tag-move";

/** The line printed after a create/update: where the tag is now and what happened to every other image. */
export function appliedLine(tag: string, imageId: string, move: TagMove, retention: RetentionResult): string {
  const parts = [`tag "${tag}" is on ${short(imageId)}`];
  if (move.untagged.length) parts.push(`untagged ${move.untagged.map(short).join(", ")}`);
  if (move.oldTagRemoved.length) parts.push(`previous tag removed from ${move.oldTagRemoved.map(short).join(", ")}`);
  if (move.siblings.length) {
    parts.push(
      `left tagged: ${move.siblings.map(short).join(", ")} of another instance of this resource name (a replaced resource the ` +
        `engine deletes next, or a second deployment with the same project, stack and name; Octavia takes the newest)`,
    );
  }
  if (move.foreign.length) {
    parts.push(`not touched (other owners): ${move.foreign.map((f) => `${short(f.id)} of project ${f.owner || "?"}`).join(", ")}`);
  }
  const verbs: Record<string, string> = {
    deactivated: "deactivated by retention",
    deleted: "deleted by retention",
    protected: "kept: protected, never deleted",
    tagged: "kept: still tagged",
    kept: "kept (retention action keep)",
    "in-use": "kept: amphorae boot from it",
    "use-unknown": "kept: Octavia did not say whether amphorae boot from it",
    failed: "retention failed",
  };
  for (const [outcome, verb] of Object.entries(verbs)) {
    const hits = retention.expired.filter((e) => e.outcome === outcome);
    if (hits.length) parts.push(`${hits.map((e) => short(e.id) + (e.detail ? ` (${e.detail})` : "")).join(", ")} ${verb}`);
  }
  if (retention.amphoraUseNote !== undefined) parts.push(retention.amphoraUseNote);
  if (retention.leftovers.length) parts.push(`deleted unfinished ${retention.leftovers.map(short).join(", ")}`);
  if (retention.kept.length) parts.push(`previous kept: ${retention.kept.map(short).join(", ")}`);
  return parts.join("; ");
}
