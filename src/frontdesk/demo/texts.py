"""What the demo's agents and customers say besides the requests themselves (see scripts.py),
and the names they go by. Written for the demo, in Russian and English.
"""

from __future__ import annotations

Lines = dict[str, tuple[str, ...]]  # language ("ru", "en") -> variants


GREETING: Lines = {
    "ru": (
        "{hello}, {name}! Меня зовут {agent}, помогу разобраться.",
        "{hello}, {name}! Это {agent}, служба поддержки.",
        "{name}, здравствуйте! Спасибо, что написали.",
        "Здравствуйте! Меня зовут {agent}.",
        "{hello}!",
    ),
    "en": (
        "Hi {name}, this is {agent} from customer support.",
        "{hello} {name}! My name is {agent}, happy to help.",
        "Hi {name}, thanks for reaching out!",
    ),
}

# The customer's next question when their request's script has none left.
FOLLOW_UP: Lines = {
    "ru": ("Есть новости?", "Подскажите, сколько ещё ждать?", "Так что в итоге?"),
    "en": ("Any news?", "How much longer will it take?"),
}

# The agent needs something before going on (the customer never answers it).
GENERIC_ASK: Lines = {
    "ru": (
        "Подскажите, пожалуйста, номер заказа — проверю.",
        "Уточните, пожалуйста, телефон, на который оформлен заказ.",
    ),
    "en": ("Could you share your order number so I can check?",),
}

# A customer back after the resolution, when the script has no sequel of its own.
GENERIC_AGAIN: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (
        (
            "Здравствуйте ещё раз! Когда ждать доставку заказа {order}?",
            "Доставка {date}, трек-номер для отслеживания: {track}.",
        ),
        (
            "Забыл(а) спросить: можно ли добавить товар в тот же заказ?",
            "Заказ уже собран, но можно оформить новый — объединим доставку бесплатно.",
        ),
    ),
    "en": (
        (
            "Hi again! When should I expect the delivery of order {order}?",
            "It's due on {date}; tracking number {track}.",
        ),
    ),
}

# The first customer message in a bot conversation is followed by a request for a person.
ASK_FOR_HUMAN: Lines = {
    "ru": ("Оператор", "Позовите, пожалуйста, человека", "Хочу поговорить с менеджером"),
    "en": ("Operator please", "Can I talk to a human?"),
}

# A customer who waits long in a chat tends to ask whether anyone is there.
NUDGE: Lines = {
    "ru": ("Алло?", "Вы тут?", "Есть кто-нибудь?", "Ответьте, пожалуйста", "??"),
    "en": ("Hello?", "Anyone there?", "Still waiting..."),
}

THANKS: Lines = {
    "ru": (
        "Спасибо!",
        "Спасибо большое, всё понятно",
        "Отлично, спасибо за помощь",
        "Хорошо, спасибо",
        "Благодарю, вопрос решён",
        "Ок",
        "Спасибо, жду",
    ),
    "en": ("Thanks!", "Great, thank you so much", "Perfect, thanks for your help", "OK, thanks"),
}

CLOSING: Lines = {
    "ru": (
        "Рад(а) помочь! Хорошего дня.",
        "Обращайтесь, если появятся вопросы. Всего доброго!",
        "Пожалуйста! Если что-то ещё понадобится — пишите.",
        "Спасибо за обращение, {name}! Хорошего вечера.",
    ),
    "en": (
        "Happy to help! Have a great day.",
        "You're welcome, {name}! Let us know if there's anything else.",
    ),
}

# The agent promises an answer and snoozes the conversation until then.
SNOOZE_PROMISE: Lines = {
    "ru": (
        "Уточняю информацию на складе, вернусь с ответом завтра до обеда.",
        "Запросил(а) данные у службы доставки, отвечу, как только получу ответ.",
        "Передал(а) вопрос в бухгалтерию, напишу вам, как только будет результат.",
    ),
    "en": (
        "I'm checking with the warehouse and will get back to you tomorrow.",
        "I've asked the courier service and will reply as soon as I hear back.",
    ),
}

THANKS_FOR_WAITING: Lines = {
    "ru": ("Спасибо за ожидание, {name}!", "{name}, вернулся(ась) с ответом."),
    "en": ("Thanks for waiting, {name}!",),
}

# The agent asked a question and the customer never answered: a polite close.
NO_REPLY_CLOSE: Lines = {
    "ru": (
        "Не получили от вас ответа, поэтому закрываем обращение. Если вопрос остался — "
        "просто напишите нам.",
    ),
    "en": ("We haven't heard back, so we're closing this for now. Just write if you need us.",),
}

TRANSFER_NOTE = (
    "Передаю {to}: вопрос по возвратам, это к поддержке.",
    "Передаю {to} — у меня конец смены, клиент ждёт ответа по заказу {order}.",
    "{to}, забери, пожалуйста: нужна проверка по претензии.",
    "Переназначаю на {to}: клиент уже общался с этим менеджером.",
)

# Notes asking a colleague ({mention}) about any request, with the colleague's answer.
MENTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (
        (
            "{mention} посмотри, пожалуйста: клиент обращается уже третий раз за неделю.",
            "Посмотрел(а). Продолжай, если что — подключусь.",
        ),
        (
            "{mention} не открывается карточка заказа {order}, можешь проверить?",
            "Проверил(а): заказ был в архиве, восстановил(а).",
        ),
        (
            "{mention} подскажи, как лучше ответить? Случай нестандартный.",
            "Предложи замену, а если откажется — возврат.",
        ),
    ),
    "en": (
        (
            "{mention} could you take a look? The customer has written three times this week.",
            "Посмотрел(а) — продолжай, если что, подключусь.",
        ),
        (
            "{mention} the order card for {order} won't open, can you check?",
            "Проверил(а): заказ был в архиве, восстановил(а).",
        ),
    ),
}

