// Started by the loader (/widget.js), which the snippet adds to the host page:
//   <script async src="https://desk.example/widget.js" data-inbox="PUBLIC_ID"></script>
// Optionally, before it: window.frontdeskSettings = {identifier, identifier_hash, name, email}.
// A site that is not allowed, a forged identity or an unreachable desk: nothing is shown.

import { Api, type Identity } from "./api";
import { chooseLanguage } from "./i18n";
import { browserStore } from "./queue";
import { Widget } from "./widget";

interface Boot {
  inbox: string;
  desk: string;
}

declare global {
  interface Window {
    __frontdeskWidget?: Boot;
    frontdeskSettings?: Identity;
  }
}

function identityOf(raw: unknown): Identity {
  const value = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const identity: Identity = {};
  for (const key of ["identifier", "identifier_hash", "name", "email"] as const) {
    const field = value[key];
    if (typeof field === "string" && field.trim()) identity[key] = field.trim();
    else if (typeof field === "number") identity[key] = String(field);
  }
  return identity;
}

async function start(boot: Boot): Promise<void> {
  const api = new Api(boot.desk, boot.inbox);
  const config = await api.config();
  const identity = identityOf(window.frontdeskSettings);
  if (config.require_identity && !identity.identifier) return;
  const lang = chooseLanguage(navigator.languages?.length ? navigator.languages : [navigator.language], config.languages);
  let storage: Storage | undefined;
  try {
    storage = window.localStorage; // refused in some sandboxed frames
  } catch {
    storage = undefined;
  }
  const widget = new Widget(api, config, lang, identity, browserStore(storage));
  await widget.start();
}

const boot = window.__frontdeskWidget;
if (boot && document.body) void start(boot).catch(() => undefined);
else if (boot) document.addEventListener("DOMContentLoaded", () => void start(boot).catch(() => undefined));
