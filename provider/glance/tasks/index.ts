/**
 * Import tasks of an image (`GET /v2/images/{id}/tasks`), where Glance leaves the reason a task failed.
 *
 * ```ts
 * const [latest] = await listImageTasks(glance, id);
 * if (latest?.status === "failure") console.log(latest.message);
 * ```
 */
export * from "./requests";
export * from "./results";
