import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capture, toolEnv } from "../../../builder/capture";
import { ToolError } from "../../../builder/errors";

/**
 * A config drive laid out as Nova writes one (nova/virt/configdrive.py, nova/api/metadata/base.py): an ISO 9660
 * volume labelled `config-2` holding `openstack/latest/{meta_data.json,network_data.json,user_data,...}` and the
 * injected files under `openstack/content/NNNN`, which `meta_data.json` maps to their paths in the guest.
 */

export interface ConfigDriveSpec {
  instanceUuid: string;
  hostname: string;
  /** MAC of the guest's NIC: network_data.json names the link by it, as Neutron's port does. */
  mac: string;
  userData: string;
  /** Guest path → content. */
  files: Record<string, string>;
}

export function metaData(spec: ConfigDriveSpec): Record<string, unknown> {
  return {
    uuid: spec.instanceUuid,
    meta: {},
    hostname: spec.hostname,
    name: spec.hostname,
    launch_index: 0,
    availability_zone: "nova",
    project_id: "00000000000000000000000000000000",
    devices: [],
    files: Object.keys(spec.files).map((p, i) => ({ path: p, content_path: `/content/${String(i).padStart(4, "0")}` })),
  };
}

/** One NIC on DHCP, the way Nova describes a port of a subnet with DHCP enabled. */
export function networkData(mac: string): Record<string, unknown> {
  return {
    links: [{ id: "tap0", type: "ovs", ethernet_mac_address: mac, mtu: 1500, vif_id: "00000000-0000-4000-8000-000000000001" }],
    networks: [{ id: "network0", type: "ipv4_dhcp", link: "tap0", network_id: "00000000-0000-4000-8000-000000000002" }],
    services: [],
  };
}

/** Writes the tree under `dir/tree` and the ISO to `dir/config-drive.iso`; returns the ISO's path. */
export async function makeConfigDrive(dir: string, spec: ConfigDriveSpec): Promise<string> {
  const tree = path.join(dir, "config-drive");
  const latest = path.join(tree, "openstack", "latest");
  const content = path.join(tree, "openstack", "content");
  await fs.mkdir(latest, { recursive: true, mode: 0o700 });
  await fs.mkdir(content, { recursive: true, mode: 0o700 });
  const json = (v: unknown): string => JSON.stringify(v);
  await fs.writeFile(path.join(latest, "meta_data.json"), json(metaData(spec)));
  await fs.writeFile(path.join(latest, "network_data.json"), json(networkData(spec.mac)));
  await fs.writeFile(path.join(latest, "user_data"), spec.userData);
  await fs.writeFile(path.join(latest, "vendor_data.json"), "{}");
  await fs.writeFile(path.join(latest, "vendor_data2.json"), "{}");
  const contents = Object.values(spec.files);
  for (let i = 0; i < contents.length; i++) {
    await fs.writeFile(path.join(content, String(i).padStart(4, "0")), contents[i] ?? "", { mode: 0o600 });
  }
  const iso = path.join(dir, "config-drive.iso");
  // Nova's genisoimage flags, through xorriso's emulation of it.
  const args = ["-as", "genisoimage", "-o", iso, "-ldots", "-allow-lowercase", "-allow-multidot", "-l", "-quiet", "-J", "-r", "-V", "config-2", tree];
  let r = await capture("xorriso", args, { timeoutMs: 60_000, env: toolEnv() });
  // xorriso 1.5.4 (Debian bookworm) has crashed on an unchanged tree (its own handler reports UNIX-SIGNAL SIGSEGV and
  // ABORTs): a crash, not a verdict on the tree, so it is run once more. Any other failure is final.
  if (r.exitCode !== 0 && crashed(r.stderr)) r = await capture("xorriso", args, { timeoutMs: 60_000, env: toolEnv() });
  if (r.exitCode !== 0) throw new ToolError("xorriso", `cannot write the config drive (rc ${r.exitCode}): ${r.stderr.trim().slice(0, 500)}`);
  return iso;
}

const crashed = (stderr: string): boolean => /UNIX-SIGNAL:\s+SIG(SEGV|BUS|ABRT)\b/.test(stderr);
