import { seg } from "../http";

export const imageFileUrl = (base: string, id: string): string => `${base}/images/${seg(id)}/file`;
export const imageStageUrl = (base: string, id: string): string => `${base}/images/${seg(id)}/stage`;