ESCALATION_NOTE = (
    "Клиент недоволен, повышаю приоритет.",
    "Грозит оставить отзыв на маркетплейсе — отвечаем в приоритете.",
)

# What Sarah, the English-speaking agent, writes in her notes.
EN_NOTES = (
    "Checked with the warehouse: it ships on {date}.",
    "Customer is a regular, let's be generous with the goodwill bonus.",
    "Order {order} is stuck in 'handed to carrier', asked the courier service.",
)
EN_TRANSFER_NOTES = ("Handing over to {to}, my shift is over.",)
EN_ESCALATION_NOTE = ("Escalating: the customer is very unhappy.",)

SPECIALIST_NOTE = "{mention} подключаю тебя как специалиста по претензиям, посмотри фото."
SPECIALIST_ANSWERS = (
    "Посмотрел(а) фото — брак очевидный, оформляй замену без возврата.",
    "Это повреждение при доставке: претензию выставим перевозчику, клиенту — замена.",
)

# Catalogue names, quoted in Russian text so they need no declension.
ITEMS: Lines = {
    "ru": (
        "Наушники SoundBeat Pro",
        "Кофемашина Aroma 300",
        "Рюкзак City 22 л",
        "Парка Nord",
        "Кроссовки RunFast 2",
        "Умные часы Pulse S",
        "Увлажнитель Mist 5",
        "Самокат Kiddo",
        "Робот-пылесос Clean X",
        "Комплект белья Soft Sleep",
        "Лампа Lumo",
        "Чайник Steel 1,7 л",
        "Чемодан Trip M",
        "Фитнес-браслет Step 4",
    ),
    "en": (
        "SoundBeat Pro headphones",
        "Aroma 300 coffee machine",
        "City 22 l backpack",
        "Nord parka",
        "RunFast 2 running shoes",
        "Pulse S smartwatch",
        "Mist 5 humidifier",
        "Clean X robot vacuum",
        "Lumo desk lamp",
        "Trip M suitcase",
    ),
}

# Things that can crack or stop working.
GADGETS: Lines = {
    "ru": (
        "Наушники SoundBeat Pro",
        "Кофемашина Aroma 300",
        "Умные часы Pulse S",
        "Увлажнитель Mist 5",
        "Робот-пылесос Clean X",
        "Чайник Steel 1,7 л",
        "Фитнес-браслет Step 4",
    ),
    "en": (
        "SoundBeat Pro headphones",
        "Aroma 300 coffee machine",
        "Pulse S smartwatch",
        "Clean X robot vacuum",
    ),
}

PROMO_CODES = ("SPRING15", "WELCOME10", "VESNA500", "FRIENDS20", "SALE7", "BONUS300")

CITIES: Lines = {
    "ru": (
        "Москва",
        "Санкт-Петербург",
        "Екатеринбург",
        "Казань",
        "Новосибирск",
        "Нижний Новгород",
        "Краснодар",
        "Самара",
        "Ростов-на-Дону",
        "Воронеж",
        "Пермь",
        "Тюмень",
        "Калининград",
    ),
    "en": ("London", "Berlin", "Dublin", "Riga", "Tallinn", "Belgrade", "Tbilisi", "Almaty"),
}

RU_MALE_FIRST = (
    "Александр",
    "Андрей",
    "Артём",
    "Владимир",
    "Денис",
    "Евгений",
    "Игорь",
    "Кирилл",
    "Максим",
    "Михаил",
    "Николай",
    "Олег",
    "Роман",
    "Сергей",
    "Тимур",
    "Юрий",
)
RU_FEMALE_FIRST = (
    "Алина",
    "Анастасия",
    "Виктория",
    "Дарья",
    "Елена",
    "Ирина",
    "Ксения",
    "Людмила",
    "Марина",
    "Наталья",
    "Оксана",
    "Полина",
    "Светлана",
    "Татьяна",
    "Юлия",
    "Яна",
)
# Surnames in their masculine form; the feminine one is derived.
RU_SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузьмин",
    "Попов",
    "Васильев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселёв",
    "Макаров",
    "Андреев",
    "Ковалёв",
    "Ильин",
    "Гусев",
    "Титов",
    "Кузнецов",
    "Баранов",
    "Куликов",
    "Алексеев",
    "Степанов",
    "Яковлев",
    "Сорокин",
    "Зайцев",
    "Соловьёв",
    "Медведев",
    "Ершов",
    "Никитин",
    "Соболев",
    "Рябов",
    "Поляков",
    "Жуков",
    "Крылов",
    "Лавров",
    "Чернов",
    "Григорьев",
    "Романов",
    "Калинин",
    "Широков",
)
EN_FIRST = (
    "James",
    "Emily",
    "Oliver",
    "Sophie",
    "Daniel",
    "Charlotte",
    "Thomas",
    "Hannah",
    "Lucas",
    "Chloe",
    "Ethan",
    "Grace",
    "Noah",
    "Mia",
    "Jack",
    "Ella",
)
EN_SURNAMES = (
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Baker",
    "Turner",
    "Müller",
    "Novak",
)

_TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ü": "u",
}


def latin(text: str) -> str:
    """An ASCII spelling of a name, for the local part of an e-mail address."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower() if ch.isalnum())


def feminine(surname: str) -> str:
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname
