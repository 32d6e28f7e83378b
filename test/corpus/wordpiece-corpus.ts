// Texts for checking the C++ WordPiece tokenizer against Hugging Face's `tokenizers`
// (@anush008/tokenizers): the awkward cases of BERT tokenization plus realistic support tickets.
// Deterministic: the only randomness is a fixed-seed generator.

// mulberry32: small, fixed-seed PRNG so the corpus is the same on every run.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  const v = list[Math.floor(random() * list.length)];
  if (v === undefined) throw new Error('pick from an empty list');
  return v;
}

// ---- Edge cases, by theme ------------------------------------------------------------------------

const ACCENTS = [
  'café', 'Café au lait', 'naïve', 'NAÏVE', 'Ångström', 'ångström unit', 'Ελληνικά', 'ΕΛΛΗΝΙΚΆ γλώσσα',
  'résumé', 'Résumé submitted', 'São Paulo', 'Zürich', 'Kraków', 'Dvořák', 'Łódź', 'Ærøskøbing', 'façade',
  'crème brûlée', 'piñata', 'jalapeño', 'coöperate', 'Noël', 'über', 'Straße', 'Hämeenlinna', 'Ñandú',
  'e\u0301', 'E\u0301', 'a\u0300\u0301\u0302', 'o\u0308\u0304', 'x\u0301\u0323', 'x\u0323\u0301',
  'n\u0303o', 'A\u030A', '\u212B', '\u00C5', 'Å', 'ǅungla', 'ǈ', 'ǋ', 'ﬁnance ﬂow', 'ﬀ', 'Ǆ', 'ǲ',
  'Việt Nam', 'Tiếng Việt có dấu', 'Ả Ạ Ầ Ẩ Ẫ Ậ', 'ḱṓ', 'İ', 'Türkçe İstanbul ılık', 'IĞDIR', 'ı',
  'Tschüß', 'ß', 'ẞ', 'GROẞE', 'straße STRASSE', 'Σ', 'ΟΔΥΣΣΕΥΣ', 'Οδυσσεύς', 'ς σ Σ', 'ΣΑΣ', 'λόγος ΛΌΓΟΣ',
  'Ǭ', 'ǭ', '\u0130\u0307', 'Ὀδυσσεύς', 'ᾼ ᾳ', 'ῼ', 'Ⅻ ⅻ', 'Ⓐⓑ', '𝐀𝐁𝐂 𝑎𝑏𝑐', 'Ꭰ ꭰ', '𐐀𐐨', 'Ａ',
];

const CJK = [
  '中文', '中文字符', '我爱北京天安门', '你好，世界！', '日本語', '日本語のテキスト', 'ひらがな カタカナ',
  'これはテストです。', '한국어', '안녕하세요 세계', '한국어 텍스트입니다', '漢字とかな交じり文', '繁體中文測試',
  '中文English混合', 'Ticket#123号问题', '𠀀𠀁', '𪜀', '𫝀', '𬺰', '𰀀', '豈更車', '\uF900\uFA0A', '㐀㐁',
  '⺀⺁', '々〆〇', '〈〉《》「」『』【】', '　全角スペース　', 'ｶﾀｶﾅ', 'Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３',
  '＂ｑｕｏｔｅｄ＂', '！？。、', '我的账户无法登录，请帮忙。', '支払いに問題があります', '비밀번호를 잊어버렸습니다',
  '中', '一二三四五六七八九十', 'ㄅㄆㄇ', '각', '가각갂', '힣',
];

const EMOJI = [
  '😀', '😀😃😄', '👍', '👍🏽', '👍🏿👍🏻', '👨‍👩‍👧', '👨‍👩‍👧‍👦', '👩🏽‍💻', '🏳️‍🌈', '🇫🇷', '🇺🇸🇬🇧',
  '❤️', '❤\uFE0F', '☺', '✔️ done', 'great job 🎉🎉', 'thanks!!! 🙏', '🔥🔥🔥 urgent 🔥🔥🔥', '1️⃣2️⃣3️⃣',
  '🧑‍🤝‍🧑', '👁️‍🗨️', '🫠', '🪿', '😂😂😂😂😂😂😂😂😂😂', 'emoji😀inside', '©®™', '♠♣♥♦', '☃',
];

