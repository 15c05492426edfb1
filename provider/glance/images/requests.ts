import type { GlanceClient } from "../client";
import { GlanceInputError, isStatus } from "../errors";
import { requestJson, requestVoid } from "../http";
import { IMAGE_PATCH_CONTENT_TYPE, type ImagePatchOp } from "./patch";
import { CORE_IMAGE_ATTRIBUTES, Image, ImagePage, type ImageStatus, type ImageVisibility } from "./results";
import { imageActionUrl, imagesUrl, imageUrl, nextPageUrl } from "./urls";

/** Glance's disk formats (its default `[image_format] disk_formats`). */
export const DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];
/** Glance's container formats (its default `[image_format] container_formats`). */
export const CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"] as const;
export type ContainerFormat = (typeof CONTAINER_FORMATS)[number];

export interface CreateImageOptions {
  /** Let Glance choose unless given (a UUID). */
  id?: string;
  name?: string;
  diskFormat?: DiskFormat;
  containerFormat?: ContainerFormat;
  /** Glance's default is `shared`. */
  visibility?: ImageVisibility;
  protected?: boolean;
  /** `os_hidden`: hide from default image lists. */
  hidden?: boolean;
  tags?: readonly string[];
  minDisk?: number;
  minRam?: number;
  /** Custom properties (strings only; keys must not be core attributes or `os_glance_*`). */
  properties?: Readonly<Record<string, string>>;
}

/** gophercloud's ToImageCreateMap: options → request body. */
export function toCreateImageBody(opts: CreateImageOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts.properties ?? {})) {
    if (CORE_IMAGE_ATTRIBUTES.has(key)) throw new GlanceInputError(`Property '${key}' is a core image attribute; use its option`);
    body[key] = value;
  }
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) body[key] = value;
  };
  set("id", opts.id);
  set("name", opts.name);
  set("disk_format", opts.diskFormat);
  set("container_format", opts.containerFormat);
  set("visibility", opts.visibility);
  set("protected", opts.protected);
  set("os_hidden", opts.hidden);
  set("tags", opts.tags ? [...opts.tags] : undefined);
  set("min_disk", opts.minDisk);
  set("min_ram", opts.minRam);
  return body;
}

/** `POST /v2/images` → 201. The image starts `queued`, without data. */
export async function createImage(c: GlanceClient, opts: CreateImageOptions): Promise<Image> {
  return requestJson(c, "POST", imagesUrl(await c.baseUrl()), Image, { json: toCreateImageBody(opts) });
}

/** `GET /v2/images/{id}`; 404 (HttpError) when missing or not visible to the project. */
export async function getImage(c: GlanceClient, id: string): Promise<Image> {
  return requestJson(c, "GET", imageUrl(await c.baseUrl(), id), Image);
}

/**
 * The one "is it there" question: the image, or undefined when Glance answers 404 (deleted, or never visible to
 * this session's project: a 404 alone cannot tell which). An image in a gone status (`isGoneStatus`) is returned
 * as it is.
 */
