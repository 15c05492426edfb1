import { seg } from "../http";

export const imageImportUrl = (base: string, id: string): string => `${base}/images/${seg(id)}/import`;
