import { z } from "zod";

/**
 * The settings a session can be configured with, one flat record per source (explicit arguments, Pulumi config,
 * environment, clouds.yaml). Field names are the `@pulumi/openstack` config keys, except that the project is
 * `projectName`/`projectId` (Pulumi's `tenantName`/`tenantId` are read as aliases) and `authType` has no Pulumi
 * key. Every source is converted to this shape first, then the layers are merged (./config.ts).
 */
const optionalText = z.string().optional();

export const RawFieldsSchema = z.object({
  authUrl: optionalText,
  authType: optionalText,
  userName: optionalText,
  userId: optionalText,
  password: optionalText,
  projectName: optionalText,
  projectId: optionalText,
  userDomainName: optionalText,
  userDomainId: optionalText,
  projectDomainName: optionalText,
  projectDomainId: optionalText,
  domainName: optionalText,
  domainId: optionalText,
  defaultDomain: optionalText,
  applicationCredentialId: optionalText,
  applicationCredentialName: optionalText,
  applicationCredentialSecret: optionalText,
  token: optionalText,
  region: optionalText,
  endpointType: optionalText,
  cacertFile: optionalText,
  insecure: z.boolean().optional(),
  cloud: optionalText,
  /** Service type (`image`, `identity`, …) → endpoint URL used instead of the catalog's. */
  endpointOverrides: z.record(z.string(), z.string()).optional(),
});
export type RawFields = z.infer<typeof RawFieldsSchema>;
export type FieldName = keyof RawFields;

/** Explicit arguments: the same fields, but unknown keys are an error (catches typos such as `username`). */
export const SessionInputSchema = RawFieldsSchema.strict();
export type SessionInput = z.input<typeof SessionInputSchema>;

export interface FieldMeta {
  /** Keys in the `openstack` Pulumi config namespace, preferred first. */
  readonly pulumi: readonly string[];
  /** Environment variables, preferred first. */
  readonly env: readonly string[];
  /** Paths inside a clouds.yaml cloud entry, preferred first. */
  readonly clouds: readonly string[];
  /** Never echo the value. */
  readonly secret?: boolean;
}

export const FIELDS: Record<FieldName, FieldMeta> = {
  authUrl: { pulumi: ["authUrl"], env: ["OS_AUTH_URL"], clouds: ["auth.auth_url"] },
  authType: { pulumi: [], env: ["OS_AUTH_TYPE"], clouds: ["auth_type"] },
  userName: { pulumi: ["userName"], env: ["OS_USERNAME"], clouds: ["auth.username"] },
  userId: { pulumi: ["userId"], env: ["OS_USER_ID"], clouds: ["auth.user_id"] },
  password: { pulumi: ["password"], env: ["OS_PASSWORD"], clouds: ["auth.password"], secret: true },
  projectName: {
    pulumi: ["tenantName", "projectName"],
    env: ["OS_PROJECT_NAME", "OS_TENANT_NAME"],
    clouds: ["auth.project_name", "auth.tenant_name"],
  },
  projectId: {
    pulumi: ["tenantId", "projectId"],
    env: ["OS_PROJECT_ID", "OS_TENANT_ID"],
    clouds: ["auth.project_id", "auth.tenant_id"],
  },
  userDomainName: { pulumi: ["userDomainName"], env: ["OS_USER_DOMAIN_NAME"], clouds: ["auth.user_domain_name"] },
  userDomainId: { pulumi: ["userDomainId"], env: ["OS_USER_DOMAIN_ID"], clouds: ["auth.user_domain_id"] },
  projectDomainName: {
    pulumi: ["projectDomainName"],
    env: ["OS_PROJECT_DOMAIN_NAME"],
    clouds: ["auth.project_domain_name"],
  },
  projectDomainId: { pulumi: ["projectDomainId"], env: ["OS_PROJECT_DOMAIN_ID"], clouds: ["auth.project_domain_id"] },
  domainName: { pulumi: ["domainName"], env: ["OS_DOMAIN_NAME"], clouds: ["auth.domain_name"] },
  domainId: { pulumi: ["domainId"], env: ["OS_DOMAIN_ID"], clouds: ["auth.domain_id"] },
  defaultDomain: { pulumi: ["defaultDomain"], env: ["OS_DEFAULT_DOMAIN"], clouds: ["auth.default_domain"] },
  applicationCredentialId: {
    pulumi: ["applicationCredentialId"],
    env: ["OS_APPLICATION_CREDENTIAL_ID"],
    clouds: ["auth.application_credential_id"],
  },
  applicationCredentialName: {
    pulumi: ["applicationCredentialName"],
    env: ["OS_APPLICATION_CREDENTIAL_NAME"],
    clouds: ["auth.application_credential_name"],
  },
  applicationCredentialSecret: {
    pulumi: ["applicationCredentialSecret"],
    env: ["OS_APPLICATION_CREDENTIAL_SECRET"],
    clouds: ["auth.application_credential_secret"],
    secret: true,
  },
  token: { pulumi: ["token"], env: ["OS_TOKEN", "OS_AUTH_TOKEN"], clouds: ["auth.token"], secret: true },
  region: { pulumi: ["region"], env: ["OS_REGION_NAME"], clouds: ["region_name"] },
  endpointType: { pulumi: ["endpointType"], env: ["OS_INTERFACE", "OS_ENDPOINT_TYPE"], clouds: ["interface"] },
  cacertFile: { pulumi: ["cacertFile"], env: ["OS_CACERT"], clouds: ["cacert"] },
  insecure: { pulumi: ["insecure"], env: ["OS_INSECURE"], clouds: ["verify (inverted)", "insecure"] },
  cloud: { pulumi: ["cloud"], env: ["OS_CLOUD"], clouds: [] },
  endpointOverrides: {
    pulumi: ["endpointOverrides"],
    env: ["OS_<SERVICE_TYPE>_ENDPOINT_OVERRIDE"],
    clouds: ["<service_type>_endpoint_override"],
  },
};

