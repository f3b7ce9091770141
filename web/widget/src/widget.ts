// The widget on the host page: a launcher bubble and a panel inside a shadow root. Everything
// customers and agents wrote is put in as text (textContent), never as HTML.

import { Api, ApiError, type Identity, type Page } from "./api";
import { Connection, type Frame } from "./connection";
import { translate, type Key, type Lang } from "./i18n";
import {
  fileProblem,
  lastStoredId,
  mergeMessages,
  newClientId,
  prechatProblems,
  readByAgent,
  showCsat,
  unreadCount,
  viewOf,
  type Config,
  type ConversationState,
  type Message,
  type MessagesPage,
  type PrechatField,
  type Session,
} from "./model";
import { Outbox, pendingMessage, type Store } from "./queue";
import css from "./style.css?inline";

type Child = Node | string | null | false | undefined;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">' +
  '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
const TYPING_SHOWN_MS = 6_000;
const TYPING_EVERY_MS = 3_000;
const TYPING_IDLE_MS = 4_000;

export class Widget {
  private readonly host = h("div", { id: "frontdesk-widget" });
  private readonly shadow = this.host.attachShadow({ mode: "open" });
  private readonly outbox: Outbox;
  private readonly connection: Connection;
  private session: Session | null = null;
  private state: ConversationState | null = null;
  private messages: Message[] = [];
  private open = false;
  private seenId = 0;
  private readSent = 0;
  private agentTyping: { name: string; until: number } | null = null;
  private offlineSentTo: string | null = null;
  private answeredHere = false;
  private rating = 0;
  private typingSentAt = 0;
  private typingStop: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;
  private live = false;
  private wasLive = false;
  private formsKey = "";
  private shownCount = 0;
  private problems: Partial<Record<string, Key>> = {};
  private readonly files = new Map<number, string>();

