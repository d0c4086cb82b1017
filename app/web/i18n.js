// Russian and English strings. The language defaults to the browser's and can be
// switched; the choice (not any credential) is remembered in localStorage.

const STRINGS = {
  en: {
    'app.title': 'payrange',
    'app.tagline': 'Salary range for a job vacancy',
    'skip': 'Skip to content',
    'nav.predict': 'Estimate',
    'nav.history': 'History',
    'nav.model': 'About the model',
    'nav.signout': 'Sign out',
    'nav.lang': 'Language',
    'signedInAs': 'Signed in as {email}',
    'loading': 'Loading…',

    'auth.signin.title': 'Sign in',
    'auth.signup.title': 'Create an account',
    'auth.signin.lead': 'Sign in to estimate salaries and see your history.',
    'auth.signup.lead': 'An account keeps your estimates so you can come back to them.',
    'auth.email': 'Email',
    'auth.password': 'Password',
    'auth.password.hint': '12 to 128 characters. Avoid common passwords.',
    'auth.password.show': 'Show password',
    'auth.signin.submit': 'Sign in',
    'auth.signup.submit': 'Create account',
    'auth.toSignup': 'No account yet? Create one',
    'auth.toSignin': 'Already have an account? Sign in',
    'auth.signedOut': 'You have signed out.',
    'auth.sessionEnded': 'Your session has ended. Please sign in again.',
    'auth.created': 'Account created. Welcome!',

    'err.invalid_credentials': 'Wrong email or password.',
    'err.email_taken': 'An account with this email already exists. Sign in instead?',
    'err.unauthorized': 'Your session has ended. Please sign in again.',
    'err.not_found': 'Not found.',
    'err.too_many_requests': 'Too many attempts. Please wait a moment and try again.',
    'err.too_many_requests.wait': 'Too many attempts. Please try again in {n} s.',
    'err.service_unavailable': 'The service is temporarily unavailable. Please try again in a minute.',
    'err.validation_failed': 'Please correct the highlighted fields.',
    'err.bad_request': 'The request was not understood.',
    'err.payload_too_large': 'The text is too long.',
    'err.unsupported_media_type': 'The request format was not accepted.',
    'err.internal': 'Something went wrong on our side. Please try again.',
    'err.network': 'Cannot reach the service. Check your connection and try again.',
    'err.unknown': 'Something went wrong (code {code}).',

    'v.required': 'Please fill in this field.',
    'v.email': 'Enter an email address like name@example.com.',
    'v.password.short': 'The password is too short: use at least 12 characters (now {n}).',
    'v.password.long': 'The password is too long: use at most 128 characters.',
    'v.password.tooShort': 'The password is too short: use at least 12 characters.',
    'v.password.common': 'This password is too common and easy to guess. Choose another one.',
    'v.maxlen': 'Too long: at most {max} characters (now {n}).',

    'predict.title': 'Estimate a salary',
    'predict.lead': 'Paste a vacancy: we estimate the salary range offered for it.',
    'predict.name': 'Job title',
    'predict.name.hint': 'For example: Senior Python developer',
    'predict.description': 'Description',
    'predict.description.hint': 'Duties, requirements, conditions — the more, the better.',
    'predict.area': 'City (optional)',
    'predict.area.hint': 'For example: Moscow',
    'predict.submit': 'Estimate salary',
    'predict.queued': 'Waiting in the queue…',
    'predict.running': 'Estimating…',
    'predict.sending': 'Estimating…',
    'predict.failed': 'The estimate failed: {error}',
    'predict.chars': '{n} / {max}',
    'predict.placeholder': 'The estimated salary range and the words behind it will appear here.',
    'predict.busy.hint': 'This usually takes a few seconds. You can keep this page open or look at your history meanwhile.',

    'result.title': 'Estimated salary',
    'result.range': '{from} – {to}',
    'result.per': 'per month, before tax',
    'result.model': 'Model version {v}',
    'result.why': 'Why this range',
    'result.why.lead': 'The words that moved each bound the most. ▲ raised it, ▼ lowered it; the percentage is the approximate effect of that word alone.',
    'result.lower': 'Lower bound ({v})',
    'result.upper': 'Upper bound ({v})',
    'result.noExplain': 'No explanation is available for this estimate.',
    'result.noFactors': 'No single word stood out.',
    'result.scale': 'Salary scale',
    'result.chart': 'Predicted range from {from} to {to} on a scale up to {max}',
    'term.title': 'title',
    'term.description': 'description',
    'term.area': 'city',
    'effect.up': 'raised by about {p}',
    'effect.down': 'lowered by about {p}',

    'history.title': 'Your estimates',
    'history.lead': 'Newest first.',
    'history.empty': 'No estimates yet. Make your first one on the Estimate page.',
    'history.export': 'Export CSV',
    'history.exporting': 'Exporting…',
    'history.prev': '← Newer',
    'history.next': 'Older →',
    'history.page': 'Page {n}',
    'history.col.date': 'Date',
    'history.col.title': 'Job title',
    'history.col.city': 'City',
    'history.col.range': 'Range',
    'history.col.status': 'Status',
    'history.open': 'Show',
    'history.chart': 'Ranges on this page',
    'history.chart.empty': 'Finished estimates will appear on the chart.',
    'history.chart.label': 'Chart of estimated ranges on this page, oldest on the left',
    'status.queued': 'Queued',
    'status.running': 'Running',
    'status.done': 'Done',
    'status.failed': 'Failed',
    'history.back': '← Back to history',

    'model.title': 'About the model',
    'model.lead': 'How the estimates are made and how accurate they are.',
    'model.version': 'Version',
    'model.trained': 'Training date',
    'model.how': 'The model reads the job title, the description and the city, and has learned from past vacancies which words go with higher or lower pay. It gives a lower and an upper bound separately.',
    'model.rows': 'Learned from',
    'model.rows.v': '{n} vacancies',
    'model.data': 'Data',
    'model.currency': 'Currency',
    'model.accuracy': 'How accurate is it?',
    'model.accuracy.lead': 'Measured on vacancies the model did not see while learning.',
    'model.mae': 'The {bound} is typically off by about {mae} ({mape}).',
    'model.mae.abs': 'The {bound} is typically off by about {mae}.',
    'model.r2': 'It explains about {r2} of the differences in the {bound} between vacancies (100% would be perfect).',
    'model.coverage': 'For {p} of those vacancies the real salary fell within the estimated range.',
    'model.bound.from': 'lower bound',
    'model.bound.to': 'upper bound',
    'model.caveat': 'An estimate is a guide, not a promise: salaries depend on things a text does not say.',
    'model.tech': 'Technical figures',
  },
  ru: {
    'app.title': 'payrange',
    'app.tagline': 'Вилка зарплаты для вакансии',
    'skip': 'Перейти к содержимому',
    'nav.predict': 'Оценка',
    'nav.history': 'История',
    'nav.model': 'О модели',
    'nav.signout': 'Выйти',
    'nav.lang': 'Язык',
    'signedInAs': 'Вы вошли как {email}',
    'loading': 'Загрузка…',

    'auth.signin.title': 'Вход',
    'auth.signup.title': 'Регистрация',
    'auth.signin.lead': 'Войдите, чтобы оценивать зарплаты и видеть историю.',
    'auth.signup.lead': 'Учётная запись сохраняет ваши оценки, чтобы к ним можно было вернуться.',
    'auth.email': 'Эл. почта',
    'auth.password': 'Пароль',
    'auth.password.hint': 'От 12 до 128 символов. Не используйте распространённые пароли.',
    'auth.password.show': 'Показать пароль',
    'auth.signin.submit': 'Войти',
    'auth.signup.submit': 'Зарегистрироваться',
    'auth.toSignup': 'Нет учётной записи? Зарегистрируйтесь',
    'auth.toSignin': 'Уже есть учётная запись? Войдите',
    'auth.signedOut': 'Вы вышли из системы.',
    'auth.sessionEnded': 'Сеанс завершён. Войдите снова.',
    'auth.created': 'Учётная запись создана. Добро пожаловать!',

    'err.invalid_credentials': 'Неверная почта или пароль.',
    'err.email_taken': 'Учётная запись с такой почтой уже есть. Может быть, войти?',
    'err.unauthorized': 'Сеанс завершён. Войдите снова.',
    'err.not_found': 'Не найдено.',
    'err.too_many_requests': 'Слишком много попыток. Подождите немного и попробуйте снова.',
    'err.too_many_requests.wait': 'Слишком много попыток. Попробуйте снова через {n} с.',
    'err.service_unavailable': 'Сервис временно недоступен. Попробуйте через минуту.',
    'err.validation_failed': 'Исправьте отмеченные поля.',
    'err.bad_request': 'Запрос не удалось разобрать.',
    'err.payload_too_large': 'Текст слишком длинный.',
    'err.unsupported_media_type': 'Формат запроса не принят.',
    'err.internal': 'Что-то пошло не так на нашей стороне. Попробуйте ещё раз.',
    'err.network': 'Нет связи с сервисом. Проверьте подключение и попробуйте снова.',
    'err.unknown': 'Что-то пошло не так (код {code}).',

    'v.required': 'Заполните это поле.',
    'v.email': 'Введите адрес вида name@example.com.',
    'v.password.short': 'Пароль слишком короткий: нужно не меньше 12 символов (сейчас {n}).',
    'v.password.long': 'Пароль слишком длинный: не больше 128 символов.',
    'v.password.tooShort': 'Пароль слишком короткий: нужно не меньше 12 символов.',
    'v.password.common': 'Это слишком распространённый пароль, его легко угадать. Выберите другой.',
    'v.maxlen': 'Слишком длинно: не больше {max} символов (сейчас {n}).',

    'predict.title': 'Оценить зарплату',
    'predict.lead': 'Вставьте вакансию — мы оценим, какую вилку зарплаты в ней предлагают.',
    'predict.name': 'Название должности',
    'predict.name.hint': 'Например: Senior Python-разработчик',
    'predict.description': 'Описание',
    'predict.description.hint': 'Обязанности, требования, условия — чем подробнее, тем лучше.',
    'predict.area': 'Город (необязательно)',
    'predict.area.hint': 'Например: Москва',
    'predict.submit': 'Оценить зарплату',
    'predict.queued': 'Ожидает в очереди…',
    'predict.running': 'Считаем…',
    'predict.sending': 'Считаем…',
    'predict.failed': 'Оценить не удалось: {error}',
    'predict.chars': '{n} / {max}',
    'predict.placeholder': 'Здесь появятся оценка вилки зарплаты и слова, которые на неё повлияли.',
    'predict.busy.hint': 'Обычно это занимает несколько секунд. Можно не закрывать страницу или пока посмотреть историю.',

    'result.title': 'Оценка зарплаты',
    'result.range': '{from} – {to}',
    'result.per': 'в месяц, до вычета налогов',
    'result.model': 'Версия модели {v}',
    'result.why': 'Почему такая вилка',
    'result.why.lead': 'Слова, которые сильнее всего сдвинули каждую границу. ▲ — повысили, ▼ — понизили; процент — примерный эффект одного этого слова.',
    'result.lower': 'Нижняя граница ({v})',
    'result.upper': 'Верхняя граница ({v})',
    'result.noExplain': 'Для этой оценки объяснение недоступно.',
    'result.noFactors': 'Ни одно слово особенно не выделилось.',
    'result.scale': 'Шкала зарплат',
    'result.chart': 'Оценка от {from} до {to} на шкале до {max}',
    'term.title': 'название',
    'term.description': 'описание',
    'term.area': 'город',
    'effect.up': 'повысило примерно на {p}',
    'effect.down': 'понизило примерно на {p}',

    'history.title': 'Ваши оценки',
    'history.lead': 'Сначала новые.',
    'history.empty': 'Оценок пока нет. Сделайте первую на странице «Оценка».',
    'history.export': 'Скачать CSV',
    'history.exporting': 'Готовим файл…',
    'history.prev': '← Новее',
    'history.next': 'Старше →',
    'history.page': 'Страница {n}',
    'history.col.date': 'Дата',
    'history.col.title': 'Должность',
    'history.col.city': 'Город',
    'history.col.range': 'Вилка',
    'history.col.status': 'Статус',
    'history.open': 'Открыть',
    'history.chart': 'Вилки на этой странице',
    'history.chart.empty': 'Готовые оценки появятся на графике.',
    'history.chart.label': 'График оценённых вилок на этой странице, старые слева',
    'status.queued': 'В очереди',
    'status.running': 'Считается',
    'status.done': 'Готово',
    'status.failed': 'Ошибка',
    'history.back': '← К истории',

    'model.title': 'О модели',
    'model.lead': 'Как получаются оценки и насколько они точны.',
    'model.version': 'Версия',
    'model.trained': 'Дата обучения',
    'model.how': 'Модель читает название, описание и город и по прошлым вакансиям знает, какие слова связаны с более высокой или низкой оплатой. Нижнюю и верхнюю границы она оценивает отдельно.',
    'model.rows': 'Обучена на',
    'model.rows.v': '{n} вакансиях',
    'model.data': 'Данные',
    'model.currency': 'Валюта',
    'model.accuracy': 'Насколько она точна?',
    'model.accuracy.lead': 'Проверено на вакансиях, которых модель не видела при обучении.',
    'model.mae': '{bound}: обычная ошибка — около {mae} ({mape}).',
    'model.mae.abs': '{bound}: обычная ошибка — около {mae}.',
    'model.r2': 'Модель объясняет около {r2} различий в {boundGen} между вакансиями (100% — идеал).',
    'model.coverage': 'Для {p} этих вакансий настоящая зарплата попала в оценённую вилку.',
    'model.bound.from': 'Нижняя граница',
    'model.bound.to': 'Верхняя граница',
    'model.boundGen.from': 'нижней границе',
    'model.boundGen.to': 'верхней границе',
    'model.caveat': 'Оценка — ориентир, а не обещание: зарплата зависит и от того, чего нет в тексте.',
    'model.tech': 'Технические показатели',
  },
};

const KEY = 'payrange.lang';
let current = detect();

function detect() {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch { /* storage may be unavailable */ }
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const l of langs) {
    const base = String(l).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
}

export function lang() { return current; }
export function locale() { return current === 'ru' ? 'ru-RU' : 'en-GB'; }
export const LANGS = Object.keys(STRINGS);

export function setLang(l) {
  if (!STRINGS[l]) return;
  current = l;
  try { localStorage.setItem(KEY, l); } catch { /* ignore */ }
}

export function has(key) { return key in STRINGS[current] || key in STRINGS.en; }

export function t(key, params = {}) {
  let s = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

/** Apply translations to elements marked data-i18n / data-i18n-attr in the static HTML. */
export function translateDom(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    // format: "attr:key;attr2:key2"
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