const PUNCT = [
  '!!!', '???', '...', '!?!?', '---', '___', '***', '((()))', '[[]]', '{{}}', '<<>>', '""', "''", '``',
  '!!!???...,,,;;;', '@#$%^&*', '~`|\\', '+=-', '…', '‥', '—–-', '‘quoted’', '“double”', '«guillemets»',
  '„German“', '‹›', '¡Hola!', '¿Qué?', '§¶', '†‡', '•◦', '※', '⁂', '‰‱', '′″‴', '‼⁇⁈⁉', '⸘', '⸮',
  '⹀', '⸻', '〜', '〰', '·', '¦', '¬', '°', '±', '×÷', '€$£¥₹₿', '¢', '100%', '$5.00', 'a.b.c', 'e.g.',
  "don't", "won't can't shouldn't", "O'Brien", 'rock-n-roll', 'x_y_z', 'a/b/c', 'path\\to\\file', 'C:\\Users\\me',
  '٪', '؟', '،', '۔', '।', '॥', '჻', '፡', '។', '᠂', '꧁꧂', '᙭', '᛫',
];

const CONTROL = [
  '\u0000', 'a\u0000b', '\u0007bell', 'tab\there', 'new\nline', 'cr\rlf\r\n', 'vt\u000bff\u000c', '\u001b[31mred\u001b[0m',
  '\u007f', '\u0080\u0085\u009f', 'zero\u200bwidth', '\u200c\u200d', '\u200e\u200f', 'bom\ufeffinside', '\ufeff',
  'soft\u00adhyphen', '\u00ad', '\u2028line sep', '\u2029para sep', '\u2060word joiner', '\u2066isolate\u2069',
  '\u061c', '\u180e', 'a\u00a0b', 'nbsp\u00a0\u00a0nbsp', '\u2000\u2001\u2002\u200a', '\u202f\u205f\u3000',
  '\u1680', '\ufffd', 'a\ufffdb', '\ue000\uf8ff', '\u{f0000}', '\u{e0001}\u{e0041}', '\u0600\u0601', '\u{110bd}',
  '\u{1d173}', 'x\u034fy', '\u2062\u2063', 'lone \ud800 surrogate', '\udc00x', 'a\u0001b\u0002c\u0003',
];

const WHITESPACE = ['', ' ', '  ', '\t', '\n', '\r\n', '\t\n\r ', '    \t    ', '\u00a0', '\u3000', '\u2003\u2009', ' \u0085 '];

const COMBINING = [
  '\u0301', '\u0301\u0301', '\u0300a', ' \u0308', '\u0308\u0308\u0308', '\u0345', '\u20dd', 'a\u20dd', '\u0489',
  'क्ष', 'क़', 'ि', 'ं', 'ا\u064b', '\u0652', 'ש\u05b0', '\u05bf', '\u0e31', 'ก\u0e34', '\u302e', '\u302f',
  '\u{1d165}\u{1d16d}', 'a\u{1d16d}\u{1d165}', '\u0f71\u0f72', '\u0f73', '\u0344', '\u1dc0', '\u0334\u0301',
  'a\u0315\u0300', 'a\u031b\u0323\u0301', '\u1ab0', 'e\u0327\u0301', 'ç\u0301', 'ḉ', 'Ḉ', '\u0e38\u0e48',
];

const RTL = [
  'مرحبا بالعالم', 'العربية', 'שלום עולם', 'עברית', 'فارسی', 'اردو', 'mixed English עברית text', 'رقم ١٢٣',
  '\u202bRTL embed\u202c', '\u202eoverride\u202c', 'ܫܠܡܐ', 'ދިވެހި', 'ߒߞߏ',
];

