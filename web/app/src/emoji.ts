// A small built-in set of common emoji for the reply box, named in English and Russian so the
// picker finds them in either language. Pure data and search; no dependency.

export interface Emoji {
  char: string;
  /** English names and keywords, the first one is the name shown. */
  en: string;
  /** Russian names and keywords, the first one is the name shown. */
  ru: string;
}

export interface EmojiGroup {
  id: "smileys" | "people" | "symbols" | "objects" | "nature";
  emoji: Emoji[];
}

function group(id: EmojiGroup["id"], rows: [string, string, string][]): EmojiGroup {
  return { id, emoji: rows.map(([char, en, ru]) => ({ char, en, ru })) };
}

export const EMOJI_GROUPS: readonly EmojiGroup[] = [
  group("smileys", [
    ["😀", "grinning face, smile, happy", "улыбка, радость, счастье"],
    ["😃", "smiling face with big eyes, smile, happy", "широкая улыбка, радость"],
    ["😄", "smiling face with smiling eyes, laugh", "смех, улыбка до ушей"],
    ["😁", "beaming face, grin", "сияющая улыбка, ухмылка"],
    ["😂", "tears of joy, laugh, lol", "слёзы радости, смех, ржу"],
    ["🙂", "slightly smiling face, smile", "лёгкая улыбка"],
    ["😉", "winking face, wink", "подмигивание, подмигнуть"],
    ["😊", "smiling face, blush", "смущённая улыбка, румянец"],
    ["😇", "smiling face with halo, angel", "ангел, нимб"],
    ["😍", "heart eyes, love", "влюблённые глаза, любовь"],
    ["😘", "blowing a kiss, kiss", "воздушный поцелуй, поцелуй"],
    ["🤗", "hugging face, hug", "объятия, обнять"],
    ["🤔", "thinking face, hmm", "задумчивость, думаю, хм"],
    ["😐", "neutral face", "нейтральное лицо, без эмоций"],
    ["🙄", "face with rolling eyes", "закатывает глаза"],
    ["😅", "grinning face with sweat, phew", "нервный смех, пот, фух"],
    ["😬", "grimacing face, awkward", "гримаса, неловко"],
    ["😎", "smiling face with sunglasses, cool", "крутой, солнечные очки"],
    ["🥳", "partying face, party, celebrate", "праздник, вечеринка"],
    ["😔", "pensive face, sad", "грусть, печаль"],
    ["🙁", "frowning face, sad", "хмурое лицо, огорчение"],
    ["😢", "crying face, tear, sad", "слеза, плачет, грусть"],
    ["😭", "loudly crying face, sob", "рыдание, плач"],
    ["😱", "face screaming in fear, scream, shock", "крик, ужас, шок"],
    ["😡", "pouting face, angry, rage", "злость, гнев, ярость"],
    ["😴", "sleeping face, sleep, tired", "сон, спит, устал"],
  ]),
  group("people", [
    ["👍", "thumbs up, like, ok, yes", "палец вверх, класс, нравится, да"],
    ["👎", "thumbs down, dislike, no", "палец вниз, не нравится, нет"],
    ["👌", "ok hand, okay, fine", "окей, хорошо, отлично"],
    ["👋", "waving hand, hello, hi, bye", "машет рукой, привет, пока"],
    ["🙏", "folded hands, please, thanks, thank you", "сложенные руки, спасибо, пожалуйста"],
    ["👏", "clapping hands, applause, bravo", "аплодисменты, браво, хлопки"],
    ["🙌", "raising hands, hooray", "поднятые руки, ура"],
    ["🤝", "handshake, deal, agreement", "рукопожатие, договорились, сделка"],
    ["💪", "flexed biceps, strong", "бицепс, сила"],
    ["✌️", "victory hand, peace", "победа, мир"],
    ["🤞", "crossed fingers, luck, hope", "скрещённые пальцы, удача, надежда"],
    ["☝️", "index pointing up, attention, one", "указательный палец, внимание"],
    ["👉", "backhand index pointing right, look", "палец вправо, смотрите"],
    ["👀", "eyes, look, watching", "глаза, смотрю"],
    ["🤷", "person shrugging, shrug, dunno", "пожимает плечами, не знаю"],
    ["🤦", "person facepalming, facepalm", "рука-лицо, фейспалм"],
  ]),
  group("symbols", [
    ["❤️", "red heart, love", "красное сердце, любовь"],
    ["💔", "broken heart", "разбитое сердце"],
    ["💯", "hundred points, perfect", "сто баллов, идеально"],
    ["✅", "check mark, done, yes", "галочка, готово, сделано, да"],
    ["☑️", "check box with check, done", "отмеченный флажок, выполнено"],
    ["❌", "cross mark, no, wrong", "крестик, нет, неверно"],
    ["⚠️", "warning, caution", "предупреждение, внимание"],
    ["❗", "exclamation mark, important", "восклицательный знак, важно"],
    ["❓", "question mark, question", "вопросительный знак, вопрос"],
    ["⭐", "star, favourite", "звезда, избранное"],
    ["🔥", "fire, hot, urgent", "огонь, горячо, срочно"],
    ["✨", "sparkles, new, shiny", "блеск, новинка, искры"],
    ["🎉", "party popper, congratulations, tada", "хлопушка, поздравляю, ура"],
    ["🔔", "bell, notification", "колокольчик, уведомление"],
    ["➡️", "right arrow, next", "стрелка вправо, дальше"],
    ["ℹ️", "information", "информация, инфо"],
  ]),
  group("objects", [
    ["📦", "package, parcel, box, order", "посылка, коробка, заказ"],
    ["🚚", "delivery truck, shipping", "грузовик, доставка"],
    ["📞", "telephone receiver, phone, call", "телефонная трубка, телефон, звонок"],
    ["📱", "mobile phone, smartphone", "мобильный телефон, смартфон"],
    ["📧", "e-mail, mail, letter", "электронная почта, письмо"],
    ["💳", "credit card, payment, card", "банковская карта, оплата"],
    ["💰", "money bag, money, price", "мешок денег, деньги, цена"],
    ["🧾", "receipt, invoice, bill", "чек, счёт, квитанция"],
    ["📄", "page, document, file", "документ, страница, файл"],
    ["📅", "calendar, date", "календарь, дата"],
    ["⏰", "alarm clock, time, reminder", "будильник, время, напоминание"],
    ["⏳", "hourglass, wait, pending", "песочные часы, ожидание, ждём"],
    ["🔧", "wrench, repair, fix", "гаечный ключ, ремонт, починить"],
    ["🔒", "locked, lock, secure", "замок, закрыто, безопасно"],
    ["🎁", "wrapped gift, present, bonus", "подарок, бонус"],
    ["🛒", "shopping cart, basket, buy", "корзина, покупки, купить"],
    ["🏠", "house, home", "дом, домой"],
    ["✈️", "airplane, flight, travel", "самолёт, перелёт, путешествие"],
  ]),
  group("nature", [
    ["☀️", "sun, sunny, weather", "солнце, солнечно, погода"],
    ["🌧️", "cloud with rain, rain", "дождь, туча"],
    ["❄️", "snowflake, snow, winter", "снежинка, снег, зима"],
    ["🌸", "cherry blossom, flower, spring", "цветок сакуры, цветок, весна"],
    ["🌹", "rose, flower", "роза, цветок"],
    ["🍀", "four leaf clover, luck", "клевер, удача"],
    ["☕", "hot beverage, coffee", "горячий напиток, кофе"],
    ["🍵", "teacup, tea", "чашка чая, чай"],
    ["🍕", "pizza", "пицца"],
    ["🎂", "birthday cake, birthday", "торт, день рождения"],
    ["🐱", "cat face, cat", "кошка, котик"],
    ["🐶", "dog face, dog", "собака, пёс"],
  ]),
];

/** Every emoji once, in picker order. */
export const ALL_EMOJI: readonly Emoji[] = EMOJI_GROUPS.flatMap((g) => g.emoji);

/** The name shown for an emoji in the interface's language. */
export function emojiName(emoji: Emoji, language: string): string {
  const names = language === "ru" ? emoji.ru : emoji.en;
  return names.split(",")[0]!.trim();
}

/** Lower case, ё as е, separators as single blanks, with a blank in front (for word starts). */
function words(text: string): string {
  return ` ${text.toLocaleLowerCase().replace(/ё/g, "е").replace(/[\s,-]+/g, " ").trim()}`;
}

/** Groups with the emoji whose English or Russian names have a word starting with `query`. */
export function searchEmoji(query: string): EmojiGroup[] {
  const q = words(query);
  if (q === " ") return EMOJI_GROUPS.map((g) => ({ ...g }));
  return EMOJI_GROUPS.map((g) => ({
    id: g.id,
    emoji: g.emoji.filter((e) => words(`${e.en}, ${e.ru}`).includes(q) || e.char === query.trim()),
  })).filter((g) => g.emoji.length > 0);
}

/** Put `insert` over the selection [start, end) of `text`; the caret goes after it. */
export function insertAt(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}
