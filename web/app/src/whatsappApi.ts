// A WhatsApp conversation's 24-hour reply window and the inbox's templates (issue 5).
import { request, type Message } from "./api";

export interface WhatsAppTemplate {
  name: string;
  language: string;
  /** How many {{n}} parameters its body takes. */
  parameters: number;
}

export interface ReplyWindow {
  /** Whether a free-form reply can be sent now (the customer wrote in the last 24 hours). */
  open: boolean;
  last_customer_message_at: string | null;
  closes_at: string | null;
  templates: WhatsAppTemplate[];
}

export interface TemplateSend {
  name: string;
  language: string;
  parameters: string[];
}

export const whatsappApi = {
  window: (conversationId: number) =>
    request<ReplyWindow>("GET", `/conversations/${conversationId}/whatsapp`),
  sendTemplate: (conversationId: number, body: TemplateSend) =>
    request<Message>("POST", `/conversations/${conversationId}/whatsapp/templates`, body),
};
