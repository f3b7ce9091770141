import { createRouter, createWebHistory } from "vue-router";

import { useSessionStore } from "./stores/session";
import ConversationView from "./views/ConversationView.vue";
import LoginView from "./views/LoginView.vue";
import ShellView from "./views/ShellView.vue";

export const router = createRouter({
  history: createWebHistory("/app/"),
  routes: [
    { path: "/login", name: "login", component: LoginView },
    {
      // The shell (header, websocket, list) stays while conversations open beside the list.
      path: "/",
      component: ShellView,
      meta: { requiresAuth: true },
      children: [
        { path: "", name: "home", component: { render: () => null } },
        { path: "conversations/:id(\\d+)", name: "conversation", component: ConversationView },
      ],
    },
    {
      // Admin settings, loaded only when opened; anyone else is sent back to the conversations.
      path: "/settings",
      component: () => import("./views/settings/SettingsView.vue"),
      meta: { requiresAuth: true },
      beforeEnter: () => (useSessionStore().me?.role === "admin" ? true : { name: "home" }),
      children: [
        { path: "", name: "settings", redirect: { name: "settings-inboxes" } },
        { path: "inboxes", name: "settings-inboxes", component: () => import("./views/settings/SettingsInboxes.vue") },
        { path: "teams", name: "settings-teams", component: () => import("./views/settings/SettingsTeams.vue") },
        { path: "users", name: "settings-users", component: () => import("./views/settings/SettingsUsers.vue") },
        { path: "labels", name: "settings-labels", component: () => import("./views/settings/SettingsLabels.vue") },
        { path: "canned", name: "settings-canned", component: () => import("./views/settings/SettingsCanned.vue") },
        { path: "webhooks", name: "settings-webhooks", component: () => import("./views/settings/WebhooksSettings.vue") },
        { path: "attributes", name: "settings-attributes", component: () => import("./views/settings/SettingsAttributes.vue") },
        { path: "deliveries", name: "settings-deliveries", component: () => import("./views/settings/SettingsDeliveries.vue") },
      ],
    },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

router.beforeEach(async (to) => {
  const session = useSessionStore();
  if (!session.checked) await session.check();
  if (to.meta.requiresAuth && !session.me) {
    return { name: "login", query: to.fullPath === "/" ? {} : { next: to.fullPath } };
  }
  if (to.name === "login" && session.me) return { name: "home" };
  return true;
});
