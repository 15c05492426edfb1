import { seg } from "../http";

export const storeImageUrl = (base: string, store: string, id: string): string => `${base}/stores/${seg(store)}/${seg(id)}`;
