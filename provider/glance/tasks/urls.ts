import { seg } from "../http";

export const imageTasksUrl = (base: string, id: string): string => `${base}/images/${seg(id)}/tasks`;
