import type { Messages } from "./en";
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
    loadMore: "Загрузить ещё",
    loadingMore: "Загрузка…",
    loadFailed: "Не удалось загрузить диалоги: {detail}",
  },
  views: {
    label: "Представления",
    mine: "Мои",
    unassigned: "Без ответственного",
    all: "Все",
  },
  filters: {
    status: "Статус",
    inbox: "Канал",
    allInboxes: "Все каналы",
    priority: "Приоритет",
    type: "Тип",
    any: "Любой",
    sort: "Сортировка",
  },
  sort: {
    last_activity: "По последней активности",
    newest: "Сначала новые",
    longest_waiting: "Дольше всех ждут",
  },
  conversationType: {
    question: "Вопрос",
    order: "Заказ",
    complaint: "Жалоба",
    other: "Другое",
  },
  conversation: {
    back: "Все диалоги",
    title: "Диалог № {number}",
    loading: "Загружаем диалог…",
    loadFailed: "Не удалось загрузить диалог: {detail}",
    assignee: "Ответственный: {name}",
    unassigned: "Не назначен",
    snoozedUntil: "Отложен до {time}",
    resolve: "Решить",
    reopen: "Открыть снова",
    actionFailed: "Не получилось: {detail}",
    loadOlder: "Показать более ранние сообщения",
    loadingOlder: "Загрузка…",
    empty: "Сообщений пока нет.",
    note: "Заметка",
    bot: "Бот",
    attachment: "Вложение: {name}",
    someone: "Кто-то",
    user: "Пользователь № {id}",
    system: {
      assigned: "{actor} назначает ответственным: {assignee}",
      unassigned: "{actor} снимает ответственного",
      teamAssigned: "{actor} передаёт диалог команде № {team}",
      statusChanged: "{actor} меняет статус: {from} → {to}",
      labelsChanged: "{actor} ставит метки: {labels}",
      labelsCleared: "{actor} снимает все метки",
      participantAdded: "{actor} приглашает: {user}",
      participantRemoved: "{actor} исключает: {user}",
      other: "{actor}: {text}",
      desk: "Система",
    },
  },
  actions: {
    agent: "Оператор",
    team: "Команда",
    noTeam: "Без команды",
    priority: "Приоритет",
    snooze: "Отложить…",
    pending: "В ожидание",
    type: "Тип",
    labels: "Метки",
    findLabel: "Найти метку",
    noLabels: "Меток нет. Администратор добавляет их в настройках.",
    labelsFailed: "Не удалось загрузить метки.",
    removeLabel: "Снять метку {label}",
    invite: "Пригласить коллегу…",
    removeParticipant: "Убрать {name} из диалога",
  },
  snooze: {
    hour: "На 1 час",
    tomorrow: "До завтра, 9:00",
    monday: "До понедельника, 9:00",
    date: "До даты…",
    apply: "Отложить",
    cancel: "Отмена",
    future: "Выберите время в будущем.",
  },
  priority: {
    low: "Низкий",
    normal: "Обычный",
    high: "Высокий",
    urgent: "Срочный",
  },
  delivery: {
    sent: "Отправлено",
    delivered: "Доставлено",
    read: "Прочитано",
    failed: "Не доставлено",
    pending: "Отправляется…",
  },
  reply: reply.ru,
  list: list.ru,
  contact: contact.ru,
  settings: settings.ru,
  presence: presence.ru,
  channels: channels.ru,
  webchat: webchat.ru,
  whatsapp: whatsapp.ru,
  widget: widget.ru,
  webhooks: webhooks.ru,
  attributes: attributes.ru,
  portal: portal.ru,
  deliveries: deliveries.ru,
  status: {
    bot: "Бот",
    open: "Открыт",
    pending: "Ожидает",
    snoozed: "Отложен",
    resolved: "Решён",
  },
  shortcuts: {
    title: "Горячие клавиши",
    dismiss: "Закрыть",
    close: "Закрыть диалог",
    next: "Следующий диалог",
    previous: "Предыдущий диалог",
    reply: "Написать ответ",
    note: "Написать заметку",
    resolve: "Решить",
    reopen: "Открыть снова",
    assignToMe: "Назначить на себя",
    labels: "Метки",
    snooze: "Отложить",
    help: "Показать горячие клавиши",
  },
  language: {
    en: "English",
    ru: "Русский",
  },
};

export default ru;
