// Custom attributes in the settings: typed fields of contacts and conversations (admins).
export const en = {
  title: "Custom attributes",
  intro:
    "Typed fields that agents fill in on contacts and conversations. The customer portal's request form can ask for conversation attributes.",
  contacts: "Contact attributes",
  conversations: "Conversation attributes",
  createContact: "New contact attribute",
  createConversation: "New conversation attribute",
  createTitle: "New attribute",
  editTitle: "Attribute: {name}",
  label: "Label",
  labelHint: "What agents see, and customers too when the portal asks for it.",
  key: "Key",
  keyHint:
    "Lower-case Latin letters, digits and _, starting with a letter. The API and integrations use it.",
  type: "Type",
  appliesTo: "Applies to",
  fixed:
    "The key, the type and what it applies to are fixed once the attribute exists: the values stored were checked against them.",
  options: "Options",
  optionsHint: "One per line. Removing one leaves it on the records that already have it.",
  deleteHint:
    "Deleting an attribute keeps the values already stored (shown read-only), and the portal stops asking for it.",
  types: {
    text: "Text",
    number: "Number",
    boolean: "Yes / no",
    date: "Date",
    list: "List",
    link: "Link",
  },
  appliesToValue: {
    contact: "Contacts",
    conversation: "Conversations",
  },
  errors: {
    missing: "A list needs at least one option.",
    twice: "Each option once: {options} is listed twice.",
  },
};

export const ru: typeof en = {
  title: "Доп. поля",
  intro:
    "Типизированные поля клиентов и диалогов, которые заполняют операторы. Поля диалогов может спрашивать форма обращения в личном кабинете.",
  contacts: "Поля клиентов",
  conversations: "Поля диалогов",
  createContact: "Новое поле клиента",
  createConversation: "Новое поле диалога",
  createTitle: "Новое поле",
  editTitle: "Поле: {name}",
  label: "Название",
  labelHint: "Его видят операторы, а если его спрашивает личный кабинет, то и клиенты.",
  key: "Ключ",
  keyHint:
    "Строчные латинские буквы, цифры и _, в начале буква. По нему поле знают API и интеграции.",
  type: "Тип",
  appliesTo: "Относится к",
  fixed:
    "Ключ, тип и то, к чему относится поле, после создания не меняются: по ним проверены сохранённые значения.",
  options: "Варианты",
  optionsHint: "По одному в строке. Удалённый вариант остаётся там, где он уже выбран.",
  deleteHint:
    "При удалении поля сохранённые значения остаются (только для чтения), а личный кабинет перестаёт его спрашивать.",
  types: {
    text: "Текст",
    number: "Число",
    boolean: "Да / нет",
    date: "Дата",
    list: "Список",
    link: "Ссылка",
  },
  appliesToValue: {
    contact: "Клиенты",
    conversation: "Диалоги",
  },
  errors: {
    missing: "В списке нужен хотя бы один вариант.",
    twice: "Каждый вариант — один раз: {options} указан дважды.",
  },
};
