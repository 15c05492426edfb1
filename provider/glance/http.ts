/**
 * @internal Small request helpers shared by the API areas: send, check the body against a zod schema,
 * and turn a mismatch into an UnexpectedResponseError. HTTP failures come from the session's HTTP client
 * already mapped to HttpError/NetworkError.
 */
import type { Method } from "../openstack/http";
import { z } from "zod";
import type { GlanceClient } from "./client";
import { UnexpectedResponseError } from "./errors";

export interface SendOptions {
  json?: Record<string, unknown> | readonly unknown[];
  /** Raw body (used for JSON patch, which needs its own content type). */
  body?: string;
  headers?: Record<string, string>;
}

function send(c: GlanceClient, method: Method, url: string, options: SendOptions) {
  return c.http(url, {
    method,
    responseType: "text",
    ...(options.json !== undefined ? { json: options.json as Record<string, unknown> } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

/** Sends a request and parses the JSON answer with `schema`. */
export async function requestJson<S extends z.ZodType>(
  c: GlanceClient,
  method: Method,
  url: string,
  schema: S,
  options: SendOptions = {},
): Promise<z.output<S>> {
  const res = await send(c, method, url, options);
  return parseBody(schema, res.body, method, res.url || url);
}

/** Sends a request whose answer has no useful body (204, or Glance's empty text/html 202). */
export async function requestVoid(c: GlanceClient, method: Method, url: string, options: SendOptions = {}): Promise<void> {
  await send(c, method, url, options);
}

/** Parses a JSON text with a schema; failures name the request and what did not match. */
export function parseBody<S extends z.ZodType>(schema: S, text: string, method: string, url: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new UnexpectedResponseError(`answer is not JSON: ${text.slice(0, 200)}`, method, url, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new UnexpectedResponseError(`unexpected answer: ${z.prettifyError(parsed.error)}`, method, url, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Encodes one path segment (image ids, tags, store ids). */
export const seg = (value: string): string => encodeURIComponent(value);
