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
