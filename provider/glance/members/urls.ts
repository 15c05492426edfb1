import { seg } from "../http";

export const membersUrl = (base: string, id: string): string => `${base}/images/${seg(id)}/members`;
export const memberUrl = (base: string, id: string, member: string): string => `${base}/images/${seg(id)}/members/${seg(member)}`;