  // The panel's parts, drawn once and updated by render().
  private readonly root = h("div", { class: "fd", "data-testid": "fd-widget" });
  private readonly badge = h("span", { class: "badge", "data-testid": "fd-badge", hidden: true });
  private readonly launcher = h("button", { class: "launcher", type: "button", "data-testid": "fd-launcher" });
  private readonly panel = h("section", { class: "panel", role: "dialog", hidden: true, "data-testid": "fd-panel" });
  private readonly status = h("div", { class: "status", "data-testid": "fd-status" });
  private readonly body = h("div", { class: "body" });
  private readonly list = h("ol", { "aria-live": "polite", "data-testid": "fd-messages" });
  private readonly typing = h("div", { class: "typing", hidden: true, "data-testid": "fd-typing" });
  private readonly notice = h("div", { class: "notice", hidden: true, "data-testid": "fd-notice" });
  private readonly forms = h("div");
  private readonly composer = h("form", { class: "composer", "data-testid": "fd-composer" });
  private readonly textarea = h("textarea", { rows: "1", "data-testid": "fd-input" });
  private readonly fileInput = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "fd-file" });

  constructor(
    private readonly api: Api,
    private readonly config: Config,
    private readonly lang: Lang,
    private readonly identity: Identity,
    private readonly store: Store,
  ) {
    this.outbox = new Outbox(store, this.key("queue"));
    this.connection = new Connection(() => api.socketUrl(), {
      onUp: () => this.onUp(),
      onDown: () => {
        this.live = false;
        this.render();
      },
      onFrame: (frame) => this.onFrame(frame),
      poll: () => this.poll(25),
    });
  }

  private t(key: Key, vars?: Record<string, string | number>): string {
    return translate(this.lang, key, vars);
  }

  private key(name: string): string {
    return `frontdesk:${this.config.inbox}:${name}`;
  }

  // -- start ---------------------------------------------------------------------------------
  /** False when the desk refuses this visitor (a forged identity): nothing is shown then. */
  async start(): Promise<boolean> {
    this.api.token = this.store.get(this.key("token"));
    this.seenId = Number(this.store.get(this.key("seen")) ?? 0) || 0;
    if (this.api.token || this.identity.identifier) {
      try {
        await this.ensureSession();
      } catch (error) {
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return false;
      }
    }
    this.build();
    document.body.append(this.host);
    if (this.state) {
      await this.catchUp();
      this.connection.start();
    }
    this.showQueued();
    if (this.store.get(this.key("open")) === "1") await this.toggle(true);
    this.render();
    this.watchPages();
    return true;
  }

  private page(): Page {
    return { url: location.href, title: document.title.slice(0, 300), referrer: document.referrer || null };
  }

  private async ensureSession(): Promise<Session> {
    if (this.session) return this.session;
    const session = await this.api.session(this.identity, this.page(), navigator.language);
    this.session = session;
    this.state = session.conversation;
    this.store.set(this.key("token"), session.token);
    return session;
  }

  private watchPages(): void {
    // Single-page sites change the address without a load: noticed every few seconds.
    let last = location.href;
    setInterval(() => {
      if (location.href === last || !this.session) return;
      last = location.href;
      this.api.pageView(this.page()).catch(() => undefined);
    }, 3_000);
  }

  // -- the desk's news -----------------------------------------------------------------------
  private onUp(): void {
    this.live = true;
    this.wasLive = true;
    void this.catchUp().then(() => this.flush());
  }

  private async catchUp(): Promise<void> {
    try {
      this.apply(await this.api.messages(lastStoredId(this.messages)));
    } catch {
      // The socket or the next poll brings it.
    }
  }

  private async poll(wait: number): Promise<void> {
    this.apply(await this.api.messages(lastStoredId(this.messages), wait));
    void this.flush();
  }

  private apply(page: MessagesPage): void {
    if (page.conversation) this.state = page.conversation;
    this.receive(page.items);
  }

  private receive(items: Message[]): void {
    if (!items.length) {
      this.render();
      return;
    }
    this.messages = mergeMessages(this.messages, items);
    if (items.some((m) => m.author !== "visitor")) this.agentTyping = null;
    this.render();
    this.markRead();
  }

  private onFrame(frame: Frame): void {
    const data = frame.data;
    if (frame.type === "message") {
      this.receive([data as unknown as Message]);
    } else if (frame.type === "typing") {
      const agent = data.agent as { name?: string } | undefined;
      this.agentTyping = data.typing ? { name: agent?.name || this.t("someone"), until: Date.now() + TYPING_SHOWN_MS } : null;
      this.render();
      setTimeout(() => this.render(), TYPING_SHOWN_MS + 50);
    } else if (frame.type === "read") {
      if (this.state && typeof data.agent_read_at === "string") this.state.agent_read_at = data.agent_read_at;
      this.render();
    } else if (frame.type === "conversation") {
      const status = String(data.status);
      this.state = { agent_read_at: null, csat: null, ...this.state, status };
      if (status !== "resolved") this.answeredHere = false;
      this.render();
    } else if (frame.type === "csat.requested") {
      if (this.state) this.state.csat = { requested: true, rating: null, comment: "" };
      this.render();
    } else if (frame.type === "ready") {
      const conversation = data.conversation as ConversationState | null;
      if (conversation) this.state = conversation;
    }
  }

  // -- what the visitor does -----------------------------------------------------------------
  private async toggle(open: boolean): Promise<void> {
    this.open = open;
    this.store.set(this.key("open"), open ? "1" : "0");
    this.render();
    if (!open) return;
    try {
      await this.ensureSession();
      this.connection.start();
    } catch {
      // Shown again when the visitor tries to write.
    }
    this.render();
    this.markRead();
    this.textarea.focus();
  }

  private showQueued(): void {
    const queued = this.outbox.items().map((item) => pendingMessage(item, "queued"));
    if (queued.length) this.messages = mergeMessages(this.messages, queued);
  }

  private async write(content: string): Promise<void> {
    const text = content.trim();
    if (!text) return;
    const item = { client_id: newClientId(), content: text, created_at: new Date().toISOString() };
    this.outbox.add(item);
    this.messages = mergeMessages(this.messages, [pendingMessage(item, "sending")]);
    this.textarea.value = "";
    this.stopTyping();
    this.render();
    await this.flush();
  }

  /** Send what waits in the queue, oldest first; stops at the first network failure (the
   *  next reconnect sends the rest, with the same client ids). */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      await this.ensureSession();
      for (const item of this.outbox.items()) {
        let stored: Message;
        try {
          stored = this.connection.live
            ? await this.connection.sendMessage(item.client_id, item.content)
            : await this.api.send(item.client_id, item.content);
        } catch (error) {
          const status = error instanceof ApiError ? error.status : Number((error as { status?: number }).status ?? 0);
          if (status && status !== 429 && status < 500) {
            this.outbox.remove(item.client_id);
            this.fail(item.client_id, this.reason(error));
            continue;
          }
          this.messages = mergeMessages(this.messages, [pendingMessage(item, "queued")]);
          if (status === 429) setTimeout(() => void this.flush(), 5_000);
          break;
        }
        this.outbox.remove(item.client_id);
        this.adopt(stored);
      }
    } catch {
      // No session yet (the desk is unreachable): the queue waits for the next try.
      setTimeout(() => void this.flush(), 10_000);
    } finally {
      this.flushing = false;
      this.render();
    }
  }

  /** The first message started a conversation: from now on the socket follows it. */
  private adopt(stored: Message): void {
    if (!this.state) this.state = { status: "open", agent_read_at: null, csat: null };
    else if (this.state.status === "resolved") this.state = { ...this.state, status: "open", csat: null };
    this.messages = mergeMessages(this.messages, [stored]);
    this.connection.start();
  }

  private fail(clientId: string, reason: string): void {
    this.messages = this.messages.map((m) =>
      m.client_id === clientId ? { ...m, pending: "failed", error: reason } : m,
    );
  }

  private reason(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.status === 413) return this.t("tooBig", { size: Math.round(this.config.limits.max_upload_bytes / 1048576) });
      if (error.status === 415) return this.t("badType");
      if (error.status === 429) return this.t("tooMany");
      return error.detail || this.t("error");
    }
    return error instanceof Error ? error.message : this.t("error");
  }

  private async sendFiles(files: File[]): Promise<void> {
    for (const file of files.slice(0, this.config.limits.max_uploads)) {
      const clientId = newClientId();
      const placeholder: Message = {
        ...pendingMessage({ client_id: clientId, content: this.t("file", { name: file.name }), created_at: new Date().toISOString() }, "sending"),
      };
      this.messages = mergeMessages(this.messages, [placeholder]);
      const problem = fileProblem(file, this.config.limits);
      if (problem) {
        this.fail(clientId, this.t(problem, { size: Math.round(this.config.limits.max_upload_bytes / 1048576) }));
        this.render();
        continue;
      }
      this.render();
      try {
        await this.ensureSession();
        this.adopt({ ...(await this.api.send(clientId, "", [file])) });
      } catch (error) {
        this.fail(clientId, this.reason(error));
      }
      this.render();
    }
  }

  private onInput(): void {
    const now = Date.now();
    if (this.state && now - this.typingSentAt > TYPING_EVERY_MS) {
      this.typingSentAt = now;
      this.sendTyping(true);
    }
    clearTimeout(this.typingStop);
    this.typingStop = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingStop);
    if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.sendTyping(false);
    }
  }

  private sendTyping(typing: boolean): void {
    if (!this.connection.send({ type: "typing", typing })) this.api.typing(typing).catch(() => undefined);
  }

  private markRead(): void {
    const newest = lastStoredId(this.messages) ?? 0;
    if (!this.open || document.visibilityState === "hidden") return;
    this.seenId = Math.max(this.seenId, newest);
    this.store.set(this.key("seen"), String(this.seenId));
    const agents = this.messages.filter((m) => m.author !== "visitor" && m.id > this.readSent);
    if (!agents.length) return;
    this.readSent = newest;
    if (!this.connection.send({ type: "read", message_id: newest })) this.api.read(newest).catch(() => undefined);
    this.render();
  }

  private async submitPrechat(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const values = {
      name: String(data.get("name") ?? ""),
      email: String(data.get("email") ?? ""),
      phone: String(data.get("phone") ?? ""),
      consent: data.get("consent") === "on",
    };
    this.problems = prechatProblems(this.config.prechat, values);
    if (Object.keys(this.problems).length) {
      this.render();
      return;
    }
    try {
      await this.ensureSession();
      const session = await this.api.prechat({
        name: values.name.trim() || undefined,
        email: values.email.trim() || undefined,
        phone: values.phone.trim() || undefined,
        consent: values.consent,
      });
      this.session = { ...session, token: this.session?.token ?? session.token };
    } catch (error) {
      this.problems = { form: "error" };
      if (error instanceof ApiError && error.status === 422) this.problems = { email: "badEmail" };
    }
    this.render();
    this.textarea.focus();
  }

  private async submitOffline(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const email = String(data.get("email") ?? "").trim();
    const content = String(data.get("message") ?? "").trim();
    this.problems = {};
    if (!email) this.problems.email = "required";
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) this.problems.email = "badEmail";
    if (!content) this.problems.message = "required";
    if (Object.keys(this.problems).length) {
      this.render();
      return;
    }
    try {
      await this.ensureSession();
      const stored = await this.api.offline({
        email,
        name: String(data.get("name") ?? "").trim(),
        content,
        client_id: newClientId(),
      });
      this.offlineSentTo = email;
      this.adopt(stored);
    } catch (error) {
      this.problems = { form: error instanceof ApiError && error.status === 422 ? "badEmail" : "error" };
    }
    this.render();
  }

  private async rate(): Promise<void> {
    if (!this.rating) return;
    const comment = (this.shadow.querySelector("[data-testid=fd-csat-comment]") as HTMLTextAreaElement | null)?.value ?? "";
    try {
      const answer = await this.api.rate(this.rating, comment);
      this.answeredHere = true;
      if (this.state) this.state.csat = { requested: true, rating: answer.rating, comment: answer.comment };
    } catch {
      this.problems = { csat: "error" };
    }
    this.render();
  }

  // -- drawing -------------------------------------------------------------------------------
  private build(): void {
    const style = h("style");
    style.textContent = css;
    this.root.style.setProperty("--fd-color", this.config.color);
    if (this.config.position === "left") this.root.classList.add("left");
    this.launcher.innerHTML = CHAT_ICON; // a constant of ours, no customer text
    this.launcher.setAttribute("aria-label", this.t("open"));
    this.launcher.append(this.badge);
    this.launcher.onclick = () => void this.toggle(!this.open);
    const close = h("button", { type: "button", "aria-label": this.t("close"), "data-testid": "fd-close" }, "×");
    close.onclick = () => void this.toggle(false);
    const title = h("div", { class: "title" }, this.config.title);
    this.panel.setAttribute("aria-label", this.config.title);
    const greeting = this.config.greeting[this.lang] || this.t("greeting");
    this.body.append(h("div", { class: "greeting", "data-testid": "fd-greeting" }, greeting), this.list, this.typing, this.notice, this.forms);
    const attach = h("button", { type: "button", "aria-label": this.t("attach"), title: this.t("attach"), "data-testid": "fd-attach" }, "📎");
    attach.onclick = () => this.fileInput.click();
    this.fileInput.setAttribute("accept", this.config.limits.upload_types.join(","));
    this.fileInput.onchange = () => {
      const files = Array.from(this.fileInput.files ?? []);
      this.fileInput.value = "";
      void this.sendFiles(files);
    };
    this.textarea.placeholder = this.t("placeholder");
    this.textarea.setAttribute("aria-label", this.t("placeholder"));
    this.textarea.maxLength = this.config.limits.max_message_chars;
    this.textarea.oninput = () => this.onInput();
    this.textarea.onkeydown = (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.write(this.textarea.value);
      }
    };
    const send = h("button", { type: "submit", class: "send", "data-testid": "fd-send" }, this.t("send"));
    this.composer.append(attach, this.fileInput, this.textarea, send);
    this.composer.onsubmit = (event) => {
      event.preventDefault();
      void this.write(this.textarea.value);
    };
    this.panel.append(h("header", {}, h("div", { class: "who" }, title, this.status), close), this.body, this.composer);
    this.root.append(this.panel, this.launcher);
    this.shadow.append(style, this.root);
  }

  private render(): void {
    if (!this.root.isConnected && !this.panel.isConnected) return;
    this.panel.hidden = !this.open;
    this.launcher.setAttribute("aria-expanded", String(this.open));
    const unread = this.open ? 0 : unreadCount(this.messages, this.seenId);
    this.badge.hidden = unread === 0;
    this.badge.textContent = String(unread);
    const reply = { minutes: "replyMinutes", hour: "replyHour", day: "replyDay" } as const;
    this.status.textContent = this.config.online
      ? `${this.t("online")} · ${this.t(reply[this.config.reply_time])}`
      : this.t("offline");
    if (!this.live && this.wasLive && this.open) this.status.textContent = this.t("reconnecting");
    const view = viewOf(this.config, this.session && { ...this.session, conversation: this.state }, this.offlineSentTo !== null);
    this.renderMessages();
    const typing = this.agentTyping && this.agentTyping.until > Date.now() ? this.agentTyping : null;
    this.typing.hidden = !typing;
    this.typing.textContent = typing ? this.t("typing", { name: typing.name }) : "";
    this.notice.hidden = !(this.state?.status === "resolved" && view === "chat");
    this.notice.textContent = this.t("resolved");
    const csat = view === "chat" && showCsat(this.state, this.answeredHere);
    // Forms are drawn again only when what they show changes: typing in them survives news.
    const key = JSON.stringify([view, this.problems, this.offlineSentTo, csat, this.answeredHere]);
    if (key !== this.formsKey) {
      this.formsKey = key;
      const typed = new Map<string, string | boolean>();
      for (const input of Array.from(this.forms.querySelectorAll<HTMLInputElement>("input, textarea"))) {
        typed.set(input.name || input.dataset.testid || "", input.type === "checkbox" ? input.checked : input.value);
      }
      this.forms.replaceChildren();
      if (view === "prechat") this.forms.append(this.prechatForm());
      else if (view === "offline") this.forms.append(this.offlineForm());
      else if (this.offlineSentTo) {
        const sent = this.t("offlineSent", { email: this.offlineSentTo });
        this.forms.append(h("div", { class: "notice", "data-testid": "fd-offline-sent" }, sent));
      }
      if (csat) this.forms.append(this.csatBox());
      // What the visitor had typed stays (the form is drawn anew to show its problems).
      for (const input of Array.from(this.forms.querySelectorAll<HTMLInputElement>("input, textarea"))) {
        const value = typed.get(input.name || input.dataset.testid || "");
        if (typeof value === "boolean") input.checked = value;
        else if (typeof value === "string" && value) input.value = value;
      }
    }
    this.composer.hidden = view !== "chat";
    if (this.messages.length !== this.shownCount || typing) {
      this.shownCount = this.messages.length;
      this.body.scrollTop = this.body.scrollHeight;
    }
  }

  private renderMessages(): void {
    const items = this.messages.map((message) => this.messageItem(message));
    this.list.replaceChildren(...items);
  }

  private messageItem(message: Message): HTMLLIElement {
    const bubble = h("div", { class: "bubble" });
    if (message.author === "agent" && message.agent) bubble.append(h("div", { class: "name" }, message.agent.name));
    if (message.content) bubble.append(h("div", { class: "text" }, message.content));
    if (message.attachments.length) {
      const files = h("div", { class: "files" });
      for (const file of message.attachments) files.append(this.fileItem(file.id, file.url, file.file_name, file.content_type));
      bubble.append(files);
    }
    let meta = new Date(message.created_at).toLocaleTimeString(this.lang, { hour: "2-digit", minute: "2-digit" });
    if (message.pending === "sending") meta = this.t("sending");
    else if (message.pending === "queued") meta = this.t("queued");
    else if (message.pending === "failed") meta = this.t("failed", { reason: message.error ?? this.t("error") });
    else if (readByAgent(message, this.state?.agent_read_at ?? null)) meta += ` · ${this.t("read")}`;
    bubble.append(h("div", { class: "meta", "data-testid": "fd-meta" }, meta));
    const item = h("li", {
      class: `${message.author}${message.pending ? ` ${message.pending}` : ""}`,
      "data-author": message.author,
      "data-testid": "fd-message",
      "data-message-id": String(message.id),
    });
    if (message.author !== "visitor") {
      const initials = message.agent?.initials ?? (message.author === "bot" ? "🤖" : "?");
      item.append(h("span", { class: "avatar", "aria-hidden": "true" }, initials));
    }
    item.append(bubble);
    return item;
  }

  private fileItem(id: number, url: string, name: string, type: string): HTMLElement {
    if (type.startsWith("image/")) {
      const image = h("img", { alt: name, "data-testid": "fd-image" });
      const known = this.files.get(id);
      if (known) image.src = known;
      else
        this.api
          .file(url)
          .then((blob) => {
            this.files.set(id, blob);
            image.src = blob;
          })
          .catch(() => undefined);
      return image;
    }
    const button = h("button", { type: "button", "data-testid": "fd-file-link" }, name);
    button.onclick = () => {
      void this.api.file(url).then((blob) => {
        const link = h("a", { href: blob, download: name });
        link.click();
      });
    };
    return button;
  }

  private field(name: string, label: string, input: HTMLInputElement | HTMLTextAreaElement, required: boolean): HTMLElement {
    input.name = name;
    input.required = required;
    input.setAttribute("data-testid", `fd-field-${name}`);
    const problem = this.problems[name];
    return h(
      "label",
      {},
      required ? `${label} *` : label,
      input,
      problem && h("span", { class: "problem", role: "alert" }, this.t(problem)),
    );
  }

  private prechatForm(): HTMLFormElement {
    const form = h("form", { class: "card", novalidate: true, "data-testid": "fd-prechat" }, h("div", {}, this.t("prechatIntro")));
    const fields = this.config.prechat;
    const types: Record<Exclude<PrechatField, "consent">, string> = { name: "text", email: "email", phone: "tel" };
    for (const name of ["name", "email", "phone"] as const) {
      if (fields[name] === "off") continue;
      const input = h("input", { type: types[name] });
      if (name === "name" && this.session?.name) input.value = this.session.name;
      if (name === "email" && this.session?.email) input.value = this.session.email;
      form.append(this.field(name, this.t(name), input, fields[name] === "required"));
    }
    if (fields.consent !== "off") {
      const box = h("input", { type: "checkbox", name: "consent", "data-testid": "fd-field-consent" });
      const privacy = this.config.privacy_url
        ? h("a", { href: this.config.privacy_url, target: "_blank", rel: "noopener noreferrer" }, this.t("privacy"))
        : null;
      form.append(
        h("label", { class: "check" }, box, h("span", {}, this.t("consent"), fields.consent === "required" ? " *" : "", privacy && " ", privacy)),
        this.problems.consent ? h("span", { class: "problem", role: "alert" }, this.t(this.problems.consent)) : "",
      );
    }
    if (this.problems.form) form.append(h("span", { class: "problem", role: "alert" }, this.t(this.problems.form)));
    form.append(h("button", { type: "submit", class: "primary", "data-testid": "fd-prechat-submit" }, this.t("start")));
    form.onsubmit = (event) => {
      event.preventDefault();
      void this.submitPrechat(form);
    };
    return form;
  }

  private offlineForm(): HTMLFormElement {
    const form = h("form", { class: "card", novalidate: true, "data-testid": "fd-offline" }, h("div", {}, this.t("offlineIntro")));
    form.append(
      this.field("name", this.t("name"), h("input", { type: "text" }), false),
      this.field("email", this.t("email"), h("input", { type: "email" }), true),
      this.field("message", this.t("message"), h("textarea", { rows: "3" }), true),
    );
    if (this.problems.form) form.append(h("span", { class: "problem", role: "alert" }, this.t(this.problems.form)));
    form.append(h("button", { type: "submit", class: "primary", "data-testid": "fd-offline-submit" }, this.t("leave")));
    form.onsubmit = (event) => {
      event.preventDefault();
      void this.submitOffline(form);
    };
    return form;
  }

  private csatBox(): HTMLElement {
    if (this.answeredHere) return h("div", { class: "csat", "data-testid": "fd-csat-thanks" }, this.t("csatThanks"));
    const stars = h("div", { class: "stars", role: "group", "aria-label": this.t("csatQuestion") });
    for (let n = 1; n <= 5; n++) {
      const star = h("button", {
        type: "button",
        class: n <= this.rating ? "on" : "",
        "aria-label": this.t("csatStar", { n }),
        "aria-pressed": String(n === this.rating),
        "data-rating": String(n),
      }, "★");
      star.onclick = () => {
        this.rating = n;
        for (const other of Array.from(stars.children)) {
          const value = Number(other.getAttribute("data-rating"));
          other.classList.toggle("on", value <= n);
          other.setAttribute("aria-pressed", String(value === n));
        }
      };
      stars.append(star);
    }
    const comment = h("textarea", { rows: "2", placeholder: this.t("csatComment"), "aria-label": this.t("csatComment"), "data-testid": "fd-csat-comment" });
    const submit = h("button", { type: "button", class: "primary", "data-testid": "fd-csat-submit" }, this.t("csatSend"));
    submit.onclick = () => void this.rate();
    return h(
      "div",
      { class: "csat", "data-testid": "fd-csat" },
      h("div", {}, this.t("csatQuestion")),
      stars,
      comment,
      submit,
      this.problems.csat && h("span", { class: "problem", role: "alert" }, this.t(this.problems.csat)),
    );
  }
}
