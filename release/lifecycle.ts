/**
 * Revision lifecycle. In Multiple revision mode Azure keeps every revision active (each with its
 * minimum replicas, billed) until it is deactivated. After a deploy, promotion or rollback settles,
 * every active revision that is in neither slot and gets no traffic is deactivated: at most two
 * revisions per app stay active, the live one and the idle slot's (the candidate, or the rollback
 * target). Deactivated revisions stay listed (up to `maxInactiveRevisions`) and can be activated
 * again; a rollback does that before it sends traffic.
 *
 * Why not the `Labels` revision mode (`configuration.targetLabel`, Azure deactivating unlabeled
 * revisions by itself): it is a preview API version, it moves a label to each new revision as it is
 * created (the engine wants a candidate at 0% under its own label first) and the Pulumi provider's
 * default API version does not expose it. Multiple mode with explicit deactivation keeps the same
 * bound with the GA API.
 */
import { AppRef, ReleaseDeps } from "./ports";

/**
 * Deactivates every active revision that is not in `keep` and has no traffic weight. Returns the
 * names it deactivated. A failure is reported, not thrown: a leftover active revision costs money,
 * it does not hurt traffic, and the next release retries.
 */
export async function deactivateSuperseded(
  deps: ReleaseDeps,
  ref: AppRef,
  keep: readonly string[],
): Promise<string[]> {
  const done: string[] = [];
  let revisions;
  try {
    revisions = await deps.azure.listRevisions(ref);
  } catch (err) {
    deps.report.error(`warning: could not list revisions to deactivate: ${(err as Error).message}`);
    return done;
  }
  for (const revision of revisions) {
    if (!revision.active || keep.includes(revision.name) || revision.trafficWeight > 0) {
      continue;
    }
    try {
      await deps.azure.deactivate(ref, revision.name);
      done.push(revision.name);
    } catch (err) {
      deps.report.error(
        `warning: could not deactivate superseded revision ${revision.name}: ${(err as Error).message}`,
      );
    }
  }
  if (done.length > 0) {
    deps.report.info(`deactivated superseded revisions: ${done.join(", ")}`);
  }
  return done;
}