/**
 * Name/ID pairs that count as one setting when layers are merged: the highest source that sets either member
 * provides both (so an ID from a low layer never combines with a name from a high one).
 */
export const FIELD_GROUPS: readonly (readonly FieldName[])[] = [
  ["userName", "userId"],
  ["projectName", "projectId"],
  ["userDomainName", "userDomainId"],
  ["projectDomainName", "projectDomainId"],
  ["domainName", "domainId"],
  ["applicationCredentialId", "applicationCredentialName"],
];

/** `openstack:authUrl` style name used at the start of every configuration message. */
export function displayName(field: FieldName): string {
  const key = FIELDS[field].pulumi[0] ?? field;
  return `openstack:${key}`;
}

/**
 * "set it in Pulumi config (openstack:authUrl), OS_AUTH_URL, or a clouds.yaml cloud (auth.auth_url)"; when a cloud
 * is named its `OS_*` variables are not read, so then: "set it in Pulumi config (openstack:authUrl) or in cloud
 * "x" (auth.auth_url in clouds.yaml)" (secrets: secure.yaml first).
 */
export function whereToSet(fields: readonly FieldName[], cloud?: string): string {
  const pulumi = fields.flatMap((f) => FIELDS[f].pulumi.slice(0, 1).map((k) => `openstack:${k}`));
  const env = fields.flatMap((f) => FIELDS[f].env.slice(0, 1));
  const clouds = fields.flatMap((f) => FIELDS[f].clouds.slice(0, 1));
  if (cloud !== undefined) {
    const files = fields.some((f) => FIELDS[f].secret) ? "secure.yaml or clouds.yaml" : "clouds.yaml";
    const inCloud = `in cloud "${cloud}" (${clouds.join(" or ")} in ${files})`;
    return pulumi.length > 0 ? `set it in Pulumi config (${pulumi.join(" or ")}) or ${inCloud}` : `set it ${inCloud}`;
  }
  const parts: string[] = [];
  if (pulumi.length > 0) parts.push(`Pulumi config (${pulumi.join(" or ")})`);
  if (env.length > 0) parts.push(env.join(" or "));
  if (clouds.length > 0) parts.push(`a clouds.yaml cloud (${clouds.join(" or ")})`);
  const last = parts.pop();
  return parts.length > 0 ? `set it in ${parts.join(", ")}, or ${last}` : `set it in ${last ?? "the configuration"}`;
}