const SCRIPTS = [
  'Привет, мир', 'ПРИВЕТ', 'Ёлка', 'Україна', 'Қазақ', 'Ђорђе', 'Հայերեն', 'ქართული', 'हिन्दी भाषा', 'বাংলা',
  'ਪੰਜਾਬੀ', 'ગુજરાતી', 'தமிழ்', 'తెలుగు', 'ಕನ್ನಡ', 'മലയാളം', 'සිංහල', 'ไทย ภาษา', 'ລາວ', 'ភាសាខ្មែរ',
  'မြန်မာ', 'བོད་ཡིག', 'ᠮᠣᠩᠭᠣᠯ', 'ᐃᓄᒃᑎᑐᑦ', 'ᏣᎳᎩ', 'አማርኛ', 'ⴰⵎⴰⵣⵉⵖ', 'Ꙗ', '𐌰𐌱𐌲', '𓀀𓀁', '𒀀', 'ᚠᚢᚦ',
];

const DIGITS = [
  '0', '123', '3.14159', '1,000,000', '2024-01-15', '12:30:45', '+1 (555) 123-4567', '#4521', 'v2.3.1',
  '0x1F600', '1e10', '-42', '١٢٣٤', '०१२३', '๑๒๓', '①②③', '½ ¼ ¾', '²³', 'Ⅳ', '1st 2nd 3rd 4th',
  'ORD-2024-000123', 'INV#88231', 'ticket 9999999999999999999', '٣٫١٤',
];

const WEB = [
  'https://example.com', 'https://example.com/path/to/page?query=1&b=2#frag', 'http://localhost:8080/api/v1/users',
  'www.example.co.uk', 'ftp://files.example.org/pub/file.tar.gz', 'user@example.com', 'first.last+tag@sub.example.org',
  'mailto:support@company.io', 'https://münchen.de/straße', 'https://例え.jp/パス', '192.168.0.1:443',
  '2001:db8::ff00:42:8329', 'Check https://status.example.com for updates.', '<a href="https://x.io">link</a>',
];

const CODE = [
  'const x = foo(bar, 42);', 'if (a && b) { return c || d; }', 'SELECT * FROM users WHERE id = 1;',
  'def hello():\n    print("hi")', '{"key": "value", "n": [1, 2, 3]}', '<div class="x">Hello</div>',
  'git commit -m "fix: null pointer"', 'npm ERR! code ENOENT', 'Traceback (most recent call last):',
  'TypeError: Cannot read properties of undefined (reading \'map\')', 'Error 500: Internal Server Error',
  'java.lang.NullPointerException\n\tat com.example.Foo.bar(Foo.java:42)', 'curl -X POST -H "Content-Type: application/json"',
  'std::vector<int> v{1,2,3};', 'a->b', 'x => x * 2', 'arr[i][j]', '$HOME/.config', '~/projects/app', '#!/bin/bash',
  'camelCaseIdentifier', 'snake_case_identifier', 'SCREAMING_SNAKE_CASE', 'kebab-case-identifier', 'PascalCase',
  'base64: SGVsbG8gV29ybGQ=', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'UUID 123e4567-e89b-12d3-a456-426614174000',
];

const SPECIAL = [
  '[CLS]', '[SEP] inside', '[UNK]', '[MASK]', '[PAD]', '[CLS] hello [SEP] world [SEP]', 'hello[SEP]world',
  '[CLS][SEP][UNK][MASK][PAD]', '[cls]', '[Cls]', '[ CLS ]', '[CLS', 'CLS]', '[[CLS]]', '[SEP][SEP]',
  'x[MASK]y', '[MASK]ed', '##ing', '##', '[unused0]', '[unused99]', 'word ##piece', '[UNK] token [UNK]',
  '[CLS]\u0301', '\u0301[SEP]', 'é[SEP]é', '中[MASK]文',
];

const CASE = [
  'Hello World', 'HELLO WORLD', 'hello world', 'hElLo WoRlD', 'iPhone', 'eBay', 'McDonald', 'NASA', 'U.S.A.',
  'The QUICK brown FOX', 'JavaScript TypeScript', 'ÉCOLE école', 'ÀÉÎÕÜ', 'ǅǈǋǲ',
];

