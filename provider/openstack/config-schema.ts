import { z } from "zod";
import { Secret } from "./secret";

/**
 * The validated, merged session configuration: what `OpenStackSession.create()` takes and
 * `resolveSessionConfig()` returns. Credentials are `Secret`s (printed as `***`).
 */
export const SecretSchema = z.instanceof(Secret);

export const EndpointInterfaceSchema = z.enum(["public", "internal", "admin"]);

/** A domain by ID or by name. */
export const DomainRefSchema = z.union([z.object({ id: z.string().min(1) }), z.object({ name: z.string().min(1) })]);
export type DomainRef = z.infer<typeof DomainRefSchema>;

/** A user or project: by ID, or by name within a domain. */
export const EntityRefSchema = z.union([
  z.object({ id: z.string().min(1) }),
  z.object({ name: z.string().min(1), domain: DomainRefSchema }),
]);
export type EntityRef = z.infer<typeof EntityRefSchema>;

export const PasswordAuthSchema = z.object({
  type: z.literal("password"),
  user: EntityRefSchema,
  password: SecretSchema,
  /** Project scope; without it Keystone scopes to the user's default project, if any. */
  project: EntityRefSchema.optional(),
});

export const ApplicationCredentialAuthSchema = z
  .object({
    type: z.literal("applicationCredential"),
    id: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    /** Owner of the credential; needed when it is referred to by name. */
    user: EntityRefSchema.optional(),
    secret: SecretSchema,
  })
  .refine((a) => a.id !== undefined || (a.name !== undefined && a.user !== undefined), {
    message: "an application credential needs an id, or a name and its user",
  });

export const TokenAuthSchema = z.object({
  type: z.literal("token"),
  token: SecretSchema,
  /** When set, the token is exchanged for one scoped to this project; otherwise it is used as it is. */
  project: EntityRefSchema.optional(),
});

export const AuthSchema = z.discriminatedUnion("type", [
  PasswordAuthSchema,
  ApplicationCredentialAuthSchema,
  TokenAuthSchema,
]);
export type AuthMethod = z.infer<typeof AuthSchema>;
export type AuthKind = AuthMethod["type"];

export const SessionConfigSchema = z.object({
  /** Keystone v3 URL, always ending in `/v3`, no trailing slash. */
  authUrl: z.url({ protocol: /^https?$/ }),
  auth: AuthSchema,
  region: z.string().min(1).optional(),
  interface: EndpointInterfaceSchema.default("public"),
  /** Service type → endpoint URL, replacing the catalog's. */
  endpointOverrides: z.record(z.string(), z.url({ protocol: /^https?$/ })).default({}),
  cacertFile: z.string().min(1).optional(),
  insecure: z.boolean().default(false),
  /** The clouds.yaml cloud that was loaded, if any. */
  cloud: z.string().optional(),
  /** `OS_*` variables that were set but not read because a cloud is named (names only), for the warning. */
  ignoredEnvironment: z.array(z.string()).default([]),
  /** Where each setting came from (labels such as `OS_AUTH_URL`), for messages. Never holds values. */
  sources: z.record(z.string(), z.string()).default({}),
});
export type SessionConfig = z.output<typeof SessionConfigSchema>;
export type SessionConfigInput = z.input<typeof SessionConfigSchema>;
