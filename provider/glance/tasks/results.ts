import { z } from "zod";

/** Task states: `pending` → `processing` → `success` | `failure`. */
export const TaskStatus = z.enum(["pending", "processing", "success", "failure"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** An import task as listed by `GET /v2/images/{id}/tasks` (API 2.12+). */
export const Task = z.looseObject({
  id: z.string(),
  type: z.string(),
  status: z.union([TaskStatus, z.string()]),
  owner: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  result: z.unknown().optional(),
  input: z.unknown().optional(),
  image_id: z.string().optional(),
  request_id: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().nullable().optional(),
  expires_at: z.string().nullable().optional(),
});
export type Task = z.infer<typeof Task>;

export const ImageTasks = z.looseObject({ tasks: z.array(Task) });