function longWords(): string[] {
  const out: string[] = [];
  out.push('a'.repeat(99), 'a'.repeat(100), 'a'.repeat(101), 'b'.repeat(150), 'x'.repeat(1000));
  out.push('é'.repeat(100), 'é'.repeat(101), 'e\u0301'.repeat(60), 'e\u0301'.repeat(110), '中'.repeat(120));
  out.push('supercalifragilisticexpialidocious', 'pneumonoultramicroscopicsilicovolcanoconiosis');
  out.push('antidisestablishmentarianism'.repeat(4), 'ab'.repeat(50), 'ab'.repeat(51), 'hello'.repeat(20) + '!');
  out.push('😀'.repeat(101), '😀'.repeat(100), '\u0000'.repeat(150) + 'a', '\u200b'.repeat(120) + 'word');
  out.push(('word ').repeat(600), ('token, ').repeat(400), ('tokenization ').repeat(300));
  out.push('https://example.com/' + 'segment/'.repeat(40));
  return out;
}

// ---- Realistic support tickets ---------------------------------------------------------------

const HANDWRITTEN_TICKETS = [
  "Hi, I can't log in to my account since this morning. It says \"Invalid password\" even though I just reset it. Please help!",
  'Login page keeps redirecting me back to the sign-in screen after I enter my 2FA code. Using Chrome 120 on Windows 11.',
  'I was charged twice for my subscription this month ($49.99 x2). Order #A-88231. Please refund the duplicate charge.',
  'Payment failed with error code CARD_DECLINED but my bank says there is no problem with the card.',
  'The export to CSV button does nothing. Console shows: TypeError: Cannot read properties of undefined (reading \'rows\')',
  'Feature request: it would be great to have dark mode in the mobile app. Many of our team members work late.',
  'Can you add an API endpoint to bulk-update tickets? We have ~10k tickets to migrate.',
  'Our dashboard takes 30+ seconds to load since the last update. Before it was instant. Account ID 55123.',
  'SECURITY: I received a password reset email I did not request. Is my account compromised??',
  'Please delete all my personal data under GDPR Article 17. My user ID is u_99812.',
  'How do I connect the Slack integration? The OAuth screen shows "redirect_uri mismatch".',
  'Webhook deliveries to https://hooks.example.com/tp are failing with HTTP 502 since 2024-03-02 14:00 UTC.',
  'I need to change the email address on my account from old@example.com to new@example.com.',
  'Where can I download my invoices for the last fiscal year? Accounting needs them by Friday.',
  'The app crashes on startup on my Pixel 8 (Android 14). Reinstalling did not help. 😞',
  'Sync between desktop and mobile is broken — notes I create on my phone never show up on my laptop.',
  'Just wanted to say thanks to Maria from support, she solved my issue in 5 minutes! 👍',
  'URGENT!!! Production is down for all our users. Error 503 on every request. Please escalate immediately.',
  'We are evaluating your enterprise plan. Do you support SSO with Okta and SCIM provisioning?',
  'The search doesn\'t find tickets with accented names like "José Müller" unless I type the accents.',
  'Bonjour, je n\'arrive pas à me connecter à mon compte depuis hier. Pouvez-vous m\'aider ?',
  'Hallo, meine Rechnung für März ist doppelt abgebucht worden. Bitte um Rückerstattung.',
  'Hola, la aplicación se cierra sola cuando intento subir una foto. ¿Alguna solución?',
  'Olá, não consigo alterar minha senha. O link de redefinição expirou.',
  'こんにちは。ログインできません。パスワードをリセットしても同じエラーが出ます。',
  '您好，我的订单显示已付款，但是账户里没有更新。订单号：20240315-8821。',
  '안녕하세요, 결제가 두 번 되었습니다. 환불 부탁드립니다.',
  'Привет! Не могу войти в аккаунт, пишет «неверный пароль».',
  'The PDF report shows "NaN%" in the conversion column for all rows.',
  'When I paste text from Word, the formatting turns into weird characters like â€™ and Ã©.',
  'Our API key was accidentally committed to a public GitHub repo. Please revoke key ending in ...x7Qz.',
  'Two-factor authentication SMS never arrives. My number is +44 7700 900123.',
  'Is there a way to export all tickets with their tags as JSON? The UI only offers CSV.',
  'Rate limit of 100 req/min is too low for our integration; we need at least 1000 req/min.',
  'The mobile app shows the wrong time zone (UTC instead of Europe/Berlin) for all timestamps.',
  'I cancelled my plan on 3/1 but was still billed on 3/15. Please refund.',
  'Page loads are slow: TTFB is ~4s from Singapore, ~200ms from Frankfurt.',
  "My colleague's account was locked after too many failed attempts; how long until it unlocks?",
  'Can we get an audit log of who accessed customer records in the last 90 days?',
  'The Zapier integration stopped triggering on new tickets after you changed the API version.',
  'Typo on the pricing page: "anually" should be "annually".',
  'Please add support for importing from Zendesk, we have 5 years of history there.',
  'Memory usage of the desktop client grows to 3GB after a day. Have to restart it every morning.',
  'The "Forgot password?" link on the login page returns a 404.',
  'We suspect a phishing campaign impersonating your brand: emails from support@examp1e.com.',
  'Data request: please send me a copy of all data you hold about me (customer #C-10293).',
  'Is the API available over IPv6? Our network is IPv6-only.',
  'Hi team,\n\nSince upgrading to v4.2.0, CSV exports truncate at 65,535 rows.\n\nThanks,\nDan',
  'Subject: Refund\n\nI would like a refund for order 7781. The product did not match the description.',
  'My invoice shows VAT at 20% but we are a VAT-exempt organisation (VAT ID GB123456789).',
];

