// What the website chat widget told the desk about the visitor of a conversation.
import { request } from "./api";

export interface PageView {
  url: string;
  title: string;
  at: string | null;
}

export interface Visitor {
  identified: boolean;
  identifier: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  consent_at: string | null;
  followup_email: string | null;
  current_url: string | null;
  page_title: string;
  referrer: string | null;
  browser: string;
  user_agent: string;
  language: string | null;
  pages: PageView[];
  first_seen_at: string;
  last_seen_at: string;
}

export const webchatApi = {
  visitor: (conversationId: number) =>
    request<Visitor>("GET", `/conversations/${conversationId}/visitor`),
};
