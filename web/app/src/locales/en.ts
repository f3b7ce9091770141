// The English messages: the reference every other language must match key for key.
import * as contact from "./contact";
import * as list from "./list";
import * as reply from "./reply";
import * as settings from "./settings";
import * as presence from "./presence";
import * as channels from "./channels";
import * as webchat from "./webchat";
import * as whatsapp from "./whatsapp";
import * as widget from "./widget";
import * as webhooks from "./webhooks";
import * as attributes from "./attributes";
import * as portal from "./portal";
import * as deliveries from "./deliveries";

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
    loadMore: "Load more",
    loadingMore: "Loading…",
    loadFailed: "Could not load the conversations: {detail}",
  },
  views: {
    label: "Views",
    mine: "Mine",
    unassigned: "Unassigned",
    all: "All",
  },
  filters: {
    status: "Status",
    inbox: "Inbox",
    allInboxes: "All inboxes",
    priority: "Priority",
    type: "Type",
    any: "Any",
    sort: "Sort",
  },
  sort: {
    last_activity: "Last activity",
    newest: "Newest",
    longest_waiting: "Longest waiting",
  },
  conversationType: {
    question: "Question",
    order: "Order",
    complaint: "Complaint",
    other: "Other",
  },
  conversation: {
    back: "All conversations",
    title: "Conversation #{number}",
    loading: "Loading the conversation…",
    loadFailed: "Could not load the conversation: {detail}",
    assignee: "Assignee: {name}",
    unassigned: "Unassigned",
    snoozedUntil: "Snoozed until {time}",
    resolve: "Resolve",
    reopen: "Reopen",
    actionFailed: "That did not work: {detail}",
    loadOlder: "Load older messages",
    loadingOlder: "Loading…",
    empty: "No messages yet.",
    note: "Private note",
    bot: "Bot",
    attachment: "Attachment: {name}",
    someone: "Someone",
    user: "User #{id}",
    system: {
      assigned: "{actor} assigned the conversation to {assignee}",
      unassigned: "{actor} unassigned the conversation",
      teamAssigned: "{actor} handed the conversation to team #{team}",
      statusChanged: "{actor} changed the status from {from} to {to}",
      labelsChanged: "{actor} set the labels: {labels}",
      labelsCleared: "{actor} removed all labels",
      participantAdded: "{actor} invited {user}",
      participantRemoved: "{actor} removed {user}",
      other: "{actor}: {text}",
      desk: "The desk",
    },
  },
  actions: {
    agent: "Agent",
    team: "Team",
    noTeam: "No team",
    priority: "Priority",
    snooze: "Snooze…",
    pending: "Set pending",
    type: "Type",
    labels: "Labels",
    findLabel: "Find a label",
    noLabels: "No labels. An admin adds them in Settings.",
    labelsFailed: "Could not load the labels.",
    removeLabel: "Remove the label {label}",
    invite: "Invite a colleague…",
    removeParticipant: "Remove {name} from the conversation",
  },
  snooze: {
    hour: "For 1 hour",
    tomorrow: "Until tomorrow 9:00",
    monday: "Until next Monday 9:00",
    date: "Until a date…",
    apply: "Snooze",
    cancel: "Cancel",
    future: "Pick a time in the future.",
  },
  priority: {
    low: "Low",
    normal: "Normal",
    high: "High",
    urgent: "Urgent",
  },
  delivery: {
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    failed: "Not delivered",
    pending: "Sending…",
  },
  reply: reply.en,
  list: list.en,
  contact: contact.en,
  settings: settings.en,
  presence: presence.en,
  channels: channels.en,
  webchat: webchat.en,
  whatsapp: whatsapp.en,
  widget: widget.en,
  webhooks: webhooks.en,
  attributes: attributes.en,
  portal: portal.en,
  deliveries: deliveries.en,
  status: {
    bot: "Bot",
    open: "Open",
    pending: "Pending",
    snoozed: "Snoozed",
    resolved: "Resolved",
  },
  shortcuts: {
    title: "Keyboard shortcuts",
    dismiss: "Close",
    close: "Close the conversation",
    next: "Next conversation",
    previous: "Previous conversation",
    reply: "Write a reply",
    note: "Write a private note",
    resolve: "Resolve",
    reopen: "Reopen",
    assignToMe: "Assign to me",
    labels: "Labels",
    snooze: "Snooze",
    help: "Show these shortcuts",
  },
  language: {
    en: "English",
    ru: "Русский",
  },
};

export default en;
export type Messages = typeof en;