const SUBJECTS = [
  "Can't log in", 'Login loop after 2FA', 'Double charge on my card', 'Refund request', 'App crashes on startup',
  'Export not working', 'Feature request: dark mode', 'Slow dashboard', 'Suspicious login attempt', 'Delete my data',
  'Integration with Slack broken', 'Webhook failures', 'Change account email', 'Invoice download', 'Sync issues',
  'API rate limits', 'Password reset email not received', 'Wrong time zone', 'SSO configuration', 'Billing question',
];

const OPENERS = [
  'Hi,', 'Hello team,', 'Dear Support,', 'Hey there!', 'Good morning,', 'To whom it may concern,', 'Hi Maria,', '',
];

const PROBLEMS = [
  'I have been unable to access my account for {n} days.',
  'Since the update on {date}, the {feature} page shows an error: "{error}".',
  'We were charged {amount} twice on invoice {invoice}.',
  'The {feature} feature is extremely slow, it takes about {n} seconds to respond.',
  'Our users report that {feature} fails with error code {code}.',
  'I received an email asking me to confirm my password, which looks like phishing.',
  'Please export all data associated with account {account} and then delete it.',
  'It would be really helpful if {feature} supported bulk operations.',
  'The {integration} integration stopped syncing after we rotated our API token.',
  'The mobile app ({device}) freezes whenever I open {feature}.',
  "I can't find where to change my billing address for {account}.",
  'Every time I try to upload a file larger than {n} MB I get "{error}".',
];

const DETAILS = [
  'We are on the {plan} plan.', 'This affects about {n} people in our team.', 'Browser: {browser}.',
  'I already tried clearing the cache and logging out.', 'Screenshot attached.', 'Request ID: {uuid}.',
  'This is blocking our release scheduled for {date}.', 'Please treat this as {priority} priority.',
  'Our account manager is {name}.', 'The issue started around {time} UTC.',
];

const CLOSINGS = ['Thanks,', 'Thank you!', 'Best regards,', 'Cheers,', 'Regards,', 'Thanks in advance 🙏', 'Merci !', ''];