export async function findImage(c: GlanceClient, id: string): Promise<Image | undefined> {
  try {
    return await getImage(c, id);
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

/** `PATCH /v2/images/{id}` with a list of JSON-patch ops (see ./patch.ts). Returns the updated image. */
export async function updateImage(c: GlanceClient, id: string, ops: readonly ImagePatchOp[]): Promise<Image> {
  return requestJson(c, "PATCH", imageUrl(await c.baseUrl(), id), Image, {
    body: JSON.stringify(ops),
    headers: { "content-type": IMAGE_PATCH_CONTENT_TYPE },
  });
}

/**
 * `DELETE /v2/images/{id}` → 204. Protected images answer 403.
 *
 * Caution (verified on Zed): a non-admin deleting a `deactivated` image gets 204 but Glance hides the
 * locations of deactivated images from non-admins, so the data stays in the store for good. Reactivate
 * first (or delete with an admin token).
 */
export async function deleteImage(c: GlanceClient, id: string): Promise<void> {
  await requestVoid(c, "DELETE", imageUrl(await c.baseUrl(), id));
}

/**
 * Deletes an image and its data: a `deactivated` image is reactivated first when the token is not admin, since
 * Glance would otherwise leave its data in the store (see deleteImage).
 */
export async function deleteImageAndData(c: GlanceClient, image: { id: string; status: string }): Promise<void> {
  if (image.status === "deactivated" && !c.isAdmin) await reactivateImage(c, image.id);
  await deleteImage(c, image.id);
}

/** `POST /v2/images/{id}/actions/deactivate` → 204 (admin or owner, depending on policy). */
export async function deactivateImage(c: GlanceClient, id: string): Promise<void> {
  await requestVoid(c, "POST", imageActionUrl(await c.baseUrl(), id, "deactivate"));
}

/** `POST /v2/images/{id}/actions/reactivate` → 204. */
export async function reactivateImage(c: GlanceClient, id: string): Promise<void> {
  await requestVoid(c, "POST", imageActionUrl(await c.baseUrl(), id, "reactivate"));
}

export interface SortKey {
  key: string;
  dir?: "asc" | "desc";
}

export interface ListImagesOptions {
  /** Repeatable; several tags are an AND filter. */
  tag?: string | readonly string[];
  owner?: string;
  status?: ImageStatus;
  visibility?: ImageVisibility | "all";
  /** `os_hidden`: hidden images are left out unless this is true. */
  osHidden?: boolean;
  memberStatus?: "accepted" | "pending" | "rejected" | "all";
  /** Exact name, or Glance's `in:"a,b"` operator syntax. */
  name?: string;
  /** `"name:desc,created_at"` or a list of keys. */
  sort?: string | readonly SortKey[];
  /** Page size, 1–1000 (Glance's `api_limit_max` default). */
  limit?: number;
  /** Start after this image id. */
  marker?: string;
  /** Further raw filters (`size_min`, `created_at=gt:...`, custom properties). */
  filters?: Readonly<Record<string, string>>;
}

export const MAX_PAGE_SIZE = 1000;

/** Options → query string (tag repeated, sort joined). */
export function toListImagesQuery(opts: ListImagesOptions): URLSearchParams {
  const q = new URLSearchParams();
  const tags = typeof opts.tag === "string" ? [opts.tag] : opts.tag ?? [];
  for (const t of tags) q.append("tag", t);
  if (opts.owner !== undefined) q.set("owner", opts.owner);
  if (opts.status !== undefined) q.set("status", opts.status);
  if (opts.visibility !== undefined) q.set("visibility", opts.visibility);
  if (opts.osHidden !== undefined) q.set("os_hidden", String(opts.osHidden));
  if (opts.memberStatus !== undefined) q.set("member_status", opts.memberStatus);
  if (opts.name !== undefined) q.set("name", opts.name);
  if (opts.sort !== undefined) {
    q.set("sort", typeof opts.sort === "string" ? opts.sort : opts.sort.map((s) => (s.dir ? `${s.key}:${s.dir}` : s.key)).join(","));
  }
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_PAGE_SIZE) {
      throw new GlanceInputError(`limit must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${opts.limit}`);
    }
    q.set("limit", String(opts.limit));
  }
  if (opts.marker !== undefined) q.set("marker", opts.marker);
  for (const [k, v] of Object.entries(opts.filters ?? {})) q.set(k, v);
  return q;
}

/** Non-empty pages of `GET /v2/images`, following the `next` links until the last page. */
export async function* listImagePages(c: GlanceClient, opts: ListImagesOptions = {}): AsyncGenerator<ImagePage> {
  const version = await c.version();
  const query = toListImagesQuery(opts).toString();
  let url: string | undefined = `${imagesUrl(version.baseUrl)}${query ? `?${query}` : ""}`;
  while (url !== undefined) {
    const page: ImagePage = await requestJson(c, "GET", url, ImagePage);
    // Glance links a further page after a full last one; that page comes back empty and is not yielded.
    if (page.images.length === 0) return;
    yield page;
    url = page.next ? nextPageUrl(version.rootUrl, page.next) : undefined;
  }
}

/** Every image matching the filters, lazily, across pages: `for await (const i of listImages(c, {tag}))`. */
export async function* listImages(c: GlanceClient, opts: ListImagesOptions = {}): AsyncGenerator<Image> {
  for await (const page of listImagePages(c, opts)) yield* page.images;
}

/** All matching images in one array (use `listImages` for large sets). */
export async function listAllImages(c: GlanceClient, opts: ListImagesOptions = {}): Promise<Image[]> {
  const all: Image[] = [];
  for await (const image of listImages(c, opts)) all.push(image);
  return all;
}
