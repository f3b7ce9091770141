import type { Messages } from "./en";

const ru: Messages = {
  app: {
    name: "Frontdesk",
  },
  login: {
    title: "Вход в рабочее место оператора",
    email: "Эл. почта",
    password: "Пароль",
    submit: "Войти",
    submitting: "Входим…",
    failed: "Неверная эл. почта или пароль.",
    error: "Не удалось войти: {detail}",
  },
  shell: {
    logout: "Выйти",
    language: "Язык",
    live: "На связи",
    offline: "Переподключение…",
  },
  conversations: {
    title: "Диалоги",
    number: "№",
    contact: "Клиент",
    status: "Статус",
    lastActivity: "Последняя активность",
    empty: "Диалогов пока нет.",
    loading: "Загрузка…",
    loadFailed: "Не удалось загрузить диалоги: {detail}",
  },
  status: {
    bot: "Бот",
    open: "Открыт",
    pending: "Ожидает",
    snoozed: "Отложен",
    resolved: "Решён",
  },
  language: {
    en: "English",
    ru: "Русский",
  },
};

export default ru;
