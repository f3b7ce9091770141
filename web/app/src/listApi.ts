// The conversation list's own endpoints: view counts, read marks, bulk actions, saved views
// and labels (for the label filter).
import { request, type Conversation, type Problem } from "./api";
import type { ViewFilters } from "./listFilter";

export interface ViewCounts {
  mine: number;
  unassigned: number;
  my_teams: number;
  all: number;
  mentions: number;
}

export interface ReadMark {
  conversation_id: number;
  last_read_at: string;
  unread: boolean;
}

export type BulkAction =
  | { type: "assign"; assignee_id?: number | null; team_id?: number | null }
  | { type: "add_label"; label: string }
  | { type: "resolve" };

export interface BulkItemResult {
  id: number;
  ok: boolean;
  conversation: Conversation | null;
  problem: Pick<Problem, "status" | "title" | "detail"> | null;
}

export interface SavedView {
  id: number;
  name: string;
  filters: ViewFilters;
  created_at: string;
  updated_at: string;
}

export interface Label {
  id: number;
  name: string;
  color: string;
}

/** The most conversations one bulk request may name. */
export const BULK_MAX = 100;

function query(params: [string, string][]): string {
  const text = new URLSearchParams(params).toString();
  return text ? `?${text}` : "";
}

export const listApi = {
  counts: (params: [string, string][]) =>
    request<ViewCounts>("GET", `/conversations/counts${query(params)}`),
  markRead: (id: number) => request<ReadMark>("POST", `/conversations/${id}/read`),
  bulk: (ids: number[], action: BulkAction) =>
    request<{ results: BulkItemResult[] }>("POST", "/conversations/bulk", { ids, action }),
  views: () => request<SavedView[]>("GET", "/views"),
  createView: (name: string, filters: ViewFilters) =>
    request<SavedView>("POST", "/views", { name, filters }),
  deleteView: (id: number) => request<undefined>("DELETE", `/views/${id}`),
  labels: () => request<Label[]>("GET", "/labels"),
};
