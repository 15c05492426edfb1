import { z } from "zod";

export const MemberStatus = z.enum(["pending", "accepted", "rejected"]);
export type MemberStatus = z.infer<typeof MemberStatus>;

/** A project an image is shared with (visibility `shared`). */
export const Member = z.looseObject({
  image_id: z.string(),
  member_id: z.string(),
  status: MemberStatus,
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  schema: z.string().optional(),
});
export type Member = z.infer<typeof Member>;

export const MemberList = z.looseObject({ members: z.array(Member) });
