// The English messages: the reference every other language must match key for key.
const en = {
  app: {
    name: "Frontdesk",
  },
  login: {
    title: "Log in to the agent workspace",
    email: "E-mail",
    password: "Password",
    submit: "Log in",
    submitting: "Logging in…",
    failed: "Wrong e-mail or password.",
    error: "Could not log in: {detail}",
  },
  shell: {
    logout: "Log out",
    language: "Language",
    live: "Live",
    offline: "Reconnecting…",
  },
  conversations: {
    title: "Conversations",
    number: "#",
    contact: "Contact",
    status: "Status",
    lastActivity: "Last activity",
    empty: "No conversations yet.",
    loading: "Loading…",
    loadFailed: "Could not load the conversations: {detail}",
  },
  status: {
    bot: "Bot",
    open: "Open",
    pending: "Pending",
    snoozed: "Snoozed",
    resolved: "Resolved",
  },
  language: {
    en: "English",
    ru: "Русский",
  },
};

export default en;
export type Messages = typeof en;