const FILL: Record<string, readonly string[]> = {
  n: ['2', '3', '10', '45', '100', '250'],
  date: ['2024-03-01', 'March 3rd', '03/15/2024', 'last Tuesday', '1 Feb'],
  feature: ['reports', 'search', 'export', 'dashboard', 'notifications', 'calendar', 'billing', 'user management'],
  error: ['Something went wrong', 'ERR_CONNECTION_RESET', '500 Internal Server Error', 'Invalid token', 'Quota exceeded'],
  amount: ['$49.99', '€120.00', '£15', '¥3,000', '$1,299.00'],
  invoice: ['INV-2024-0042', '#88231', 'A-7781', 'INV/03/2024/17'],
  code: ['E1001', 'AUTH_401', 'ERR-TIMEOUT', '0x80070005', 'PAYMENT_DECLINED'],
  account: ['acme-corp', 'C-10293', 'user_99812', 'jane.doe@example.com'],
  integration: ['Slack', 'Salesforce', 'Jira', 'Zapier', 'HubSpot', 'Microsoft Teams'],
  device: ['iPhone 15, iOS 17.4', 'Pixel 8, Android 14', 'Galaxy S23', 'iPad Air'],
  plan: ['Free', 'Pro', 'Business', 'Enterprise'],
  browser: ['Chrome 122 on macOS', 'Firefox 123 on Ubuntu', 'Safari 17', 'Edge 121 on Windows 11'],
  uuid: ['3f2b9c1e-7a4d-4e2b-9c1f-0a8b7c6d5e4f', 'req_8Jk2LmN0pQ', 'a1b2c3d4'],
  priority: ['high', 'critical', 'low', 'URGENT'],
  name: ['Søren Kierkegaard', 'José García', 'Zoë Brontë', 'François Müller', '王小明'],
  time: ['09:15', '14:00', '23:45', '3am'],
};

function fill(random: () => number, template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => pick(random, FILL[key] ?? [key]));
}

function generatedTickets(count: number, seed: number): string[] {
  const random = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts = [pick(random, OPENERS), fill(random, pick(random, PROBLEMS))];
    const extra = Math.floor(random() * 3);
    for (let k = 0; k < extra; k++) parts.push(fill(random, pick(random, DETAILS)));
    parts.push(pick(random, CLOSINGS));
    const body = parts.filter((p) => p !== '').join(random() < 0.5 ? '\n\n' : ' ');
    out.push(`${pick(random, SUBJECTS)}\n\n${body}`);
  }
  return out;
}

// ---- Combinations of the awkward pieces inside ordinary text ---------------------------------------

function mixed(count: number, seed: number): string[] {
  const random = rng(seed);
  const pools = [ACCENTS, CJK, EMOJI, PUNCT, CONTROL, COMBINING, RTL, SCRIPTS, DIGITS, WEB, SPECIAL, CASE];
  const words = ['the', 'account', 'Payment', 'LOGIN', 'failed', 'please', 'help', 'error', 'ticket', 'order'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 2 + Math.floor(random() * 6);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) {
      parts.push(random() < 0.5 ? pick(random, words) : pick(random, pick(random, pools)));
    }
    const sep = pick(random, [' ', '', '  ', '\n', ', ', '\t']);
    out.push(parts.join(sep));
  }
  return out;
}

export function supportTickets(): string[] {
  return [...HANDWRITTEN_TICKETS, ...generatedTickets(120, 20240601)];
}

export function wordpieceCorpus(): string[] {
  return [
    ...ACCENTS,
    ...CJK,
    ...EMOJI,
    ...PUNCT,
    ...CONTROL,
    ...WHITESPACE,
    ...COMBINING,
    ...RTL,
    ...SCRIPTS,
    ...DIGITS,
    ...WEB,
    ...CODE,
    ...SPECIAL,
    ...CASE,
    ...longWords(),
    ...supportTickets(),
    ...mixed(150, 12345),
  ];
}
