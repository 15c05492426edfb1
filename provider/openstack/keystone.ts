import type { Http, HttpResponse } from "./http";
import { z } from "zod";
import { CatalogSchema, type Catalog } from "./catalog";
import type { AuthMethod, EntityRef } from "./config-schema";
import { AuthError, HttpError, OpenStackError } from "./errors";
import { redact, Secret } from "./secret";

/**
 * Keystone v3 authentication: `POST /v3/auth/tokens` for passwords, application credentials and token rescoping;
 * `GET /v3/auth/tokens` (validation of a pre-made token, which also returns its catalog).
 */

const NamedSchema = z.looseObject({ id: z.string(), name: z.string().optional() });
export const TokenBodySchema = z.object({
  token: z.looseObject({
    expires_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a date"),
    user: NamedSchema,
    project: NamedSchema.optional(),
    roles: z.array(z.looseObject({ name: z.string() })).optional(),
    catalog: CatalogSchema.optional(),
  }),
});

/** What a successful authentication yields. */
export interface TokenInfo {
  readonly token: Secret;
  readonly expiresAt: Date;
  /** Local clock when the token was obtained (to know its lifetime). */
  readonly obtainedAt: Date;
  readonly userId: string;
  readonly projectId?: string;
  readonly roles: readonly string[];
  readonly catalog: Catalog;
}

function ref(entity: EntityRef): Record<string, unknown> {
  return "id" in entity ? { id: entity.id } : { name: entity.name, domain: entity.domain };
}

/** The `POST /v3/auth/tokens` body. Reveals secrets: only ever sent on the wire. */
export function authRequestBody(auth: AuthMethod): Record<string, unknown> {
  const scope = "project" in auth && auth.project ? { scope: { project: ref(auth.project) } } : {};
  switch (auth.type) {
    case "password":
      return {
        auth: {
          identity: { methods: ["password"], password: { user: { ...ref(auth.user), password: auth.password.reveal() } } },
          ...scope,
        },
      };
    case "applicationCredential": {
      const credential =
        auth.id !== undefined
          ? { id: auth.id }
          : { name: auth.name, ...(auth.user && { user: ref(auth.user) }) };
      return {
        auth: {
          identity: {
            methods: ["application_credential"],
            application_credential: { ...credential, secret: auth.secret.reveal() },
          },
        },
      };
    }
    case "token":
      return { auth: { identity: { methods: ["token"], token: { id: auth.token.reveal() } }, ...scope } };
  }
}

function describeRef(kind: string, entity: EntityRef): string {
  if ("id" in entity) return `${kind} id ${entity.id}`;
  const domain = "id" in entity.domain ? `domain id ${entity.domain.id}` : `domain "${entity.domain.name}"`;
  return `${kind} "${entity.name}" (${domain})`;
}

/** Who is authenticating, for messages: `user "demo" (domain "Default")`, never a secret. */
export function describePrincipal(auth: AuthMethod): string {
  switch (auth.type) {
    case "password":
      return describeRef("user", auth.user);
    case "applicationCredential":
      return auth.id !== undefined
        ? `application credential ${auth.id}`
        : `application credential "${auth.name}"${auth.user ? ` of ${describeRef("user", auth.user)}` : ""}`;
    case "token":
      return "the supplied token";
  }
}

function toTokenInfo(response: HttpResponse, token: string, authUrl: string): TokenInfo {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new AuthError(`Keystone at ${authUrl} answered the token request with a body that is not JSON`);
  }
  const parsed = TokenBodySchema.safeParse(json);
  if (!parsed.success) {
    throw new AuthError(`Keystone at ${authUrl} answered the token request with an unexpected body: ${z.prettifyError(parsed.error)}`);
  }
  const t = parsed.data.token;
  return {
    token: new Secret(token),
    expiresAt: new Date(t.expires_at),
    obtainedAt: new Date(),
    userId: t.user.id,
    ...(t.project && { projectId: t.project.id }),
    roles: (t.roles ?? []).map((r) => r.name),
    catalog: t.catalog ?? [],
  };
}

function secretsOf(auth: AuthMethod): Secret[] {
  switch (auth.type) {
    case "password":
      return [auth.password];
    case "applicationCredential":
      return [auth.secret];
    case "token":
      return [auth.token];
  }
}

function redactedHttpError(err: HttpError, secrets: readonly Secret[]): HttpError {
  return new HttpError(
    {
      status: err.status,
      method: err.method,
      url: err.url,
      serviceMessage: redact(err.serviceMessage, secrets),
      ...(err.requestId !== undefined && { requestId: err.requestId }),
      ...(err.body !== undefined && { body: redact(err.body, secrets) }),
    },
    { cause: err.cause },
  );
}

/** Authenticates with Keystone. Failures answered by Keystone become AuthError; NetworkError passes through. */
export async function authenticate(http: Http, authUrl: string, auth: AuthMethod): Promise<TokenInfo> {
  const url = `${authUrl}/auth/tokens`;
  try {
    if (auth.type === "token" && !auth.project) {
      const token = auth.token.reveal();
      const response = await http.get(url, {
        headers: { "x-auth-token": token, "x-subject-token": token },
        responseType: "text",
      });
      return toTokenInfo(response, token, authUrl);
    }
    const response = await http.post(url, { json: authRequestBody(auth), responseType: "text" });
    const subject = response.headers["x-subject-token"];
    if (typeof subject !== "string" || subject === "") {
      throw new AuthError(`Keystone at ${authUrl} issued no X-Subject-Token for ${describePrincipal(auth)}`);
    }
    return toTokenInfo(response, subject, authUrl);
  } catch (err) {
    if (err instanceof HttpError) {
      // Keystone echoes the token in some messages ("Could not find token: <id>."): redact before reuse.
      const cause = redactedHttpError(err, secretsOf(auth));
      const rid = cause.requestId ? ` [${cause.requestId}]` : "";
      const what = [401, 403, 404].includes(cause.status) ? "authentication failed" : "could not obtain a token";
      throw new AuthError(
        `${what} for ${describePrincipal(auth)} at auth URL ${authUrl}: ${cause.serviceMessage || "no message"} (HTTP ${cause.status})${rid}`,
        cause.status,
        { cause },
      );
    }
    if (err instanceof OpenStackError) throw err;
    throw new AuthError(`could not obtain a token for ${describePrincipal(auth)} at auth URL ${authUrl}`, undefined, {
      cause: err,
    });
  }
}
