// Every word the widget shows, in English and Russian; the browser's language picks one of
// those the inbox offers.

export type Lang = "en" | "ru";

const en = {
  open: "Chat with us",
  close: "Close the chat",
  online: "Online",
  offline: "We are away",
  replyMinutes: "We usually reply in a few minutes",
  replyHour: "We usually reply within an hour",
  replyDay: "We usually reply within a day",
  greeting: "Hello! How can we help you?",
  placeholder: "Write a message…",
  send: "Send",
  attach: "Attach a file",
  typing: "{name} is typing…",
  someone: "Our team",
  you: "You",
  read: "Read",
  sending: "Sending…",
  queued: "Will be sent when back online",
  failed: "Not sent: {reason}",
  retry: "Retry",
  reconnecting: "Reconnecting…",
  file: "File: {name}",
  prechatIntro: "Please introduce yourself before we start.",
  name: "Name",
  email: "E-mail",
  phone: "Phone",
  consent: "I agree to the processing of my personal data",
  privacy: "Privacy policy",
  start: "Start the chat",
  required: "Required",
  badEmail: "This is not an e-mail address",
  badPhone: "This is not a phone number",
  offlineIntro: "Nobody is online right now. Leave a message and we will reply by e-mail.",
  message: "Message",
  leave: "Send the message",
  offlineSent: "Thank you! We will reply to {email}.",
  csatQuestion: "How would you rate this conversation?",
  csatStar: "{n} of 5",
  csatComment: "Anything to add? (optional)",
  csatSend: "Send the rating",
  csatThanks: "Thank you for your rating!",
  tooBig: "the file is larger than {size} MB",
  badType: "this type of file cannot be sent",
  tooMany: "too many messages; wait a moment",
  error: "something went wrong",
  resolved: "The conversation is closed. Write to start again.",
};

export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  open: "Напишите нам",
  close: "Закрыть чат",
  online: "В сети",
  offline: "Сейчас нас нет",
  replyMinutes: "Обычно отвечаем за несколько минут",
  replyHour: "Обычно отвечаем в течение часа",
  replyDay: "Обычно отвечаем в течение дня",
  greeting: "Здравствуйте! Чем можем помочь?",
  placeholder: "Напишите сообщение…",
  send: "Отправить",
  attach: "Прикрепить файл",
  typing: "{name} печатает…",
  someone: "Наша команда",
  you: "Вы",
  read: "Прочитано",
  sending: "Отправляется…",
  queued: "Отправится, когда появится связь",
  failed: "Не отправлено: {reason}",
  retry: "Повторить",
  reconnecting: "Восстанавливаем связь…",
  file: "Файл: {name}",
  prechatIntro: "Представьтесь, пожалуйста, прежде чем мы начнём.",
  name: "Имя",
  email: "Эл. почта",
  phone: "Телефон",
  consent: "Я согласен(на) на обработку персональных данных",
  privacy: "Политика конфиденциальности",
  start: "Начать чат",
  required: "Обязательное поле",
  badEmail: "Это не адрес эл. почты",
  badPhone: "Это не номер телефона",
  offlineIntro: "Сейчас никого нет в сети. Оставьте сообщение, и мы ответим на почту.",
  message: "Сообщение",
  leave: "Отправить сообщение",
  offlineSent: "Спасибо! Мы ответим на {email}.",
  csatQuestion: "Как вы оцениваете этот разговор?",
  csatStar: "{n} из 5",
  csatComment: "Хотите что-то добавить? (необязательно)",
  csatSend: "Отправить оценку",
  csatThanks: "Спасибо за оценку!",
  tooBig: "файл больше {size} МБ",
  badType: "такие файлы отправлять нельзя",
  tooMany: "слишком много сообщений, подождите немного",
  error: "что-то пошло не так",
  resolved: "Разговор завершён. Напишите, чтобы начать снова.",
};

export const dictionaries: Record<Lang, Record<Key, string>> = { en, ru };

/** The first of the browser's languages that the inbox offers, else the inbox's first. */
export function chooseLanguage(preferred: readonly string[], offered: readonly string[]): Lang {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if ((primary === "en" || primary === "ru") && offered.includes(primary)) return primary;
  }
  const first = offered[0];
  return first === "ru" || first === "en" ? first : "en";
}

export function translate(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  return dictionaries[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}
