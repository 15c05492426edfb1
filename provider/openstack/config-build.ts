import type { RawFields } from "./config-fields";
import type { AuthKind, DomainRef, EntityRef, SessionConfigInput } from "./config-schema";
import { Secret } from "./secret";

/** Turns merged flat fields into the structured session config (validated afterwards by SessionConfigSchema). */

const INTERFACE_ALIASES: Readonly<Record<string, "public" | "internal" | "admin">> = {
  public: "public",
  publicurl: "public",
  internal: "internal",
  internalurl: "internal",
  admin: "admin",
  adminurl: "admin",
};

/** `public`, `internal`, `admin` and the keystone v2 style `publicURL`/`internalURL`/`adminURL`. */
export function normalizeInterface(raw: string): "public" | "internal" | "admin" | undefined {
  return INTERFACE_ALIASES[raw.trim().toLowerCase()];
}

/** Keystone v3 URL: no trailing slash, `/v3` appended when there is no version, `/v2.0` replaced. */
export function normalizeAuthUrl(raw: string): string {
  const url = raw.trim().replace(/\/+$/, "");
  if (/\/v3$/.test(url)) return url;
  if (/\/v2\.0$/.test(url)) return url.replace(/\/v2\.0$/, "/v3");
  return `${url}/v3`;
}

function domainFor(kind: "user" | "project", v: RawFields): DomainRef {
  const id = kind === "user" ? v.userDomainId : v.projectDomainId;
  const name = kind === "user" ? v.userDomainName : v.projectDomainName;
  if (id !== undefined) return { id };
  if (name !== undefined) return { name };
  if (v.domainId !== undefined) return { id: v.domainId };
  if (v.domainName !== undefined) return { name: v.domainName };
  return { id: v.defaultDomain ?? "default" };
}

function entity(kind: "user" | "project", v: RawFields): EntityRef | undefined {
  const id = kind === "user" ? v.userId : v.projectId;
  const name = kind === "user" ? v.userName : v.projectName;
  if (id !== undefined) return { id };
  if (name !== undefined) return { name, domain: domainFor(kind, v) };
  return undefined;
}

function authFor(kind: AuthKind, v: RawFields): SessionConfigInput["auth"] {
  const user = entity("user", v);
  const project = entity("project", v);
  switch (kind) {
    case "password":
      return {
        type: "password",
        user: user as EntityRef,
        password: new Secret(v.password ?? ""),
        ...(project && { project }),
      };
    case "applicationCredential":
      return {
        type: "applicationCredential",
        ...(v.applicationCredentialId !== undefined
          ? { id: v.applicationCredentialId }
          : { name: v.applicationCredentialName as string, ...(user && { user }) }),
        secret: new Secret(v.applicationCredentialSecret ?? ""),
      };
    case "token":
      return { type: "token", token: new Secret(v.token ?? ""), ...(project && { project }) };
  }
}

export function toSessionConfigInput(m: {
  values: RawFields;
  sources: Record<string, string>;
  kind: AuthKind;
  ignoredEnvironment: string[];
}): SessionConfigInput {
  const v = m.values;
  const iface = v.endpointType === undefined ? "public" : normalizeInterface(v.endpointType);
  return {
    authUrl: normalizeAuthUrl(v.authUrl ?? ""),
    auth: authFor(m.kind, v),
    ...(v.region !== undefined && { region: v.region }),
    // An unknown interface is passed through as-is so that the schema reports it with its source.
    interface: (iface ?? v.endpointType) as "public",
    endpointOverrides: Object.fromEntries(
      Object.entries(v.endpointOverrides ?? {}).map(([type, url]) => [type, url.replace(/\/+$/, "")]),
    ),
    ...(v.cacertFile !== undefined && { cacertFile: v.cacertFile }),
    insecure: v.insecure ?? false,
    ...(v.cloud !== undefined && { cloud: v.cloud }),
    ignoredEnvironment: m.ignoredEnvironment,
    sources: m.sources,
  };
}
