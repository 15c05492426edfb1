/**
 * Imported first by run.ts: the bench runs compiled from node_modules/.cache/, where test/support/cloud.ts would
 * not find <repo>/.local-openstack by itself.
 */
import * as path from "node:path";
import { repoRoot } from "./paths";

process.env.LOCAL_OPENSTACK_DIR ??= path.join(repoRoot(), ".local-openstack");
