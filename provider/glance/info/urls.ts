export const importInfoUrl = (base: string): string => `${base}/info/import`;
export const storesInfoUrl = (base: string): string => `${base}/info/stores`;
