import type { GlanceClient } from "../client";
import { requestJson } from "../http";
import { ImageTasks, type Task } from "./results";
import { imageTasksUrl } from "./urls";

/** `GET /v2/images/{id}/tasks`: the image's import tasks (newest first, as Glance orders them). */
export async function listImageTasks(c: GlanceClient, id: string): Promise<Task[]> {
  return (await requestJson(c, "GET", imageTasksUrl(await c.baseUrl(), id), ImageTasks)).tasks;
}
