// The reply box's calls: a message with files (multipart) and the desk's message limits.
import { request, type Message } from "./api";
import { DEFAULT_LIMITS, type MessageLimits } from "./attachments";

let limits: Promise<MessageLimits> | null = null;

export const replyApi = {
  /** Post a reply or a private note with files, as multipart/form-data. */
  postWithFiles: (id: number, body: { content: string; private: boolean; files: readonly File[] }) => {
    const form = new FormData();
    form.append("content", body.content);
    form.append("private", String(body.private));
    for (const file of body.files) form.append("files", file, file.name);
    return request<Message>("POST", `/conversations/${id}/messages`, form);
  },
  limits: () => request<MessageLimits>("GET", "/messages/limits"),
};

/** The desk's limits, asked once; the defaults when it cannot say (asked again next time). */
export function messageLimits(): Promise<MessageLimits> {
  limits ??= replyApi.limits().catch(() => {
    limits = null;
    return DEFAULT_LIMITS;
  });
  return limits;
}
