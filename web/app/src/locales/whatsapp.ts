// The WhatsApp reply window and template picker above the reply box.
export const en = {
  windowOpen: "WhatsApp: you can reply freely until {time}.",
  windowClosed:
    "The customer last wrote more than 24 hours ago: WhatsApp only lets you send a template now.",
  neverWrote:
    "The customer has not written in this conversation: WhatsApp only lets you start with a template.",
  template: "Template",
  choose: "Choose a template",
  parameter: "Parameter {n}",
  send: "Send template",
  sending: "Sending…",
  sent: "The template is on its way.",
  noTemplates: "No templates are set up for this inbox; an admin can add them in the inbox settings.",
  loadFailed: "Could not load the WhatsApp templates: {detail}",
  sendFailed: "Could not send the template: {detail}",
};

export const ru: typeof en = {
  windowOpen: "WhatsApp: можно отвечать свободно до {time}.",
  windowClosed:
    "Клиент писал больше 24 часов назад: WhatsApp сейчас разрешает отправить только шаблон.",
  neverWrote:
    "Клиент ещё не писал в этом обращении: WhatsApp разрешает начать только с шаблона.",
  template: "Шаблон",
  choose: "Выберите шаблон",
  parameter: "Параметр {n}",
  send: "Отправить шаблон",
  sending: "Отправка…",
  sent: "Шаблон отправляется.",
  noTemplates: "Для этого канала нет шаблонов; администратор может добавить их в настройках канала.",
  loadFailed: "Не удалось загрузить шаблоны WhatsApp: {detail}",
  sendFailed: "Не удалось отправить шаблон: {detail}",
};
