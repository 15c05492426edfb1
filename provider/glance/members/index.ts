/**
 * Image sharing (visibility `shared`): the owner adds a project, that project accepts.
 *
 * ```ts
 * await addImageMember(owner, image.id, consumerProjectId);
 * await updateImageMember(consumer, image.id, consumerProjectId, "accepted");
 * ```
 */
export * from "./requests";
export * from "./results";
