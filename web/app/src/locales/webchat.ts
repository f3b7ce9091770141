// The website visitor block beside a webchat conversation.
export const en = {
  title: "Website visitor",
  loading: "Loading…",
  loadFailed: "Could not load the visitor: {detail}",
  currentPage: "Current page",
  referrer: "Came from",
  browser: "Browser",
  language: "Language",
  identified: "Signed in on the site as",
  consent: "Consent to data processing",
  followup: "Replies also go by e-mail to",
  lastSeen: "Last seen",
  pages: "Pages viewed ({count})",
  none: "—",
};

export const ru: typeof en = {
  title: "Посетитель сайта",
  loading: "Загрузка…",
  loadFailed: "Не удалось загрузить посетителя: {detail}",
  currentPage: "Текущая страница",
  referrer: "Откуда пришёл",
  browser: "Браузер",
  language: "Язык",
  identified: "Вошёл на сайте как",
  consent: "Согласие на обработку данных",
  followup: "Ответы также уходят на почту",
  lastSeen: "Был на сайте",
  pages: "Просмотренные страницы ({count})",
  none: "—",
};
