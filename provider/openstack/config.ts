/**
 * Resolving the session configuration from all sources.
 *
 * ## Precedence
 *
 * Sources, highest first. Merging is field by field (each setting comes from the highest source that sets it),
 * with one exception, the named-cloud rule below. Empty strings count as unset.
 *
 * | # | Source | How it is given | Notes |
 * |---|--------|-----------------|-------|
 * | 1 | Explicit arguments | `resolveSessionConfig({ authUrl, userName, … })` | unknown keys are an error |
 * | 2 | Pulumi config, `openstack` namespace | `openstack:authUrl`, `openstack:userName`, `openstack:tenantName`, … (the `@pulumi/openstack` keys) | `projectName`/`projectId` are accepted as aliases of `tenantName`/`tenantId`; `endpointOverrides` is a JSON map |
 * | 3 | Environment | `OS_AUTH_URL`, `OS_USERNAME`, `OS_PROJECT_NAME`/`OS_TENANT_NAME`, … | `OS_<TYPE>_ENDPOINT_OVERRIDE` per service; **not read when a cloud is named** (only `OS_CLOUD` is) |
 * | 4 | clouds.yaml + secure.yaml | the cloud named by `cloud` / `OS_CLOUD` | only loaded when a cloud is named at levels 1–3 (the highest naming wins); secure.yaml overrides clouds.yaml key by key |
 *
 * Rules on top of the table:
 * - **The named-cloud rule**: when a cloud is named (explicit `cloud`, `openstack:cloud` or `OS_CLOUD`), it is
 *   taken as a whole: no `OS_*` variable patches it, not even `OS_PASSWORD` (a password belongs in secure.yaml).
 *   Only `OS_CLOUD` (choosing the cloud) and `OS_CLIENT_CONFIG_FILE`/`OS_CLIENT_SECURE_FILE` (locating the
 *   files) are read. Explicit arguments and Pulumi config still override the cloud field by field. The ignored
 *   variables are listed by name in `ignoredEnvironment`; the session warns about them once when created.
 *   (As openstacksdk and gophercloud do: environment variables describe a cloud of their own, not a patch.)
 * - **Name/ID pairs are one setting**: user (`userName`/`userId`), project, user domain, project domain, domain
 *   and application credential (`applicationCredentialId`/`Name`) are each taken as a pair from the highest
 *   source that sets either member. When both name and ID are set there, the ID is used.
 * - **Credential kind**: `authType` (`OS_AUTH_TYPE`, clouds.yaml `auth_type`; `password`, `v3password`,
 *   `v3applicationcredential`, `token`, `v3token`) decides when set. Otherwise the highest source that sets a
 *   token, an application credential or a password decides; one source setting two kinds is an error.
 *   Settings of the other kinds are ignored (application credentials also ignore the project: they carry their own).
 * - **Domains** default in this order: `userDomain*`/`projectDomain*`, then `domainName`/`domainId`, then
 *   `defaultDomain` (an ID), then the domain with ID `default`.
 * - **Two names for one setting in one source** (`OS_PROJECT_NAME` and `OS_TENANT_NAME`, `openstack:tenantName`
 *   and `openstack:projectName`, `OS_TOKEN` and `OS_AUTH_TOKEN`, `OS_INTERFACE` and `OS_ENDPOINT_TYPE`) must agree.
 * - `authUrl` gets `/v3` appended when it has no version (`/v2.0` is replaced). `endpointType` accepts
 *   `public`, `internal`, `admin` and `publicURL`-style names; default `public`. `insecure` defaults to false.
 */
import { z } from "zod";
import { findCloudsFiles, cloudLayer, type CloudsFiles } from "./clouds-yaml";
import { displayName, FIELDS, RawFieldsSchema, whereToSet, type FieldName, type SessionInput } from "./config-fields";
import {
  envCloudLayer,
  envLayer,
  envSettingNames,
  explicitLayer,
  pulumiLayer,
  type ConfigLayer,
  type PulumiConfigGetter,
} from "./config-layers";
import { chooseAuthKind, highest, mergeLayers } from "./config-merge";
import { SessionConfigSchema, type SessionConfig } from "./config-schema";
import { ConfigError } from "./errors";
import { toSessionConfigInput } from "./config-build";

type Env = Readonly<Record<string, string | undefined>>;

const MergedSchema = z
  .object({
    values: RawFieldsSchema,
    sources: z.record(z.string(), z.string()),
    kind: z.enum(["password", "applicationCredential", "token"]),
    kindSource: z.string().optional(),
    ignoredEnvironment: z.array(z.string()),
  })
  .superRefine((m, ctx) => {
    const named = m.values.cloud === undefined ? undefined : { cloud: m.values.cloud, by: m.sources.cloud ?? "cloud" };
    const missing = missingReporter(named, m.ignoredEnvironment);
    for (const problem of missingSettings(m.values, m.kind, m.kindSource, missing)) {
      ctx.addIssue({ code: "custom", path: ["values", problem.field], message: problem.message });
    }
  })
  .transform(toSessionConfigInput)
  .pipe(SessionConfigSchema);

type Missing = (fields: readonly FieldName[], why?: string) => { field: FieldName; message: string };

/**
 * Phrases "X is missing: set it in …". With a named cloud it points at the cloud and Pulumi config, and says when
 * the environment does set the field but is ignored (the classic: `OS_PASSWORD` beside a cloud without one).
 */
