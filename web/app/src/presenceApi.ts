// Presence and the current user's profile: GET /presence, GET/PATCH /profile,
// PUT /profile/availability.
import { request, type Role } from "./api";

export type Availability = "online" | "away" | "offline";
export const AVAILABILITIES: readonly Availability[] = ["online", "away", "offline"];

export function isAvailability(value: unknown): value is Availability {
  return typeof value === "string" && (AVAILABILITIES as readonly string[]).includes(value);
}

/** What colleagues see of a user; `version` grows with every change (keep the larger). */
export interface Presence {
  user_id: number;
  status: Availability;
  version: number;
}

export interface Profile {
  id: number;
  email: string;
  name: string;
  role: Role;
  time_zone: string;
  language: string;
  /** What the user chose (shown to colleagues only while they have the app open). */
  availability: Availability;
  is_active: boolean;
}

/** A field left out stays as it is. */
export interface ProfileChange {
  name?: string;
  language?: string;
  time_zone?: string;
}

export const presenceApi = {
  list: () => request<Presence[]>("GET", "/presence"),
  profile: () => request<Profile>("GET", "/profile"),
  updateProfile: (change: ProfileChange) => request<Profile>("PATCH", "/profile", change),
  setAvailability: (availability: Availability) =>
    request<Profile>("PUT", "/profile/availability", { availability }),
};
