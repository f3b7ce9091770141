"""The demo's requests: for each topic, whole dialogues whose lines follow one another.

Written for the demo (not taken from any dataset). Placeholders, filled per conversation:
{name} the customer's first name, {full} their full name, {order}, {track}, {amount}, {item},
{city}, {date}, {promo}. "(а)" endings are resolved for the speaker's gender.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Script:
    """One way such a request goes; every part is optional except the first three."""

    subject: str  # shown for e-mail and portal requests
    opening: str  # the customer's first message
    reply: str  # the agent's first answer (after a greeting)
    extra: str = ""  # the customer adds this right after the opening
    exchanges: tuple[tuple[str, str], ...] = ()  # (customer, agent), in this order
    ask: tuple[str, str, str] | None = None  # agent asks (and waits), customer, agent
    again: tuple[str, str] | None = None  # after the resolution: customer, agent


@dataclass(frozen=True)
class Topic:
    key: str
    type: str  # conversation type: question, order, complaint, other
    labels: tuple[str, ...]
    priorities: tuple[float, float, float, float]  # weights of low, normal, high, urgent
    scripts: dict[str, tuple[Script, ...]]  # by language
    notes: tuple[str, ...] = ()  # private notes (the team writes them in Russian)
    # A note asking a colleague ({mention}) for something, and the colleague's answer.
    mentions: tuple[tuple[str, str], ...] = ()
    attribute_keys: tuple[str, ...] = ()


S = Script

WHERE_IS_ORDER = Topic(
    key="where_is_order",
    mentions=(
        (
            "{mention} можно ускорить отправку заказа {order}? Клиенту нужно до выходных.",
            "Да, отправим сегодня вечером.",
        ),
    ),
    type="order",
    labels=("доставка",),
    priorities=(0.05, 0.8, 0.13, 0.02),
    attribute_keys=("order_number", "order_amount", "delivery_method"),
    notes=(
        "Перевозчик подтвердил задержку на сортировке, новый срок {date}.",
        "Клиент ждёт уже 5 дней — если завтра не доставят, делаем повторную отправку.",
        "Заказ {order} завис в статусе «Передан в доставку», написал(а) в службу доставки.",
    ),
    scripts={
        "ru": (
            S(
                subject="Где мой заказ №{order}?",
                opening="Здравствуйте! Заказ №{order} должен был приехать ещё вчера, а его всё "
                "нет. Подскажите, где он?",
                reply="Проверил(а): заказ №{order} передан в службу доставки, трек-номер "
                "{track}. По данным перевозчика посылка прибудет в {city} {date}.",
                exchanges=(
                    (
                        "А почему задержка? Обещали вчера",
                        "Перевозчик не успел отправить посылку с сортировочного центра из-за "
                        "большой загрузки. Приносим извинения за ожидание.",
                    ),
                    (
                        "Мне важно получить до выходных, это подарок",
                        "Отметил(а) в заказе, что доставка нужна до выходных, и написал(а) "
                        "в службу доставки, чтобы отправили в приоритете.",
                    ),
                ),
                ask=(
                    "Подскажите, пожалуйста, телефон, на который оформлен заказ — "
                    "проверю, не указан ли другой адрес.",
                    "Тот же, с которого пишу. Адрес: {city}, ул. Лесная, 12",
                    "Спасибо, адрес верный, посылка едет именно туда.",
                ),
                again=(
                    "Здравствуйте ещё раз. Посылка так и не пришла, хотя обещали {promised}",
                    "Очень жаль. Оформил(а) повторную отправку за наш счёт курьером, "
                    "он приедет завтра с 10 до 14.",
                ),
            ),
            S(
                subject="Статус заказа {order}",
                opening="Добрый день. Оформил(а) заказ {order} на прошлой неделе, статус не "
                "меняется уже три дня. Что с ним?",
                extra="Оплачивал(а) сразу картой",
                reply="Заказ собран и ждёт отправки на складе: товар «{item}» приехал "
                "от поставщика позже, чем ожидалось. Отправим сегодня, доставка — {date}.",
                exchanges=(
                    (
                        "А трек-номер будет?",
                        "Да, трек-номер придёт в SMS и на почту, как только посылку примет "
                        "перевозчик.",
                    ),
                    (
                        "Понятно. А если к {date} не успеете?",
                        "Тогда вернём стоимость доставки. Я поставил(а) заказ на контроль.",
                    ),
                ),
                again=(
                    "Трек так и не пришёл, заказ {order}",
                    "Посылка передана перевозчику вчера вечером, трек-номер: {track}. "
                    "Отслеживаться начнёт в течение суток.",
                ),
            ),
            S(
                subject="Курьер не приехал",
                opening="Добрый вечер! Курьер не приехал в назначенный интервал, заказ "
                "№{order}. Я весь день ждал(а) дома.",
                reply="Приносим извинения! Курьерская служба перенесла доставку на {date}. "
                "Сейчас попрошу их связаться с вами заранее и согласовать удобное время.",
                exchanges=(
                    (
                        "Можно хотя бы вечером, после 18?",
                        "Да, согласовал(а) интервал с 18 до 22. Курьер позвонит за час.",
                    ),
                ),
                again=(
                    "Курьер опять не приехал! Заказ {order}",
                    "Простите, это недопустимо. Передал(а) жалобу в службу доставки и "
                    "отправил(а) заказ другим курьером на завтра, доставка бесплатно.",
                ),
            ),
            S(
                subject="Где посылка?",
                opening="Подскажите по заказу {order}: в приложении написано «передан в "
                "доставку», а когда ждать — непонятно",
                reply="Посылка едет в {city}, ожидаемая дата — {date}. Трек-номер для "
                "отслеживания: {track}.",
                exchanges=(
                    (
                        "А можно забрать самому из пункта выдачи?",
                        "Да, когда посылка приедет, выберите пункт выдачи в приложении "
                        "перевозчика по трек-номеру — это бесплатно.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Where is my order #{order}?",
                opening="Hi, my order #{order} was supposed to arrive yesterday but it's still "
                "not here. Where is it?",
                reply="I checked: order #{order} is with the carrier, tracking number {track}. "
                "It should reach {city} on {date}.",
                exchanges=(
                    (
                        "Why the delay?",
                        "The carrier's sorting centre was overloaded this week. Sorry for the "
                        "wait!",
                    ),
                    (
                        "I really need it before the weekend, it's a gift",
                        "I've flagged the order as a priority with the courier service.",
                    ),
                ),
                ask=(
                    "Could you confirm the delivery address on the order?",
                    "12 Park Lane, flat 4, {city}",
                    "Thanks, that's the address the parcel is going to.",
                ),
                again=(
                    "Hi again, the parcel still hasn't arrived.",
                    "I'm sorry! I've sent a replacement by express courier at our cost; it "
                    "arrives tomorrow.",
                ),
            ),
            S(
                subject="Order {order} status",
                opening="Hello! The tracking number for order {order} doesn't work. Has it "
                "shipped?",
                reply="Yes, it shipped yesterday evening. Tracking usually starts working "
                "within 24 hours after handover to the carrier.",
                exchanges=(
                    (
                        "OK. When will it arrive?",
                        "The estimated delivery date is {date}.",
                    ),
                ),
            ),
        ),
    },
)

CHANGE_DELIVERY = Topic(
    key="change_delivery",
    mentions=(
        (
            "{mention} курьер уже выехал с заказом {order}? Клиент просит перенести.",
            "Ещё нет, перенос возможен — меняй.",
        ),
    ),
    type="order",
    labels=("доставка",),
    priorities=(0.1, 0.85, 0.05, 0.0),
    attribute_keys=("order_number", "delivery_method"),
    notes=("Клиент просит позвонить перед доставкой, отметил(а) в заказе.",),
    scripts={
        "ru": (
            S(
                subject="Изменить адрес доставки",
                opening="Здравствуйте, можно поменять адрес доставки в заказе {order}? Переезжаю",
                reply="Конечно. Заказ ещё не передан курьеру, так что это бесплатно. Напишите, "
                "пожалуйста, новый адрес.",
                exchanges=(
                    (
                        "{city}, ул. Садовая, д. 8, кв. 31",
                        "Готово, адрес изменён. Доставка {date}, курьер позвонит заранее.",
                    ),
                ),
                again=(
                    "Извините, а можно ещё и дату поменять?",
                    "Можно: перенёс(ла) доставку на день позже, подтверждение придёт в SMS.",
                ),
            ),
            S(
                subject="Перенос доставки, заказ {order}",
                opening="Добрый день! Хочу перенести доставку заказа №{order}, завтра меня не "
                "будет дома",
                reply="Перенести можно: ближайшие свободные интервалы — {date} с 10 до 14 и "
                "с 18 до 22. Какой удобнее?",
                exchanges=(
                    (
                        "Давайте вечерний",
                        "Перенёс(ла) доставку на {date}, 18:00–22:00. Подтверждение придёт SMS.",
                    ),
                ),
                ask=(
                    "Уточните, пожалуйста, на какой день удобно?",
                    "Лучше {date}",
                    "Записал(а). Курьер позвонит в день доставки.",
                ),
            ),
            S(
                subject="Самовывоз вместо курьера",
                opening="Можно вместо курьера забрать заказ {order} самовывозом из пункта выдачи?",
                reply="Да, можем переоформить на самовывоз. Подскажите, какой пункт выдачи удобен?",
                exchanges=(
                    (
                        "Тот, что у метро, на Лесной",
                        "Переоформил(а) заказ на пункт выдачи на Лесной. Код получения придёт "
                        "в SMS, заказ хранится 7 дней.",
                    ),
                    (
                        "А доставка тогда бесплатная?",
                        "Да, самовывоз бесплатный — разницу 290 ₽ вернём на карту.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Change delivery address",
                opening="Hi, can I change the delivery address for order {order}?",
                reply="Sure, the order hasn't been handed to the courier yet, so this is free. "
                "What's the new address?",
                exchanges=(
                    (
                        "12 Park Lane, flat 4, {city}",
                        "Done, the address is updated. Delivery on {date}.",
                    ),
                ),
            ),
            S(
                subject="Reschedule delivery for {order}",
                opening="Hello, I won't be home tomorrow. Can we move the delivery of {order}?",
                reply="Of course. The nearest slots are {date} 10:00–14:00 and 18:00–22:00.",
                exchanges=(
                    ("The evening one, please", "Done: {date}, 18:00–22:00. You'll get an SMS."),
                ),
            ),
        ),
    },
)

RETURN = Topic(
    key="return",
    mentions=(
        (
            "{mention} согласуй, пожалуйста, возврат {amount} ₽ по заказу {order}.",
            "Согласовано, оформляй.",
        ),
        (
            "{mention} склад ещё не подтвердил приёмку возврата по {order}, можешь поторопить?",
            "Написал(а) складу, подтвердят сегодня.",
        ),
    ),
    type="order",
    labels=("возврат",),
    priorities=(0.05, 0.75, 0.18, 0.02),
    attribute_keys=("order_number", "order_amount", "refund_approved"),
    notes=(
        "Возврат {amount} ₽ по заказу {order}: товар на складе, проверка пройдена.",
        "Клиент второй раз пишет про возврат — проверить, ушёл ли платёж.",
    ),
    scripts={
        "ru": (
            S(
                subject="Возврат товара",
                opening="Здравствуйте! Хочу вернуть товар «{item}» из заказа {order}, "
                "не подошёл. Как это сделать?",
                reply="Вернуть товар можно в течение 14 дней, если сохранены вид и упаковка. "
                "Оформите возврат в личном кабинете или сдайте товар в любой пункт выдачи.",
                exchanges=(
                    (
                        "А деньги когда вернутся?",
                        "После проверки товара на складе — обычно 1–2 дня — деньги уйдут на "
                        "карту, которой вы платили. Банк зачисляет их до 10 рабочих дней.",
                    ),
                    (
                        "Упаковку я уже выбросил(а), это страшно?",
                        "Ничего страшного, подойдёт любая коробка, главное — товар без следов "
                        "использования и с ярлыками.",
                    ),
                ),
                again=(
                    "Прошла неделя после возврата, а денег нет",
                    "Проверил(а): возврат {amount} ₽ отправлен три дня назад, номер операции "
                    "{track}. Если банк не зачислит за 3 дня — пришлите выписку, разберёмся.",
                ),
            ),
            S(
                subject="Возврат денег по заказу {order}",
                opening="Добрый день. Я оформил(а) возврат две недели назад, а деньги так и "
                "не пришли. Заказ {order}",
                reply="Проверю. Вижу заявку на возврат, товар принят складом. Уточняю у "
                "бухгалтерии, почему платёж задержался.",
                ask=(
                    "Подскажите, пожалуйста, последние 4 цифры карты, с которой была оплата?",
                    "4417",
                    "Спасибо, карта совпадает. Передал(а) данные в бухгалтерию, жду их ответа.",
                ),
                exchanges=(
                    (
                        "Жду",
                        "Бухгалтерия ответила: возврат {amount} ₽ отправлен сегодня, деньги будут "
                        "на карте в течение 3 дней.",
                    ),
                    (
                        "Почему так долго?",
                        "Заявка ждала подтверждения склада дольше обычного, это наша ошибка. "
                        "В качестве извинения начислили вам 300 бонусов.",
                    ),
                ),
            ),
            S(
                subject="Привезли не тот цвет",
                opening="Здравствуйте, курьер привёз «{item}» не того цвета. Хочу вернуть и "
                "получить деньги",
                extra="Заказ №{order}",
                reply="Приносим извинения за ошибку комплектовщика! Курьер заберёт товар "
                "бесплатно, а деньги вернём сразу после передачи.",
                exchanges=(
                    (
                        "А можно вместо денег нужный цвет?",
                        "Да, конечно: привезём нужный цвет и заберём этот в один визит, {date}.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Return for order {order}",
                opening="Hi, I'd like to return the {item}, it doesn't fit. How do I do that?",
                reply="You can return an item within 14 days if it's unused and in its "
                "packaging. Start the return in your account or drop it at any pickup point.",
                exchanges=(
                    (
                        "When will I get my money back?",
                        "Within 1–2 days after the warehouse checks the item; your bank may "
                        "take up to 10 business days to credit it.",
                    ),
                ),
                again=(
                    "It's been a week and the refund still isn't there.",
                    "I checked: the refund of {amount} ₽ was sent three days ago, "
                    "reference {track}.",
                ),
            ),
            S(
                subject="Refund request",
                opening="Hello, I sent a return two weeks ago and still haven't got my refund. "
                "Order {order}.",
                reply="Let me check. The warehouse received the item; I'm asking accounting "
                "why the payment is late.",
                ask=(
                    "Could you tell me the last 4 digits of the card you paid with?",
                    "It's 4417",
                    "Thanks. The refund of {amount} ₽ went to card •4417 today.",
                ),
            ),
        ),
    },
)

DEFECT = Topic(
    key="defect",
    mentions=(
        ("{mention} клиент требует компенсацию, можем дать 500 бонусов?", "Ок, 500 бонусов можно."),
        (
            "{mention} согласуй, пожалуйста, замену без возврата бракованного товара.",
            "Согласовано.",
        ),
    ),
    type="complaint",
    labels=("брак",),
    priorities=(0.0, 0.45, 0.45, 0.1),
    attribute_keys=("order_number", "order_amount", "refund_approved"),
    notes=(
        "Претензия П-{track}: брак подтверждён по фото, нужна замена без возврата.",
        "Клиент очень недоволен, второй брак подряд. Предлагаю компенсацию бонусами.",
        "Партия «{gadget}» от этого поставщика — уже третья жалоба за неделю.",
    ),
    scripts={
        "ru": (
            S(
                subject="Брак: {gadget}",
                opening="Здравствуйте. Пришёл заказ {order}, а у товара «{gadget}» трещина "
                "на корпусе. Очень неприятно, ждали неделю!",
                reply="Приносим извинения за испорченное впечатление. Мы заменим товар или "
                "вернём деньги — как вам удобнее. Курьер заберёт его бесплатно.",
                ask=(
                    "Пришлите, пожалуйста, фото повреждения и упаковки — так быстрее оформим "
                    "замену.",
                    "Отправил(а) фото",
                    "Спасибо, фото получили. Зарегистрировал(а) претензию № П-{track}.",
                ),
                exchanges=(
                    (
                        "Хочу замену, а не деньги",
                        "Замена одобрена: новый товар привезём {date}, старый курьер заберёт "
                        "в тот же визит.",
                    ),
                    (
                        "Надеюсь, в этот раз будет целый",
                        "Попросил(а) склад проверить товар перед отправкой и упаковать с "
                        "дополнительной защитой.",
                    ),
                ),
                again=(
                    "Замену так и не привезли!",
                    "Простите за это. Замена уже на складе курьерской службы, доставка "
                    "завтра до 14:00. Начислили 500 бонусов в качестве извинения.",
                ),
            ),
            S(
                subject="Претензия по заказу {order}",
                opening="Добрый день, товар «{gadget}» перестал включаться через два дня "
                "после покупки. Что делать?",
                reply="Очень жаль, что так вышло. Это гарантийный случай: оформил(а) "
                "претензию № П-{track}, курьер заберёт товар на проверку.",
                exchanges=(
                    (
                        "А сколько длится проверка?",
                        "До 10 дней по закону, но обычно 2–3 дня. Я буду держать вас в курсе.",
                    ),
                    (
                        "Лучше верните деньги, больше такой не хочу",
                        "Хорошо, отметил(а) в претензии, что вы хотите возврат {amount} ₽.",
                    ),
                ),
                again=(
                    "Проверка прошла? Прошла неделя",
                    "Да, сервис подтвердил заводской брак. Возврат {amount} ₽ оформлен, "
                    "деньги придут на карту в течение 3 дней.",
                ),
            ),
            S(
                subject="Некомплект",
                opening="Коробка была вскрыта, а внутри не хватает комплектующих. Заказ {order}",
                reply="Извините, пожалуйста! Подскажите, чего именно не хватает? Довезём "
                "недостающее отдельно.",
                exchanges=(
                    (
                        "Нет зарядного устройства и инструкции",
                        "Отправим зарядное устройство курьером {date}, инструкцию продублирую "
                        "на почту прямо сейчас.",
                    ),
                ),
            ),
            S(
                subject="Повторный брак",
                opening="Это уже второй раз, когда вы присылаете бракованный товар! Требую "
                "вернуть деньги",
                reply="Понимаю ваше возмущение и приношу извинения. Оформляю возврат "
                "{amount} ₽ без возврата товара — забирать его не нужно.",
                exchanges=(
                    (
                        "А компенсация какая-то будет?",
                        "Да, начислили 1 000 бонусов и промокод на 10% на следующий заказ.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Damaged item received",
                opening="Hi, the {gadget} arrived with a cracked case. Really disappointed.",
                reply="We're so sorry. We'll replace it or refund you, whichever you prefer. "
                "A courier will collect it free of charge.",
                ask=(
                    "Could you send photos of the damage and the packaging?",
                    "Sent them by e-mail",
                    "Got them, thanks. I've registered complaint C-{track}.",
                ),
                exchanges=(
                    (
                        "I'd prefer a replacement",
                        "The replacement is approved: we'll deliver it on {date} and take the "
                        "damaged one on the same visit.",
                    ),
                ),
            ),
            S(
                subject="Complaint about order {order}",
                opening="Hello, my {gadget} stopped working after two days. What can I do?",
                reply="That's covered by the warranty. I've opened complaint C-{track}; a "
                "courier will pick the item up for inspection.",
                again=(
                    "Any news from the inspection?",
                    "Yes: a factory defect was confirmed, and your refund of {amount} ₽ is on "
                    "its way.",
                ),
            ),
        ),
    },
)

PAYMENT = Topic(
    key="payment",
    mentions=(
        (
            "{mention} нужен ручной возврат {amount} ₽ по двойному списанию, согласуешь?",
            "Согласовано, передал(а) в бухгалтерию.",
        ),
    ),
    type="question",
    labels=("оплата",),
    priorities=(0.02, 0.6, 0.3, 0.08),
    attribute_keys=("order_number", "order_amount"),
    notes=(
        "Двойное списание подтверждаю по выписке эквайринга, нужен ручной возврат.",
        "Опять сбой платёжного шлюза — это уже пятое обращение за день, сообщил(а) разработчикам.",
    ),
    scripts={
        "ru": (
            S(
                subject="Списали деньги дважды",
                opening="Здравствуйте! С карты списали деньги два раза за один заказ {order}. "
                "Верните!",
                extra="Списание {amount} ₽, дважды, с разницей в минуту",
                reply="Вижу два платежа. Второй — это блокировка средств: банк снимет её "
                "автоматически в течение 3 дней. Если нет — вернём вручную.",
                ask=(
                    "Пришлите, пожалуйста, скриншот списаний из приложения банка.",
                    "Отправил(а) скрин на почту",
                    "Спасибо, вижу: оба списания проведены. Оформил(а) ручной возврат "
                    "лишних {amount} ₽.",
                ),
                again=(
                    "Деньги за второе списание так и не вернулись",
                    "Проверил(а): возврат проведён позавчера, номер операции {track}. Банк "
                    "может показывать его отдельной строкой «возврат».",
                ),
            ),
            S(
                subject="Не проходит оплата",
                opening="Не проходит оплата картой, пишет «ошибка банка». Что делать?",
                reply="Сейчас был кратковременный сбой платёжного шлюза, уже всё работает. "
                "Попробуйте, пожалуйста, оплатить ещё раз по ссылке из письма.",
                exchanges=(
                    (
                        "Получилось, спасибо. А заказ не отменится?",
                        "Нет, оплата поступила, заказ уже передан на сборку.",
                    ),
                ),
            ),
            S(
                subject="Оплата по счёту",
                opening="Можно оплатить заказ по счёту для юрлица?",
                reply="Да, работаем с юрлицами по безналичному расчёту, с НДС. Пришлите, "
                "пожалуйста, реквизиты компании.",
                exchanges=(
                    (
                        "Реквизиты отправил(а) на почту",
                        "Выставил(а) счёт на вашу почту. После оплаты заказ уйдёт в сборку.",
                    ),
                    (
                        "Закрывающие документы пришлёте?",
                        "Да, УПД приедет вместе с заказом и продублируется в ЭДО.",
                    ),
                ),
            ),
            S(
                subject="Заказ не оплачен?",
                opening="Деньги списались, а заказ висит как неоплаченный",
                extra="Заказ {order}",
                reply="Оплата прошла, но статус обновился с задержкой. Поправил(а) вручную — "
                "заказ оплачен и передан на сборку.",
            ),
        ),
        "en": (
            S(
                subject="Charged twice",
                opening="Hi, I was charged twice for order {order}. Please refund one payment.",
                reply="I see two payments; the second is a hold, and your bank will release it "
                "within 3 days. If not, we'll refund it manually.",
                exchanges=(
                    (
                        "Can you just refund it now?",
                        "Done — I've refunded the extra {amount} ₽; it'll be back within 3 days.",
                    ),
                ),
            ),
            S(
                subject="Payment failed",
                opening="My card payment keeps failing with a bank error. What should I do?",
                reply="The payment gateway had a short outage; it works now. Please try again "
                "with the link from the e-mail.",
                exchanges=(
                    ("It worked, thanks. Is the order still on?", "Yes, it's being packed."),
                ),
            ),
        ),
    },
)

PRODUCT_QUESTION = Topic(
    key="product_question",
    type="question",
    labels=(),
    priorities=(0.25, 0.72, 0.03, 0.0),
    notes=("Спрашивают про «{item}» уже не первый раз — стоит добавить в FAQ.",),
    scripts={
        "ru": (
            S(
                subject="Есть ли в наличии «{item}»?",
                opening="Здравствуйте, «{item}» есть в наличии в {city}?",
                reply="Да, есть на складе, доставим в {city} за 1–2 дня.",
                exchanges=(
                    (
                        "А в чёрном цвете есть?",
                        "В чёрном тоже есть, осталось 3 штуки.",
                    ),
                    (
                        "А доставка платная?",
                        "При заказе от 3 000 ₽ доставка бесплатная.",
                    ),
                ),
                again=(
                    "А ещё вопрос: можно оформить в рассрочку?",
                    "Да, при оформлении выберите «Оплата частями» — 4 платежа без переплаты.",
                ),
            ),
            S(
                subject="Подбор размера",
                opening="Подскажите, какой размер куртки выбрать? Рост 176, обычно ношу M",
                reply="По таблице размеров вам подойдёт M: модель садится свободно, под неё "
                "можно надеть свитер.",
                exchanges=(
                    (
                        "А если не подойдёт?",
                        "Курьер подождёт 15 минут, пока вы примерите, — если не подойдёт, "
                        "просто вернёте ему.",
                    ),
                ),
            ),
            S(
                subject="Когда поступление?",
                opening="Когда снова будет «{item}»? Уже месяц нет в наличии",
                reply="Поставка ожидается {date}. Могу подписать вас на уведомление о поступлении.",
                exchanges=(
                    (
                        "Да, подпишите, пожалуйста",
                        "Подписал(а): письмо придёт, как только товар появится на складе.",
                    ),
                ),
            ),
            S(
                subject="Гарантия",
                opening="Есть ли гарантия на «{item}» и сколько?",
                reply="Гарантия производителя — 12 месяцев, на сайте можно докупить "
                "расширенную до 3 лет.",
                exchanges=(
                    (
                        "А ремонт где делать?",
                        "Привозите в любой наш пункт выдачи — отправим в сервисный центр и "
                        "вернём после ремонта.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Is the {item} in stock?",
                opening="Hi, is the {item} in stock?",
                reply="Yes, and delivery to {city} takes 1–2 days.",
                exchanges=(
                    ("Do you have it in black?", "We do — 3 left in black."),
                    ("Is delivery free?", "Yes, delivery is free over 3,000 ₽."),
                ),
            ),
            S(
                subject="Warranty",
                opening="How long is the warranty on the {item}?",
                reply="12 months from the manufacturer; you can extend it to 3 years at checkout.",
                again=(
                    "One more question: can I pay in instalments?",
                    "Yes — choose 'Pay in 4' at checkout, no extra fees.",
                ),
            ),
        ),
    },
)

PROMO = Topic(
    key="promo",
    type="question",
    labels=("промокод",),
    priorities=(0.2, 0.78, 0.02, 0.0),
    notes=("Код {promo} истёк вчера, но в рассылке срок не указан — исправить шаблон.",),
    scripts={
        "ru": (
            S(
                subject="Промокод {promo}",
                opening="Промокод {promo} не применяется, пишет «недействителен». Почему?",
                reply="Промокод {promo} действует на заказы от 5 000 ₽ и не суммируется с "
                "акциями. В вашей корзине есть товары со скидкой — на них он не "
                "распространяется.",
                exchanges=(
                    (
                        "Обидно. Может, можно что-то сделать?",
                        "Применил(а) скидку 10% вручную на товары без акции, пересчитанный "
                        "счёт отправил(а) на почту.",
                    ),
                ),
                ask=(
                    "Пришлите, пожалуйста, скриншот корзины с ошибкой.",
                    "Вот, отправил(а)",
                    "Вижу: в корзине акционный товар. Без него код применится.",
                ),
            ),
            S(
                subject="Не начислились бонусы",
                opening="Не начислились бонусы за прошлый заказ",
                reply="Бонусы начисляются через 14 дней после получения заказа — для вашего "
                "это {date}.",
                exchanges=(
                    (
                        "А почему так долго?",
                        "Это срок, в который можно вернуть товар. Но раз вы ждали, начислил(а) "
                        "300 бонусов прямо сейчас.",
                    ),
                ),
            ),
        ),
        "en": (
            S(
                subject="Promo code doesn't work",
                opening="The promo code {promo} says it's invalid. Why?",
                reply="{promo} applies to orders over 5,000 ₽ and can't be combined with "
                "other offers; your cart has discounted items.",
                exchanges=(
                    (
                        "Can you do anything?",
                        "I've applied a 10% discount to the full-price items manually.",
                    ),
                ),
            ),
        ),
    },
)

WHOLESALE = Topic(
    key="wholesale",
    mentions=(
        (
            "{mention} клиент просит скидку 18% на 50 штук, согласуешь?",
            "Давай 15%, больше не можем.",
        ),
    ),
    type="other",
    labels=("опт",),
    priorities=(0.3, 0.6, 0.1, 0.0),
    notes=(
        "Крупный опт, передать в отдел B2B после согласования скидки.",
        "Скидка 18% требует согласования руководителя.",
    ),
    scripts={
        "ru": (
            S(
                subject="Оптовый заказ",
                opening="Добрый день! Интересует оптовая закупка, около 50 штук «{item}». "
                "Какие условия?",
                reply="От 30 штук скидка 12%, от 100 — 18%. Подготовлю коммерческое "
                "предложение: подскажите, пожалуйста, реквизиты компании и город доставки.",
                exchanges=(
                    (
                        "ООО «Восток», ИНН пришлю на почту. Доставка в {city}",
                        "Спасибо! Коммерческое предложение отправил(а) на почту, оно "
                        "действует 5 рабочих дней.",
                    ),
                    (
                        "Мы согласны, выставляйте счёт",
                        "Счёт выставлен, после оплаты отгрузим за 2 рабочих дня.",
                    ),
                ),
            ),
            S(
                subject="Сотрудничество",
                opening="Мы небольшой магазин в {city}, хотим работать с вами. Есть ли "
                "дилерские цены?",
                reply="Да, у нас есть дилерская программа. Менеджер по оптовым продажам "
                "свяжется с вами сегодня до 18:00.",
            ),
        ),
        "en": (
            S(
                subject="Wholesale enquiry",
                opening="Hello, we're interested in buying about 50 units of {item}. Any "
                "discounts?",
                reply="Orders of 30+ units get 12% off, 100+ get 18%. I'll prepare a quote.",
                exchanges=(
                    (
                        "Delivery to {city} by {date}, please",
                        "Noted. The quote is in your inbox, valid for 5 business days.",
                    ),
                ),
            ),
        ),
    },
)

SITE_BUG = Topic(
    key="site_bug",
    mentions=(
        (
            "{mention} опять жалоба на оплату на сайте — разработчики в курсе?",
            "Да, уже чинят, обещают к вечеру.",
        ),
    ),
    type="other",
    labels=("баг-сайта",),
    priorities=(0.1, 0.6, 0.25, 0.05),
    notes=(
        "Завёл(а) задачу разработчикам: падение корзины на Android 14.",
        "Похоже на сбой SMS-шлюза, уже 4 жалобы за час.",
    ),
    scripts={
        "ru": (
            S(
                subject="Не могу оформить заказ",
                opening="Не могу оформить заказ: после нажатия «Оплатить» страница просто "
                "обновляется",
                extra="Браузер Chrome, кэш чистил(а)",
                reply="Спасибо, что сообщили! Передал(а) ошибку разработчикам. Пока могу "
                "оформить заказ за вас прямо здесь.",
                exchanges=(
                    (
                        "Давайте, в корзине всё уже есть",
                        "Оформил(а) заказ {order}, ссылка на оплату придёт в SMS.",
                    ),
                ),
                again=(
                    "Опять та же ошибка на сайте",
                    "Исправление выкатили час назад — обновите страницу с очисткой кэша "
                    "(Ctrl+F5), пожалуйста.",
                ),
            ),
            S(
                subject="Не работает приложение",
                opening="Приложение вылетает при открытии корзины",
                reply="Известная проблема на Android 14, исправление выйдет сегодня вечером.",
                ask=(
                    "Подскажите, пожалуйста, модель телефона и версию приложения?",
                    "Samsung A54, версия 5.12",
                    "Спасибо, это как раз та версия. Обновление 5.13 всё исправит.",
                ),
                exchanges=(
                    (
                        "А до вечера как быть?",
                        "Можно оформить заказ на сайте — там всё работает, корзина общая.",
                    ),
                ),
            ),
            S(
                subject="Не приходит код",
                opening="Не приходит код для входа в личный кабинет",
                reply="Код мог попасть в спам или задержаться у оператора. Отправил(а) новый "
                "код повторно — проверьте, пожалуйста.",
                exchanges=(("Пришёл, спасибо", "Отлично!"),),
            ),
        ),
        "en": (
            S(
                subject="Website error",
                opening="I can't check out: the page just reloads when I press Pay.",
                reply="Thanks for letting us know! I've reported it to the developers. I can "
                "place the order for you right here.",
                exchanges=(
                    (
                        "Yes please, everything is in the cart",
                        "Done — order {order}; the payment link is on its way by SMS.",
                    ),
                ),
            ),
            S(
                subject="Login code",
                opening="I'm not receiving the login code.",
                reply="It may be in your spam folder. I've sent a new one.",
                exchanges=(("Got it now", "Great!"),),
            ),
        ),
    },
)

COURIER_COMPLAINT = Topic(
    key="courier_complaint",
    mentions=(
        (
            "{mention} третья жалоба на этого курьера, эскалируем в службу доставки?",
            "Да, эскалируй, я напишу их руководителю.",
        ),
    ),
    type="complaint",
    labels=("отзыв",),
    priorities=(0.0, 0.55, 0.4, 0.05),
    attribute_keys=("order_number",),
    notes=("Третья жалоба на этого курьера за месяц — эскалировать в службу доставки.",),
    scripts={
        "ru": (
            S(
                subject="Жалоба на курьера",
                opening="Курьер нагрубил и бросил коробку у двери, не дождавшись меня. Безобразие!",
                extra="Заказ {order}",
                reply="Приносим извинения, так быть не должно. Передал(а) жалобу в службу "
                "доставки, с курьером проведут разбирательство.",
                exchanges=(
                    (
                        "И что мне с этого? Хочу, чтобы приняли меры",
                        "Служба доставки подтвердила нарушение, курьер отстранён. В качестве "
                        "извинения начислили вам 500 бонусов.",
                    ),
                ),
                again=(
                    "И снова тот же курьер, и снова то же самое!",
                    "Это недопустимо. Поставил(а) в вашем профиле запрет на этого курьера и "
                    "эскалировал(а) жалобу руководству службы доставки.",
                ),
            ),
            S(
                subject="Доплата за подъём",
                opening="Хочу оставить жалобу: курьер потребовал доплату за подъём на этаж",
                reply="Спасибо, что сообщили. Доплата за подъём не предусмотрена — вернём "
                "вам эти деньги.",
                ask=(
                    "Подскажите, пожалуйста, сколько вы заплатили курьеру?",
                    "500 рублей",
                    "Вернул(а) 500 ₽ на карту, с которой оплачивался заказ.",
                ),
            ),
        ),
        "en": (
            S(
                subject="Complaint about the courier",
                opening="The courier was 3 hours late and didn't call.",
                reply="We apologise — this shouldn't happen. I've forwarded your complaint to "
                "the delivery service.",
                exchanges=(
                    (
                        "I want them to do something about it",
                        "They confirmed the violation; we've added 500 bonus points to your "
                        "account as an apology.",
                    ),
                ),
            ),
        ),
    },
)

TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        WHERE_IS_ORDER,
        CHANGE_DELIVERY,
        RETURN,
        DEFECT,
        PAYMENT,
        PRODUCT_QUESTION,
        PROMO,
        WHOLESALE,
        SITE_BUG,
        COURIER_COMPLAINT,
    )
}

# Which topics come through which channel (the portal and e-mail carry the heavier cases).
TOPIC_WEIGHTS: dict[str, dict[str, float]] = {
    "webchat": {
        "where_is_order": 3,
        "change_delivery": 1.5,
        "return": 2,
        "defect": 1,
        "payment": 2,
        "product_question": 4,
        "promo": 2,
        "wholesale": 0.5,
        "site_bug": 1.5,
        "courier_complaint": 0.7,
    },
    "telegram": {
        "where_is_order": 4,
        "change_delivery": 2,
        "return": 2,
        "defect": 1,
        "payment": 1.5,
        "product_question": 3,
        "promo": 1.5,
        "site_bug": 1,
        "courier_complaint": 1,
    },
    "whatsapp": {
        "where_is_order": 4,
        "change_delivery": 2.5,
        "return": 2,
        "defect": 1.2,
        "payment": 1,
        "product_question": 2,
        "courier_complaint": 1,
    },
    "vk": {
        "where_is_order": 2,
        "product_question": 3,
        "promo": 2.5,
        "return": 1,
        "defect": 1,
        "courier_complaint": 1,
    },
    "email": {
        "return": 3,
        "defect": 3,
        "payment": 2,
        "wholesale": 2,
        "where_is_order": 2,
        "courier_complaint": 1.5,
    },
    "portal": {"return": 4, "defect": 3, "payment": 2, "where_is_order": 2, "change_delivery": 1},
    "api": {"site_bug": 4, "where_is_order": 3, "payment": 2, "promo": 1, "change_delivery": 1},
}