function missingReporter(named: { cloud: string; by: string } | undefined, ignored: readonly string[]): Missing {
  return (fields, why = "") => {
    const [first, ...alternatives] = fields as [FieldName, ...FieldName[]];
    const alt = alternatives.length > 0 ? ` (or ${alternatives.map(displayName).join(" / ")})` : "";
    const unread = fields.flatMap((f) => FIELDS[f].env).filter((name) => ignored.includes(name));
    const hint =
      named && unread.length > 0
        ? `; ${unread.join(", ")} ${unread.length > 1 ? "are" : "is"} set but ignored because cloud "${named.cloud}" ` +
          `is named (by ${named.by}): a named cloud is taken as a whole`
        : "";
    return {
      field: first,
      message: `${displayName(first)}${alt} is missing${why}: ${whereToSet(fields, named?.cloud)}${hint}`,
    };
  };
}

function missingSettings(
  v: z.infer<typeof RawFieldsSchema>,
  kind: SessionConfig["auth"]["type"],
  kindSource: string | undefined,
  missing: Missing,
): { field: FieldName; message: string }[] {
  const problems: { field: FieldName; message: string }[] = [];
  const because = kindSource ? ` (auth type ${kind} chosen by ${kindSource})` : "";
  if (v.authUrl === undefined) problems.push(missing(["authUrl"]));
  if (kind === "password") {
    if (v.userName === undefined && v.userId === undefined) problems.push(missing(["userName", "userId"], because));
    if (v.password === undefined) problems.push(missing(["password"], because));
  } else if (kind === "applicationCredential") {
    if (v.applicationCredentialSecret === undefined) problems.push(missing(["applicationCredentialSecret"], because));
    if (v.applicationCredentialId === undefined && v.applicationCredentialName === undefined) {
      problems.push(missing(["applicationCredentialId", "applicationCredentialName"], because));
    } else if (v.applicationCredentialId === undefined && v.userName === undefined && v.userId === undefined) {
      problems.push(missing(["userName", "userId"], " (an application credential given by name needs its user)"));
    }
  } else if (v.token === undefined) {
    problems.push(missing(["token"], because));
  }
  return problems;
}

/** SessionConfig keys that are named differently from the raw field they come from. */
const RAW_FIELD: Readonly<Record<string, FieldName>> = { interface: "endpointType" };

function describeIssue(issue: z.core.$ZodIssue, sources: Readonly<Record<string, string>>): string {
  const [head = "", second] = issue.path.map(String);
  if (head === "values") return issue.message; // already phrased by missingSettings
  if (head === "endpointOverrides") {
    const key = `endpointOverrides.${second ?? ""}`;
    const from = sources[key] ? ` (from ${sources[key]})` : "";
    return `openstack:${key}${from} must be an http(s) URL`;
  }
  const field = RAW_FIELD[head] ?? head;
  const name = field in FIELDS ? displayName(field as FieldName) : `openstack:${field}`;
  const from = sources[field] ? ` (from ${sources[field]})` : "";
  if (head === "authUrl") return `${name}${from} must be an http(s) URL`;
  if (head === "interface") return `${name}${from} must be public, internal or admin (publicURL style names work too)`;
  return `${name}${from}: ${issue.message}`;
}

/** The set `OS_*` variables a named cloud makes unread: all session settings, and `OS_CLOUD` naming another. */
function ignoredByNamedCloud(env: Env, cloud: string): string[] {
  const otherCloud = envCloudLayer(env).values.cloud;
  return [...envSettingNames(env), ...(otherCloud !== undefined && otherCloud !== cloud ? ["OS_CLOUD"] : [])];
}

/**
 * The one warning line for `OS_*` variables left unread because a cloud is named, or undefined when there are
 * none. Names only, never values.
 */
export function ignoredEnvironmentWarning(config: SessionConfig): string | undefined {
  const names = config.ignoredEnvironment;
  if (names.length === 0) return undefined;
  const by = config.sources.cloud === undefined ? "" : ` by ${config.sources.cloud}`;
  return (
    `WARNING: OpenStack cloud "${config.cloud ?? "?"}" is named${by}, so ${names.join(", ")} ` +
    `${names.length > 1 ? "are" : "is"} ignored: a named cloud is taken as a whole from clouds.yaml/secure.yaml ` +
    `(unset ${names.length > 1 ? "them" : "it"}, or name no cloud to use the environment).`
  );
}

/**
 * Merges explicit arguments, Pulumi config, `OS_*` variables and clouds.yaml (see the table above) and validates
 * the result. Pure when `cloudsFiles` is given; otherwise the standard clouds.yaml/secure.yaml search path is
 * read, and only if a cloud is named. Throws `ConfigError` naming each missing or invalid setting and its source.
 */
export function resolveSessionConfig(
  explicit?: SessionInput,
  pulumiGet?: PulumiConfigGetter,
  env: Env = process.env,
  cloudsFiles?: CloudsFiles,
): SessionConfig {
  const high = [explicitLayer(explicit), pulumiLayer(pulumiGet)];
  const cloud = highest([...high, envCloudLayer(env)], "cloud");
  const layers: ConfigLayer[] = cloud
    ? [...high, envCloudLayer(env), cloudLayer(cloud.value, cloudsFiles ?? findCloudsFiles(env), cloud.source)]
    : [...high, envLayer(env)];
  const ignoredEnvironment = cloud ? ignoredByNamedCloud(env, cloud.value) : [];
  const merged = mergeLayers(layers);
  const { kind, source: kindSource } = chooseAuthKind(layers);
  const result = MergedSchema.safeParse({ ...merged, kind, kindSource, ignoredEnvironment });
  if (!result.success) {
    const messages = [...new Set(result.error.issues.map((i) => describeIssue(i, merged.sources)))];
    throw new ConfigError(
      messages.length === 1 ? (messages[0] as string) : `OpenStack configuration is invalid: ${messages.join("; ")}`,
    );
  }
  return result.data;
}
