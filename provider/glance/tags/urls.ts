import { seg } from "../http";

/** Tags are URL path segments: spaces, slashes and the like are percent-encoded. */
export const imageTagUrl = (base: string, id: string, tag: string): string => `${base}/images/${seg(id)}/tags/${seg(tag)}`;
